"""Check-character rules of orchestration.codes on known codes."""

from __future__ import annotations

import pytest

from orchestration.codes import (
    ISO3166_ALPHA2,
    container_number_problem,
    is_hs_code,
    is_unlocode,
    iso6346_check_digit,
    make_container_number,
    make_uscc,
    uscc_area_code,
    uscc_check_character,
    uscc_problem,
)

# 91370200163562681G is Haier Group Corporation's published USCC (Qingdao, area 370200); it is the
# standard "valid" example of many open-source USCC validators. The others are real-format codes with
# letters in the organisation part (positions 9-17), e.g. 'MA62K0260', which python-stdnum refuses.
KNOWN_VALID = ["91370200163562681G", "91512081MA62K0260E", "91330106MA2B27HM90", "31430000MD0217741Q"]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_valid_usccs(code: str) -> None:
    assert uscc_problem(code) is None
    assert uscc_check_character(code[:17]) == code[17]


def test_check_character_by_hand() -> None:
    # 9 1 3 7 0 2 0 0 1 6 3 5 6 2 6 8 1 with the GB 32100 weights 1 3 9 27 19 26 16 17 20 29 25 13 8
    # 24 10 30 28 sums to 1038; 1038 % 31 = 15; 31 - 15 = 16, and index 16 of 0-9A-HJ-NP-RTUWXY is 'G'.
    assert uscc_check_character("91370200163562681") == "G"


def test_make_uscc_round_trip() -> None:
    for first17 in ("91370211MA3C00001", "Y1370200000000000", "12370000A0000000W", "00000000000000000"):
        code = make_uscc(first17)
        assert len(code) == 18
        assert uscc_problem(code) is None
    assert make_uscc("00000000000000000") == "000000000000000000"  # sum 0 -> check (31 - 0) % 31 = 0


def test_wrong_check_character() -> None:
    problem = uscc_problem("91370200163562681H")
    assert problem is not None and problem.code == "USCC_CHECK_CHARACTER"
    assert problem.details == {"value": "91370200163562681H", "expected": "G"}
    assert "'G'" in problem.message_en and "“G”" in problem.message_zh


@pytest.mark.parametrize(
    "code",
    [
        "",
        "91370200163562681",  # 17 characters
        "91370200163562681GG",  # 19 characters
        "91370200163562681g",  # lower case is not accepted
        "91370200I63562681G",  # I is not in the alphabet
        "9137020016356268OG",  # O is not in the alphabet
        "9137V2O0163562681G",  # letters in the area code
        " 91370200163562681G",  # surrounding space
        "９１３７０２００１６３５６２６８１Ｇ",  # full-width digits
    ],
)
def test_format_problems(code: str) -> None:
    problem = uscc_problem(code)
    assert problem is not None and problem.code == "USCC_FORMAT"
    assert problem.details["value"] == code


def test_area_code_and_bad_input() -> None:
    assert uscc_area_code("91370211MA3C000013") == "370211"
    with pytest.raises(ValueError):
        uscc_check_character("9137020016356268")
    with pytest.raises(ValueError):
        uscc_check_character("9137020016356268I")


def test_iso6346_known_container() -> None:
    assert iso6346_check_digit("CSQU305438") == 3
    assert container_number_problem("CSQU3054383") is None
    assert make_container_number("CSQU305438") == "CSQU3054383"


def test_iso6346_letter_values_skip_multiples_of_11() -> None:
    # A=10 B=12 K=21 L=23 U=32 V=34: only the first position counts (weight 1) when the rest is 0.
    for letter, value in {"A": 10, "B": 12, "K": 21, "L": 23, "U": 32, "V": 34, "Z": 38}.items():
        assert iso6346_check_digit(f"{letter}AAU000000") == (value + 10 * 2 + 10 * 4 + 32 * 8) % 11 % 10


def test_container_number_problems() -> None:
    wrong_digit = container_number_problem("CSQU3054384")
    assert wrong_digit is not None and "should be 3" in wrong_digit
    for bad in ("CSQU305438", "csqu3054383", "CSQX3054383", "CSQU30543A3", "CSQU30543833", ""):
        assert container_number_problem(bad) is not None
    with pytest.raises(ValueError):
        iso6346_check_digit("CSQX305438")
    # Every serial gets a check digit that validates.
    for serial in ("000000", "123456", "999999"):
        assert container_number_problem(make_container_number(f"MSCU{serial}")) is None


def test_hs_codes() -> None:
    assert is_hs_code("720839") and is_hs_code("7208390000") and is_hs_code("01012100")
    for bad in ("72083", "72083900001", "7208.39", "72083a", "", "７２０８３９"):
        assert not is_hs_code(bad)


def test_iso3166() -> None:
    assert len(ISO3166_ALPHA2) == 249
    assert {"CN", "DE", "US", "SS", "XK"} - ISO3166_ALPHA2 == {"XK"}  # Kosovo is user-assigned, not official
    assert "UK" not in ISO3166_ALPHA2 and "EU" not in ISO3166_ALPHA2


def test_unlocode() -> None:
    assert is_unlocode("CNTAO") and is_unlocode("DEHAM") and is_unlocode("USNYC") and is_unlocode("CNSH2")
    for bad in ("CN TAO", "cntao", "CNTA0", "CNTA1", "QQTAO", "CNTAOO", ""):
        assert not is_unlocode(bad)
