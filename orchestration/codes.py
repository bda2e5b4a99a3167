"""Identifiers with a published check rule: USCC (GB 32100-2015), container numbers (ISO 6346),
HS codes, ISO 3166 alpha-2 country codes and UN/LOCODEs.

Pure functions, no I/O: the validation rules, the readers, the demo and the data generators all use
these, so a code is judged the same way everywhere.
"""

from __future__ import annotations

import re

from orchestration.problems import Problem

# --- Unified Social Credit Code, GB 32100-2015 -------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31
_USCC_VALUE = {char: value for value, char in enumerate(USCC_ALPHABET)}
_USCC_CHAR = f"[{re.escape(USCC_ALPHABET)}]"
# Positions 1-2: registration authority and entity type; 3-8: GB/T 2260 area code (digits);
# 9-17: organisation code (digits and letters); 18: check character.
_USCC_PATTERN = re.compile(rf"{_USCC_CHAR}{{2}}[0-9]{{6}}{_USCC_CHAR}{{10}}")


def uscc_check_character(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a USCC.

    Raises ValueError when `first17` is not 17 characters of the USCC alphabet.
    """
    if len(first17) != 17 or any(char not in _USCC_VALUE for char in first17):
        raise ValueError(f"not 17 USCC characters: {first17!r}")
    total = sum(_USCC_VALUE[char] * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> Problem | None:
    """None for a valid USCC, else a USCC_FORMAT or USCC_CHECK_CHARACTER problem.

    Exact: no trimming and no upper-casing, the code must be written as registered.
    """
    if not isinstance(code, str) or not _USCC_PATTERN.fullmatch(code):
        return Problem("USCC_FORMAT", column="company_uscc", details={"value": code})
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        return Problem(
            "USCC_CHECK_CHARACTER", column="company_uscc", details={"value": code, "expected": expected}
        )
    return None


def uscc_area_code(code: str) -> str:
    """Characters 3-8 of a USCC: the GB/T 2260 code of the registration area, e.g. '370211'."""
    return code[2:8]


def make_uscc(first17: str) -> str:
    """A complete USCC: `first17` followed by its check character."""
    return first17 + uscc_check_character(first17)


# --- Container numbers, ISO 6346 ---------------------------------------------------------------


def _iso6346_letter_values() -> dict[str, int]:
    """A=10, then upwards skipping multiples of 11: B=12 ... K=21, L=23 ... U=32, V=34 ... Z=38."""
    values: dict[str, int] = {}
    value = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


_ISO6346_VALUE = {**{str(digit): digit for digit in range(10)}, **_iso6346_letter_values()}
_CONTAINER_PATTERN = re.compile(r"[A-Z]{3}[UJZ][0-9]{6}")


def iso6346_check_digit(owner_category_serial: str) -> int:
    """The ISO 6346 check digit of owner code + category + serial, e.g. 'CSQU305438' -> 3.

    Raises ValueError unless the input is 3 capital letters, U/J/Z and 6 digits.
    """
    if not _CONTAINER_PATTERN.fullmatch(owner_category_serial):
        raise ValueError(f"not an ISO 6346 owner code, category and serial: {owner_category_serial!r}")
    total = sum(_ISO6346_VALUE[char] * 2**position for position, char in enumerate(owner_category_serial))
    return total % 11 % 10


def container_number_problem(s: str) -> str | None:
    """None for a valid container number like 'CSQU3054383', else what is wrong, in English."""
    if (
        not isinstance(s, str)
        or len(s) != 11
        or not _CONTAINER_PATTERN.fullmatch(s[:10])
        or not s[10].isdigit()
    ):
        return (
            f"'{s}' is not a container number: it must be 3 capital letters (owner code), "
            "U, J or Z (category), 6 digits (serial) and a check digit"
        )
    expected = iso6346_check_digit(s[:10])
    if int(s[10]) != expected:
        return f"the container number '{s}' fails the ISO 6346 check: its check digit should be {expected}"
    return None


def make_container_number(prefix_serial: str) -> str:
    """A complete container number: owner code, category and serial followed by the check digit."""
    return f"{prefix_serial}{iso6346_check_digit(prefix_serial)}"


# --- HS codes, countries, UN/LOCODE ------------------------------------------------------------

_HS_PATTERN = re.compile(r"[0-9]{6,10}")


def is_hs_code(s: str) -> bool:
    """True for 6 to 10 ASCII digits (HS subheading, or a national tariff line)."""
    return isinstance(s, str) and _HS_PATTERN.fullmatch(s) is not None


# The 249 officially assigned ISO 3166-1 alpha-2 codes (as listed in tzdata's iso3166.tab, 2023).
ISO3166_ALPHA2: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()
)

_LOCODE_PATTERN = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
_LOCODE_EXTRA_COUNTRIES = frozenset({"XZ"})  # UN/LOCODE's code for installations in international waters


def is_unlocode(s: str) -> bool:
    """True for a 5-character UN/LOCODE such as 'CNTAO': an ISO 3166 country + 3 of [A-Z2-9]."""
    return (
        isinstance(s, str)
        and _LOCODE_PATTERN.fullmatch(s) is not None
        and (s[:2] in ISO3166_ALPHA2 or s[:2] in _LOCODE_EXTRA_COUNTRIES)
    )
