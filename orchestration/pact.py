"""PACT ProductFootprint JSON: reading company submissions and writing the release's `pact/` exports.

PACT is the WBCSD Partnership for Carbon Transparency data model for exchanging product carbon
footprints. Two versions are handled: the 2.x data model (specVersion `2.x.y`, schema of spec 2.3)
and the 3.x data model (specVersion `3.x.y`, schema of spec 3.0).

Import (SPEC §3.2): `read_pact_file` / `parse_pact` accept a single ProductFootprint, a list of them,
or a list response `{"data": [...]}`, and turn each footprint into one flat record with the keys of
`RECORD_KEYS`, in the pilot's own vocabulary (units of the unit catalogue, YYYY-MM-DD dates, values
per ONE declared unit). A payload that cannot be read is refused whole with `FileRejected`.

Export (SPEC §6): `to_pact_v2` / `to_pact_v3` turn published `product_footprints` rows into a list
response, deterministically (no wall clock: `created` comes from the caller). Each returns
`(payload, skipped)`: `skipped` maps the `product_footprint_id` of every row PACT cannot express to
the reason, in input order (`list(skipped)` is the list of skipped ids).

Conventions (both directions):

- company: `urn:uscc:<USCC>` in `companyIds`;
- product: `urn:pcf-sd:product:<USCC>:<product_code>` in `productIds` (product code percent-encoded
  where RFC 8141 needs it);
- category: `urn:pcf-sd:category:<category_code>`, HS code `urn:pact:productclassification:hs:<code>`
  and UN CPC `urn:pact:productclassification:un-cpc:<code>` (the `urn:pact:productclassification:`
  form of the spec's own examples) in `productClassifications`;
- reporting periods: our inclusive YYYY-MM-DD dates become midnight Asia/Shanghai (`+08:00`); the
  end is written as the day after the last day, because PACT's `referencePeriodEnd` is exclusive;
- numbers: decimal strings without exponent, at most 12 significant digits (`decimal_string`);
- geography: `geographyCountrySubdivision` from the USCC's GB/T 2260 province code (`37` → `CN-SD`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.inputs import BOUNDARY_STAGES, LIFECYCLE_STAGES
from orchestration.processes import cores, spawned_pool
from orchestration.problems import FileRejected

MAX_PACT_BYTES = 50 * 1024 * 1024
SPEC_VERSION_V2 = "2.3.0"
SPEC_VERSION_V3 = "3.0.0"
SIGNIFICANT_DIGITS = 12

USCC_URN_PREFIX = "urn:uscc:"
PRODUCT_URN_PREFIX = "urn:pcf-sd:product:"
CATEGORY_URN_PREFIX = "urn:pcf-sd:category:"
HS_URN_PREFIX = "urn:pact:productclassification:hs:"
CPC_URN_PREFIX = "urn:pact:productclassification:un-cpc:"

# Times of day in PACT date-times: the pilot's periods are days in Asia/Shanghai.
PILOT_UTC_OFFSET = "+08:00"

# GB/T 2260 province-level codes (USCC characters 3-4) → ISO 3166-2:CN subdivision codes.
PROVINCE_ISO_3166_2: dict[str, str] = {
    "11": "CN-BJ", "12": "CN-TJ", "13": "CN-HE", "14": "CN-SX", "15": "CN-NM",
    "21": "CN-LN", "22": "CN-JL", "23": "CN-HL",
    "31": "CN-SH", "32": "CN-JS", "33": "CN-ZJ", "34": "CN-AH", "35": "CN-FJ", "36": "CN-JX", "37": "CN-SD",
    "41": "CN-HA", "42": "CN-HB", "43": "CN-HN", "44": "CN-GD", "45": "CN-GX", "46": "CN-HI",
    "50": "CN-CQ", "51": "CN-SC", "52": "CN-GZ", "53": "CN-YN", "54": "CN-XZ",
    "61": "CN-SN", "62": "CN-GS", "63": "CN-QH", "64": "CN-NX", "65": "CN-XJ",
    "71": "CN-TW", "81": "CN-HK", "82": "CN-MO",
}  # fmt: skip

# PACT declared units (2.x `declaredUnit`, 3.x `declaredUnitOfMeasurement`) → unit catalogue.
PACT_UNIT_TO_CATALOGUE: dict[str, str] = {
    "liter": "L",
    "kilogram": "kg",
    "cubic meter": "m3",
    "kilowatt hour": "kWh",
    "megajoule": "MJ",
    "ton kilometer": "tkm",
    "square meter": "m2",
    "piece": "piece",  # 3.x only
}

# Unit catalogue → (PACT unit, how many PACT units one of ours is), for units both versions know.
CATALOGUE_TO_PACT: dict[str, tuple[str, float]] = {
    "g": ("kilogram", 0.001),
    "kg": ("kilogram", 1.0),
    "t": ("kilogram", 1000.0),
    "Wh": ("kilowatt hour", 0.001),
    "kWh": ("kilowatt hour", 1.0),
    "MWh": ("kilowatt hour", 1000.0),
    "MJ": ("megajoule", 1.0),
    "GJ": ("megajoule", 1000.0),
    "tce": ("megajoule", 29307.6),
    "L": ("liter", 1.0),
    "m3": ("cubic meter", 1.0),
    "m2": ("square meter", 1.0),
    "tkm": ("ton kilometer", 1.0),
}
# Units only 3.x can express.
CATALOGUE_TO_PACT_V3_ONLY: dict[str, tuple[str, float]] = {"piece": ("piece", 1.0)}
# PACT units whose product mass is "not relevant" (PACT: productMassPerDeclaredUnit = 0).
MASSLESS_PACT_UNITS = frozenset({"kilowatt hour", "megajoule", "ton kilometer"})

STAGE_LABELS = {
    "raw_materials": "raw material acquisition",
    "production": "production",
    "distribution": "distribution",
    "use": "use",
    "end_of_life": "end of life",
}

# The normalized record of one imported footprint: always these keys, None when unknown.
RECORD_KEYS: tuple[str, ...] = (
    "pact_id",
    "spec_version",
    "status",
    "company_uscc",
    "company_name",
    "product_code",
    "product_name",
    "product_description",
    "product_category",
    "hs_code",
    "cpc_code",
    "declared_unit",
    "declared_unit_amount",
    "product_mass_kg",
    "reporting_period_start",
    "reporting_period_end",
    "geography",
    "system_boundary",
    "boundary_description",
    "pcf_excl_biogenic_kgco2e_per_unit",
    "pcf_incl_biogenic_kgco2e_per_unit",
    "fossil_ghg_kgco2e_per_unit",
    "primary_data_share_pct",
    "dqr",
    "dqr_pact_v2",
    "gwp_set",
    "is_verified",
    "verifier_name",
    "verification_date",
)


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


def read_pact_file(path: Path, max_bytes: int = MAX_PACT_BYTES) -> list[dict[str, Any]]:
    """Read one PACT JSON submission file into normalized records (see `parse_pact`).

    Raises `FileRejected` with FILE_TOO_LARGE, FILE_EMPTY, FILE_BROKEN_JSON (not UTF-8, not JSON,
    with the parser's line and column) or FILE_NOT_PACT.
    """
    size = path.stat().st_size
    if size > max_bytes:
        raise FileRejected("FILE_TOO_LARGE", size_mb=_megabytes(size), limit_mb=_megabytes(max_bytes))
    raw = path.read_bytes()[: max_bytes + 1]
    if len(raw) > max_bytes:
        raise FileRejected("FILE_TOO_LARGE", size_mb=_megabytes(len(raw)), limit_mb=_megabytes(max_bytes))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        value = f"the file is not UTF-8 text (byte {error.start})"
        raise FileRejected("FILE_BROKEN_JSON", value=value) from None
    if not text.strip():
        raise FileRejected("FILE_EMPTY")
    return parse_pact(load_json(text))


def load_json(text: str) -> Any:
    """Parse JSON text strictly (no NaN or Infinity); errors become FILE_BROKEN_JSON."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise FileRejected("FILE_BROKEN_JSON", value=str(error)) from None
    except ValueError as error:
        raise FileRejected("FILE_BROKEN_JSON", value=str(error)) from None
    except RecursionError:
        raise FileRejected("FILE_BROKEN_JSON", value="the JSON is nested too deeply") from None


def parse_pact(obj: Any) -> list[dict[str, Any]]:
    """Normalize a parsed PACT payload: one ProductFootprint, a list, or a list response.

    Returns one record per footprint with exactly the keys of `RECORD_KEYS`. Footprint values are
    per ONE declared unit: 3.x values are divided by `declaredUnitAmount`; 2.x values are already
    per declared unit (2.x: "calculated per declared unit"; `unitaryProductAmount` only says how
    many declared units one product holds, so it is kept as `declared_unit_amount` and not divided).
    Raises `FileRejected(FILE_NOT_PACT, value=...)` naming the first problem found.
    """
    items, single = _footprint_items(obj)
    if not items:
        raise FileRejected("FILE_NOT_PACT", value="it contains no footprint (the list is empty)")
    return [_parse_footprint(item, "the footprint" if single else f"item {number}")
            for number, item in enumerate(items, start=1)]


def _footprint_items(obj: Any) -> tuple[list[Any], bool]:
    """The footprints of a payload and whether it was a single footprint."""
    if isinstance(obj, list):
        return obj, False
    if isinstance(obj, dict):
        if "pcf" in obj:
            return [obj], True
        if "data" in obj:
            if not isinstance(obj["data"], list):
                raise FileRejected("FILE_NOT_PACT", value="'data' is not a list of footprints")
            return obj["data"], False
        raise _not_pact("the object has neither 'pcf' (a footprint) nor 'data' (a list response)")
    raise FileRejected("FILE_NOT_PACT", value=f"the JSON is {_json_type(obj)}, not an object or a list")


def _parse_footprint(item: Any, where: str) -> dict[str, Any]:
    """One ProductFootprint → one normalized record."""
    if not isinstance(item, dict):
        raise _not_pact(f"{where} is {_json_type(item)}, not an object")
    major, spec_version = _spec_version(item, where)
    pcf = item.get("pcf")
    if pcf is None:
        raise _not_pact(f"{where} has no 'pcf'")
    if not isinstance(pcf, dict):
        raise _not_pact(f"{where}: 'pcf' is {_json_type(pcf)}, not an object")
    pact_id = _text(item.get("id"))
    if pact_id is None:
        raise _not_pact(f"{where} has no 'id'")
    v3 = major >= 3

    unit_names = ("declaredUnitOfMeasurement", "declaredUnit")
    unit_names = unit_names if v3 else unit_names[::-1]
    _, pact_unit = _first(pcf, unit_names)
    if not isinstance(pact_unit, str) or not pact_unit.strip():
        raise _not_pact(f"{where} has no 'pcf.{unit_names[0]}'")
    amount_names = ("declaredUnitAmount", "unitaryProductAmount")
    amount_names = amount_names if v3 else amount_names[::-1]
    amount = _pcf_number(pcf, amount_names, where)
    if amount is not None and amount <= 0:
        raise _not_pact(f"{where}: 'pcf.{amount_names[0]}' must be greater than 0")
    divisor = amount if (v3 and amount is not None) else 1.0

    excl_names = (("pcfExcludingBiogenicUptake", "pcfExcludingBiogenic", "pCfExcludingBiogenic") if v3
                  else ("pCfExcludingBiogenic", "pcfExcludingBiogenic", "pcfExcludingBiogenicUptake"))
    incl_names = (("pcfIncludingBiogenicUptake", "pcfIncludingBiogenic", "pCfIncludingBiogenic") if v3
                  else ("pCfIncludingBiogenic", "pcfIncludingBiogenic", "pcfIncludingBiogenicUptake"))
    excl = _pcf_number(pcf, excl_names, where)
    if excl is None:
        raise _not_pact(f"{where} has no 'pcf.{excl_names[0]}'")
    incl = _pcf_number(pcf, incl_names, where)
    fossil = _pcf_number(pcf, ("fossilGhgEmissions",), where)
    mass = _pcf_number(pcf, ("productMassPerDeclaredUnit",), where)

    start = _period_day(pcf.get("referencePeriodStart"), where, "referencePeriodStart", is_end=False)
    end = _period_day(pcf.get("referencePeriodEnd"), where, "referencePeriodEnd", is_end=True)
    company_ids = _string_list(item.get("companyIds"))
    product_ids = _string_list(item.get("productIds"))
    classifications = _string_list(item.get("productClassifications"))
    product_uscc, product_code = _product_from_ids(product_ids)
    boundary_description = _text(pcf.get("boundaryProcessesDescription"))
    dqr_values = _dqr_values(pcf.get("dqi"), v3, where)
    verified, verifier, verified_on = _verification(pcf, v3)

    record: dict[str, Any] = dict.fromkeys(RECORD_KEYS)
    record.update(
        pact_id=pact_id,
        spec_version=spec_version,
        status=_text(item.get("status")),
        company_uscc=_uscc_from_ids(company_ids) or product_uscc,
        company_name=_text(item.get("companyName")),
        product_code=product_code,
        product_name=_text(item.get("productNameCompany")),
        product_description=_text(item.get("productDescription")),
        product_category=_classification(classifications, _CATEGORY_URN),
        hs_code=_classification(classifications, _HS_URN),
        cpc_code=_classification(classifications, _CPC_URN) or _text(item.get("productCategoryCpc")),
        declared_unit=PACT_UNIT_TO_CATALOGUE.get(pact_unit.strip().lower(), pact_unit.strip()),
        declared_unit_amount=amount,
        product_mass_kg=(mass / divisor) if mass else None,
        reporting_period_start=start.isoformat(),
        reporting_period_end=end.isoformat(),
        geography=_geography(pcf),
        system_boundary=_system_boundary(boundary_description),
        boundary_description=boundary_description,
        pcf_excl_biogenic_kgco2e_per_unit=excl / divisor,
        pcf_incl_biogenic_kgco2e_per_unit=None if incl is None else incl / divisor,
        fossil_ghg_kgco2e_per_unit=None if fossil is None else fossil / divisor,
        primary_data_share_pct=_pcf_number(pcf, ("primaryDataShare",), where),
        dqr=_mean(dqr_values) if v3 else None,
        dqr_pact_v2=None if v3 else _mean(dqr_values),
        gwp_set=_gwp_set(pcf),
        is_verified=verified,
        verifier_name=verifier,
        verification_date=verified_on,
    )
    return record


def _spec_version(item: dict[str, Any], where: str) -> tuple[int, str]:
    """The major version (2 or 3) and the specVersion string; other versions are refused."""
    spec_version = item.get("specVersion")
    if not isinstance(spec_version, str):
        raise _not_pact(f"{where} has no 'specVersion'")
    match = re.match(r"^(\d+)\.\d+\.\d+(-\d{8})?$", spec_version.strip())
    if not match:
        raise _not_pact(f"{where} has specVersion '{spec_version}', which is not major.minor.patch")
    major = int(match.group(1))
    if major not in (2, 3):
        raise _not_pact(f"{where} has specVersion '{spec_version}'; only PACT 2.x and 3.x are read")
    return major, spec_version.strip()


_DECIMAL_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _number(value: Any, where: str, name: str) -> float | None:
    """A PACT number: a decimal string (exponents tolerated, as the spec's prose allows) or a JSON number."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _not_pact(f"{where}: '{name}' is a boolean, not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and _DECIMAL_TEXT.match(value.strip()):
        number = float(value.strip())
    else:
        raise _not_pact(f"{where}: '{name}' is {value!r}, not a decimal number")
    if not math.isfinite(number):
        raise _not_pact(f"{where}: '{name}' is not a finite number")
    return number


def _pcf_number(pcf: dict[str, Any], names: tuple[str, ...], where: str) -> float | None:
    """The first of `names` present in `pcf`, as a number."""
    key, value = _first(pcf, names)
    return _number(value, where, f"pcf.{key}")


def _first(container: dict[str, Any], names: tuple[str, ...]) -> tuple[str, Any]:
    """The first of `names` defined (present and not null) in `container`, with its value."""
    for name in names:
        if container.get(name) is not None:
            return name, container[name]
    return names[0], None


def _period_day(value: Any, where: str, name: str, is_end: bool) -> date:
    """A reference period bound as the pilot's inclusive day.

    PACT's `referencePeriodEnd` is exclusive: an end at midnight means the period's last day is the
    day before. A bare date (not a PACT date-time) is taken as the day itself.
    """
    if not isinstance(value, str) or not value.strip():
        raise _not_pact(f"{where} has no 'pcf.{name}'")
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _not_pact(f"{where}: 'pcf.{name}' is '{value}', not an ISO 8601 date-time") from None
    day = moment.date()
    if is_end and moment.time() == datetime.min.time():
        day -= timedelta(days=1)
    return day


def _text(value: Any) -> str | None:
    """A non-empty string or None."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _string_list(value: Any) -> list[str]:
    """The strings of a JSON array (anything else: empty)."""
    if not isinstance(value, list):
        return []
    return [entry.strip() for entry in value if isinstance(entry, str) and entry.strip()]


_USCC_URN = re.compile(r"^urn:uscc:([0-9A-Za-z]+)$", re.IGNORECASE)
_PRODUCT_URN = re.compile(r"^urn:pcf-sd:product:([0-9A-Za-z]+):(.+)$", re.IGNORECASE)
_CATEGORY_URN = re.compile(r"^urn:pcf-sd:category:(.+)$", re.IGNORECASE)
_HS_URN = re.compile(r"^urn:pact:[^:]+:(?:hs|hs-code|hscode|hs6):(\d{4,10})$", re.IGNORECASE)
_CPC_URN = re.compile(r"^(?:urn:pact:[^:]+:(?:un-cpc|cpc)|urn:cpc):(\d{1,6})$", re.IGNORECASE)


def _uscc_from_ids(company_ids: list[str]) -> str | None:
    """The USCC of the first `urn:uscc:` company id."""
    for company_id in company_ids:
        match = _USCC_URN.match(company_id)
        if match:
            return match.group(1).upper()
    return None


def _product_from_ids(product_ids: list[str]) -> tuple[str | None, str | None]:
    """(USCC, product code) from our product URN; else (None, first product id as given)."""
    for product_id in product_ids:
        match = _PRODUCT_URN.match(product_id)
        if match:
            return match.group(1).upper(), unquote(match.group(2))
    return None, (product_ids[0] if product_ids else None)


def _classification(classifications: list[str], pattern: re.Pattern[str]) -> str | None:
    """The code of the first classification URN matching `pattern`."""
    for urn in classifications:
        match = pattern.match(urn)
        if match:
            return unquote(match.group(1))
    return None


def _geography(pcf: dict[str, Any]) -> str | None:
    """The most specific geography given: subdivision, country or UN region."""
    for name in ("geographyCountrySubdivision", "geographyCountry", "geographyRegionOrSubregion"):
        value = _text(pcf.get(name))
        if value:
            return value
    return None


def _system_boundary(description: str | None) -> str | None:
    """`cradle_to_gate` / `cradle_to_grave` when the boundary description names one."""
    if not description:
        return None
    match = re.search(r"cradle[\s_-]*to[\s_-]*(gate|grave)", description, re.IGNORECASE)
    return f"cradle_to_{match.group(1).lower()}" if match else None


def _dqr_values(dqi: Any, v3: bool, where: str) -> list[float]:
    """The DQR values present in `dqi` (3.x: scale 1-5; 2.x: scale 1-3)."""
    if not isinstance(dqi, dict):
        return []
    names = (("technologicalDQR", "geographicalDQR", "temporalDQR") if v3
             else ("technologicalDQR", "temporalDQR", "geographicalDQR", "completenessDQR", "reliabilityDQR"))
    values = [_number(dqi.get(name), where, f"pcf.dqi.{name}") for name in names]
    return [value for value in values if value is not None]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _gwp_set(pcf: dict[str, Any]) -> str | None:
    """'AR6', 'AR5', or several joined by ',' (e.g. 'AR5,AR6') when the footprint mixes them."""
    sets = _string_list(pcf.get("ipccCharacterizationFactors"))
    sets = sets or _string_list(pcf.get("ipccCharacterizationFactorsSources"))
    if not sets and _text(pcf.get("characterizationFactors")):
        sets = [pcf["characterizationFactors"].strip()]
    unique = sorted({entry.upper() for entry in sets}, key=lambda entry: (len(entry), entry))
    return ",".join(unique) or None


def _verification(pcf: dict[str, Any], v3: bool) -> tuple[bool | None, str | None, str | None]:
    """(verified?, provider, completion day) from 3.x `verification` or 2.x `assurance`."""
    block = pcf.get("verification") if v3 else pcf.get("assurance")
    if not isinstance(block, dict):
        return (False if v3 else None), None, None
    verified = True if v3 else block.get("assurance") is True
    return verified, _text(block.get("providerName")), _iso_day(block.get("completedAt"))


def _iso_day(value: Any) -> str | None:
    """The YYYY-MM-DD day of an ISO 8601 date or date-time as written; None if unreadable."""
    text = _text(value)
    if text is None:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text).date()
        return day.isoformat()
    except ValueError:
        return None


def _not_pact(what: str) -> FileRejected:
    return FileRejected("FILE_NOT_PACT", value=what)


def _reject_constant(name: str) -> float:
    raise ValueError(f"'{name}' is not a JSON number")


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _megabytes(size: int) -> str:
    """A size in MB for messages: whole numbers bare, otherwise one decimal."""
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


class Unexportable(Exception):
    """A published row that PACT cannot express; the message says why."""


@dataclass(frozen=True)
class PactUnit:
    """How one of our declared units is written in PACT.

    `amount` is how many `unit`s one of our declared units is (PACT 3.x writes it as
    `declaredUnitAmount`; PACT 2.x values are divided by it). `mass_kg` is the mass of one of our
    declared units in kg: 0 when mass is not relevant (energy, transport), None when unknown.
    """

    unit: str
    amount: float
    mass_kg: float | None
    note: str | None = None


def to_pact_v2(rows: Iterable[Mapping[str, Any]], created: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A PACT 2.x list response for published product rows, and the rows left out.

    Returns `(payload, skipped)`: `payload` is `{"data": [ProductFootprint, ...]}` conforming to the
    spec 2.3 schema, sorted by company, product and period; `skipped` maps each left-out
    `product_footprint_id` to the reason. 2.x needs `cpc_code` (UN CPC, required
    `productCategoryCpc`) on each row: rows without one are skipped.
    """
    return _export(rows, created, _footprint_v2)


def to_pact_v3(rows: Iterable[Mapping[str, Any]], created: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A PACT 3.x list response for published product rows, and the rows left out.

    Returns `(payload, skipped)` as `to_pact_v2` does, conforming to the spec 3.0 schema.
    """
    return _export(rows, created, _footprint_v3)


EXPORTS = {"v2": to_pact_v2, "v3": to_pact_v3}
# From this many footprints left to build, the second export is built in a process of its own,
# beside the first (10M lines, 107,000 footprints: 9 s and 14 s one after the other). Below it,
# starting a process costs more than it saves.
PARALLEL_EXPORT_ROWS = 10_000
# The share of the v3 footprints to build that the second process builds: this one reads the rows,
# builds v2 (three quarters of v3's cost a footprint) and the rest of v3, so that both finish
# about together (10M lines, 107,000 footprints: 15.0 s → 13.4 s against all of v3 there).
SECOND_PROCESS_V3_SHARE = 0.8

KEPT_CREATED = "kept"
_HEAD, _TAIL = b'{\n  "data": [\n', b"\n  ]\n}"
_CREATED = b'\n      "created": '  # a footprint's own key: its nested objects' keys are indented further


class Kept(Mapping[str, tuple[bytes | None, str | None]]):
    """What an export of one version built for each row, by row digest (`row_digests`): the
    footprint as it stands in the file (`_fragment`, with `KEPT_CREATED` for its night's
    `created`), or why the row was left out. The next night takes a row whose values are all
    unchanged from here instead of building it again (`export_files_reusing`).

    Held in Arrow, never one Python object a footprint (a large night keeps a hundred thousand,
    hundreds of MB): a digest per entry, and the footprints and reasons in a pool of chunks that
    entry i finds at `rows[i]` (at i without `rows`). Tonight's entries are last night's pool with
    tonight's new footprints added as one more chunk: nothing kept is copied until it is written.
    Read as a mapping it is digest → (footprint, reason).
    """

    def __init__(self, digests: Any, footprints: Any, reasons: Any, rows: Any = None) -> None:
        self.digests = _plain(digests, pa.string())
        self.footprints = _chunked(footprints, pa.large_binary())
        self.reasons = _chunked(reasons, pa.string())
        self.rows = None if rows is None else _plain(rows, pa.int64())
        self._index: dict[str, int] | None = None

    @classmethod
    def of(cls, entries: Mapping[str, tuple[bytes | None, str | None]]) -> Kept:
        if isinstance(entries, Kept):
            return entries
        digests = list(entries)
        return cls(digests, [entries[d][0] for d in digests], [entries[d][1] for d in digests])

    def pooled(self, digests: Any) -> list[int | None]:
        """Where in the pool each of `digests` has its footprint (None where it has none here)."""
        if not len(self.digests):
            return [None] * len(digests)
        found = pc.index_in(digests, value_set=self.digests)
        return (found if self.rows is None else self.rows.take(found)).to_pylist()

    def pool_rows(self) -> list[int]:
        """Where in the pool each entry has its footprint and reason."""
        return list(range(len(self.digests))) if self.rows is None else self.rows.to_pylist()

    def parts(self) -> Iterator[tuple[pa.Array, pa.Array, pa.Array]]:
        """The entries, a pool chunk at a time, as (digests, footprints, reasons): a chunk whose
        footprints are all used, in order, as it is; of another, the ones used, copied."""
        rows = self.pool_rows()
        entries = sorted(range(len(rows)), key=rows.__getitem__)
        start, position = 0, 0
        for footprints, reasons in zip(self.footprints.chunks, self.reasons.chunks, strict=True):
            used = []
            while position < len(entries) and rows[entries[position]] < start + len(footprints):
                used.append(entries[position])
                position += 1
            local = [rows[entry] - start for entry in used]
            start += len(footprints)
            if not used:
                continue
            digests = self.digests.take(pa.array(used, pa.int64()))
            if local != list(range(len(footprints))):
                footprints, reasons = footprints.take(pa.array(local, pa.int64())), reasons.take(pa.array(local, pa.int64()))
            yield digests, footprints, reasons

    def __getitem__(self, digest: str) -> tuple[bytes | None, str | None]:
        if self._index is None:
            self._index = {value: index for index, value in enumerate(self.digests.to_pylist())}
        index = self._index[digest]
        row = index if self.rows is None else self.rows[index].as_py()
        return self.footprints[row].as_py(), self.reasons[row].as_py()

    def __iter__(self) -> Iterator[str]:
        return iter(self.digests.to_pylist())

    def __len__(self) -> int:
        return len(self.digests)


# What the exports built for each row, by version.
Built = dict[str, Kept]


def _plain(values: Any, kind: pa.DataType) -> pa.Array:
    """`values` (a list, an Arrow array or chunked array) as one Arrow array of type `kind`."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], kind)
    if not isinstance(values, pa.Array):
        values = pa.array(values, kind)
    return values.cast(kind) if values.type != kind else values


def _chunked(values: Any, kind: pa.DataType) -> pa.ChunkedArray:
    """`values` (a list, an Arrow array or chunked array) as a chunked array of type `kind`, its
    chunks as they are (an Arrow cast of a chunk of another type copies only that chunk)."""
    if isinstance(values, pa.ChunkedArray):
        chunks = values.chunks
    elif isinstance(values, pa.Array):
        chunks = [values]
    else:
        chunks = [pa.array(values, kind)]
    return pa.chunked_array([chunk if chunk.type == kind else chunk.cast(kind) for chunk in chunks], kind)


def row_digests(table: pa.Table) -> list[str]:
    """A digest of each row's values (`_digest_array`), as text."""
    return _digest_array(table).to_pylist()


def _digest_array(table: pa.Table) -> pa.Array:
    """A digest of each row's values, in row order: the MD5 of the row as DuckDB writes it in JSON
    (column names, and every value exactly: doubles in their shortest round-trip form)."""
    if not table.num_rows:
        return pa.array([], pa.string())
    with duckdb.connect() as connection:
        connection.register("exported_rows", table)
        return _plain(
            connection.sql("select md5(to_json(exported_rows)) as digest from exported_rows").to_arrow_table().column(0),
            pa.string(),
        )


def exporter_digest(schema: Any) -> str:
    """What a footprint depends on besides its row's values: this module's code and the
    vocabularies it imports, orjson's and DuckDB's versions (DuckDB writes the rows the digests
    are taken of), and the table's columns and types. Footprints built under another digest are
    never reused."""
    from orchestration import inputs

    digest = hashlib.sha256()
    for module in (__file__, inputs.__file__):
        digest.update(Path(module).read_bytes())
    digest.update(orjson.__version__.encode())
    digest.update(duckdb.__version__.encode())
    digest.update(str(schema).encode())
    return digest.hexdigest()[:32]


def _fragment(footprint: dict[str, Any]) -> bytes:
    """A footprint's lines as `pact_json_bytes` writes them inside the file's `data` list."""
    return orjson.dumps({"data": [footprint]}, option=orjson.OPT_INDENT_2)[len(_HEAD):-len(_TAIL)]


def _kept(build: Callable[[Mapping[str, Any], str, str], dict[str, Any]], row: Mapping[str, Any], footprint_id: str) -> tuple[bytes | None, str | None]:
    """What is kept of a row: its footprint's lines with `KEPT_CREATED` as its `created` (the one
    place the builders put it), or why PACT cannot express the row."""
    try:
        return _fragment(build(row, footprint_id, KEPT_CREATED)), None
    except Unexportable as why:
        return None, str(why)


def _footprint_ids(table: pa.Table) -> list[str]:
    """Each row's `product_footprint_id` in canonical form; a repeated one is a programming error."""
    column = table.column("product_footprint_id").to_pylist() if "product_footprint_id" in table.column_names else [None] * table.num_rows
    ids = [_uuid(value) for value in column]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        repeated = next(footprint_id for footprint_id in ids if footprint_id in seen or seen.add(footprint_id))
        raise ValueError(f"product_footprint_id {repeated} appears more than once")
    return ids


def _export_order(table: pa.Table, ids: list[str]) -> list[int]:
    """The rows in the order of an export's `data` (`_export`): by company, product and period
    (each as text, missing as empty), then footprint id."""
    keys = {}
    for key in _EXPORT_ORDER:
        if key in table.column_names:
            keys[key] = pc.fill_null(pc.cast(table.column(key), pa.string()), "")
        else:
            keys[key] = pa.array([""] * table.num_rows, pa.string())
    keys["product_footprint_id"] = pa.array(ids, pa.string())
    return pc.sort_indices(pa.table(keys), sort_keys=[(key, "ascending") for key in keys]).to_pylist()


def _file_bytes(footprints: pa.ChunkedArray, order: list[int], created: str) -> bytes:
    """The export file of the footprints at `order` in the pool `footprints` (their lines as kept),
    tonight's `created` in place of each one's `KEPT_CREATED`: the file's bytes copied once, from
    views of the Arrow buffers (at 100,000 footprints a file is 300 MB, and every copy of it costs)."""
    if not order:
        return pact_json_bytes({"data": []})
    marker, tonight = _CREATED + orjson.dumps(KEPT_CREATED), _CREATED + orjson.dumps(created)
    chunks, starts = [], []  # each chunk: its offsets, bytes and marker positions; the pool index it starts at
    first = 0
    for chunk in footprints.chunks:
        _, offsets, data = chunk.buffers()
        if data is None:  # only nulls: nothing of it is written
            data = pa.py_buffer(b"")
        chunks.append((memoryview(offsets).cast("q")[chunk.offset:], memoryview(data), pc.find_substring(chunk, pattern=marker).to_pylist()))
        starts.append(first)
        first += len(chunk)
    pieces = [_HEAD]
    for index in order:
        number = bisect_right(starts, index) - 1
        offsets, data, found = chunks[number]
        local = index - starts[number]
        start, end, at = offsets[local], offsets[local + 1], found[local]
        if at is None or at < 0:
            pieces += (data[start:end], b",\n")
        else:
            pieces += (data[start:start + at], tonight, data[start + at + len(marker):end], b",\n")
    pieces[-1] = _TAIL + b"\n"
    return b"".join(pieces)


def export_files(table: Any, created: str) -> dict[str, tuple[bytes, dict[str, str]]]:
    """Every export of the published footprints (an Arrow table), by version: the same bytes
    however they are built. Most of a large table's v3 footprints are built in a second process
    while this one builds v2; if that process dies, they are built here instead."""
    return export_files_reusing(table, created)[0]


def export_files_reusing(
    table: Any, created: str, earlier: Mapping[str, Mapping[str, tuple[bytes | None, str | None]]] | None = None,
) -> tuple[dict[str, tuple[bytes, dict[str, str]]], Built]:
    """`export_files`, taking from `earlier` (what an earlier night built, by version: `Kept`, or
    any mapping of digest → (footprint, reason)) every row whose values are unchanged; returns
    the files and what was built or taken for tonight's rows (`Built`). The same bytes as
    `pact_json_bytes` of `to_pact_v2`/`to_pact_v3`.

    Only the rows `earlier` lacks are read into Python and built. With many v3 rows to build, a
    second process builds most of them (`SECOND_PROCESS_V3_SHARE`) while this one builds v2 and
    the rest of v3."""
    _check_created(created)
    if not isinstance(table, pa.Table):
        table = pa.Table.from_pylist(list(table))
    digests = _digest_array(table)
    ids = _footprint_ids(table)
    order = _export_order(table, ids)
    kept = {version: Kept.of((earlier or {}).get(version) or {}) for version in EXPORTS}
    pooled = {version: kept[version].pooled(digests) for version in EXPORTS}
    to_build = {version: [index for index, found in enumerate(pooled[version]) if found is None] for version in EXPORTS}
    fresh = _build_missing(table, ids, to_build)
    files: dict[str, tuple[bytes, dict[str, str]]] = {}
    built: Built = {}
    for version in EXPORTS:
        tonight = _tonight(kept.pop(version), pooled[version], fresh.pop(version), digests)
        rows = tonight.pool_rows()
        reasons = tonight.reasons.take(pa.array(rows, pa.int64())).to_pylist()
        skipped = {ids[index]: reason for index, reason in enumerate(reasons) if reason is not None}
        in_file = [rows[index] for index in order if reasons[index] is None]
        files[version] = (_file_bytes(tonight.footprints, in_file, created), skipped)
        built[version] = tonight
    return files, built


def _build_missing(table: pa.Table, ids: list[str], to_build: Mapping[str, list[int]]) -> dict[str, list[tuple[bytes | None, str | None]]]:
    """What each version keeps of the rows `to_build` names, built, in that order."""
    fresh: dict[str, list[tuple[bytes | None, str | None]]] = {}
    v3 = to_build["v3"]
    if len(v3) < PARALLEL_EXPORT_ROWS or cores() < 2:
        for version, indices in to_build.items():
            fresh[version] = _build_rows(version, _rows(table, indices), [ids[i] for i in indices])
        return fresh
    split = round(len(v3) * SECOND_PROCESS_V3_SHARE)
    theirs, ours = v3[:split], v3[split:]
    with spawned_pool(1) as pool:
        second = pool.submit(_build_rows, "v3", _rows(table, theirs), [ids[i] for i in theirs])
        for version, indices in to_build.items():
            if version != "v3":
                fresh[version] = _build_rows(version, _rows(table, indices), [ids[i] for i in indices])
        mine = _build_rows("v3", _rows(table, ours), [ids[i] for i in ours])
        try:
            fresh["v3"] = second.result() + mine
        except BrokenProcessPool:
            fresh["v3"] = _build_rows("v3", _rows(table, theirs), [ids[i] for i in theirs]) + mine
    return fresh


def _rows(table: pa.Table, indices: list[int]) -> pa.Table:
    if len(indices) == table.num_rows:  # every row, in order (`to_build` lists them ascending)
        return table
    return table.take(pa.array(indices, pa.int64()))


def _build_rows(version: str, rows: pa.Table, ids: list[str]) -> list[tuple[bytes | None, str | None]]:
    """What an export keeps of each of `rows` (`_kept`), built, in order."""
    build = _BUILDERS[version]
    return [_kept(build, row, footprint_id) for row, footprint_id in zip(rows.to_pylist(), ids, strict=True)]


def _binary_array(values: list[bytes | None]) -> pa.Array:
    """`values` as an Arrow large binary array (None as null), their bytes copied once into a
    buffer of the exact size: building it value by value grows and copies the buffer, and every
    copy of a first night's hundreds of MB costs."""
    valid = [value is not None for value in values]
    offsets = array("q", [0])
    offsets.extend(accumulate(len(value) if value is not None else 0 for value in values))
    data = b"".join(value for value in values if value is not None)
    nulls = len(values) - sum(valid)
    validity = pa.array(valid, pa.bool_()).buffers()[1] if nulls else None
    return pa.Array.from_buffers(pa.large_binary(), len(values), [validity, pa.py_buffer(offsets), pa.py_buffer(data)], null_count=nulls)


def _tonight(kept: Kept, pooled: list[int | None], fresh: list[tuple[bytes | None, str | None]], digests: pa.Array) -> Kept:
    """Tonight's rows: each finds its footprint in `kept`'s pool where `pooled` says, or is the next
    of `fresh`, which joins the pool as one more chunk (all of it, alone, when nothing was kept)."""
    built_footprints = _binary_array([footprint for footprint, _ in fresh])
    built_reasons = pa.array([reason for _, reason in fresh], pa.string())
    if len(fresh) == len(pooled):
        return Kept(digests, built_footprints, built_reasons)
    base, rows, new = len(kept.footprints), [], iter(range(len(fresh)))
    for found in pooled:
        rows.append(found if found is not None else base + next(new))
    footprints = pa.chunked_array([*kept.footprints.chunks, built_footprints], pa.large_binary())
    reasons = pa.chunked_array([*kept.reasons.chunks, built_reasons], pa.string())
    return Kept(digests, footprints, reasons, rows)


def skipped_summary(label: str, skipped: Mapping[str, str], examples: int = 3) -> str:
    """One line for the run log about the rows an export left out: how many, why, and a few ids.

    A release can leave out thousands of footprints for the same reason (no CPC code); one line
    each would bury the log, and a reader needs the count and the reason, then the list if at all.
    """
    reasons: dict[str, list[str]] = {}
    for footprint_id, why in skipped.items():
        reasons.setdefault(why, []).append(footprint_id)
    parts = [
        f"{len(ids):,} × {why} (e.g. {', '.join(sorted(ids)[:examples])})"
        for why, ids in sorted(reasons.items(), key=lambda item: (-len(item[1]), item[0]))
    ]
    return f"{label}: {len(skipped):,} footprint(s) left out: " + "; ".join(parts)


def pact_json_bytes(payload: Mapping[str, Any]) -> bytes:
    """The bytes of a PACT export file: UTF-8, two-space indent, key order as built, final newline.

    Written by orjson: the same bytes as `json.dumps(payload, ensure_ascii=False, indent=2)` for
    what an export holds (strings, integers, booleans, null and `primaryDataShare`), except that
    a number below 1e-4 has no exponent; the standard library's indenting encoder is pure Python
    and takes ten times as long (about 20 s for the 150,000 footprints of a 10M-line night).
    """
    return orjson.dumps(payload, option=orjson.OPT_INDENT_2) + b"\n"


def decimal_string(value: Any, significant: int = SIGNIFICANT_DIGITS) -> str:
    """A number as a PACT decimal string: no exponent, at most `significant` significant digits.

    Matches the 3.x `Decimal` pattern `^[+-]?\\d+(\\.\\d+)?$`: the shortest repr of the float,
    rounded half-even to `significant` digits, trailing zeros dropped, never `-0`.
    """
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    shortest = repr(number)
    if "e" not in shortest and len(shortest) <= significant:  # at most `significant` digits: as is
        text = shortest[:-2] if shortest.endswith(".0") else shortest
        return "0" if text in ("-0", "0") else text
    # Rounding the float itself (the `g` format) gives the digits of rounding its shortest repr,
    # unless that repr has exactly one digit more than kept: a trailing 5 there is a tie that the
    # binary value may break the other way. Those, and what `g` writes with an exponent, take the
    # Decimal path below.
    digits = shortest.partition("e")[0].replace("-", "").replace(".", "").strip("0")
    if len(digits) != significant + 1:
        rounded = f"{number:.{significant}g}"
        if "e" not in rounded:
            return rounded
    exact = Decimal(shortest)
    if exact.is_zero():
        return "0"
    if len(exact.as_tuple().digits) > significant:
        step = Decimal(1).scaleb(exact.adjusted() - significant + 1)
        exact = exact.quantize(step, rounding=ROUND_HALF_EVEN)
    text = format(exact.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def province_subdivision(uscc: str | None) -> str | None:
    """The ISO 3166-2 subdivision (e.g. 'CN-SD') of a USCC's registration area, if known."""
    if not uscc or len(uscc) < 4:
        return None
    return PROVINCE_ISO_3166_2.get(uscc[2:4])


def product_urn(uscc: str, product_code: str) -> str:
    """`urn:pcf-sd:product:<USCC>:<product_code>`, the code percent-encoded where RFC 8141 needs it."""
    return f"{PRODUCT_URN_PREFIX}{uscc}:{_urn_part(product_code)}"


def pact_unit(row: Mapping[str, Any], version: int) -> PactUnit:
    """How the row's declared unit is written in PACT `version` (2 or 3); raises Unexportable.

    Units PACT has (kg, t, L, m3, kWh, MJ, m2, ... and 3.x `piece`) map directly, with an amount
    for multiples (1 t = 1000 kilogram). Units PACT lacks (2.x piece; head_year, TEU, ...) are
    written per kilogram of product using `product_mass_kg`; without a mass they cannot be written.
    """
    declared = _required(row, "declared_unit")
    known = CATALOGUE_TO_PACT.get(declared)
    if known is None and version >= 3:
        known = CATALOGUE_TO_PACT_V3_ONLY.get(declared)
    row_mass = _positive(row.get("product_mass_kg"))
    if known:
        unit, amount = known
        if unit == "kilogram":
            mass: float | None = amount
        elif unit in MASSLESS_PACT_UNITS:
            mass = 0.0
        else:
            mass = row_mass
        if unit == "piece" and mass is None:
            raise Unexportable("declared unit 'piece' without product_mass_kg: "
                               "PACT 3.x requires the mass of a piece")
        note = None
        if amount != 1.0:
            note = (f"The pilot's declared unit is 1 {declared} = {decimal_string(amount)} {unit}"
                    + (f"; values are per {unit} (pilot value / {decimal_string(amount)})."
                       if version < 3 else "."))
        return PactUnit(unit, amount, mass, note)
    if row_mass is None:
        raise Unexportable(f"PACT {version}.x has no declared unit for '{declared}' and product_mass_kg "
                           "is unknown, so the footprint cannot be expressed per kilogram either")
    note = (f"PACT {version}.x has no declared unit for '{declared}': the footprint is expressed per "
            f"kilogram of product, one {declared} being {decimal_string(row_mass)} kg (product_mass_kg)"
            + (" (pilot value / product mass)." if version < 3 else "; the declared unit is one "
               f"{declared} = {decimal_string(row_mass)} kilogram."))
    return PactUnit("kilogram", row_mass, row_mass, note)


_EXPORT_ORDER = ("company_uscc", "product_code", "reporting_period_start", "reporting_period_end")


def _export(rows: Iterable[Mapping[str, Any]], created: str,
            build: Callable[[Mapping[str, Any], str, str], dict[str, Any]],
            ) -> tuple[dict[str, Any], dict[str, str]]:
    """Build footprints for every row, skipping those PACT cannot express; sorted, deterministic."""
    _check_created(created)
    footprints: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    skipped: dict[str, str] = {}
    seen: set[str] = set()
    for row in rows:
        footprint_id = _uuid(row.get("product_footprint_id"))
        if footprint_id in seen:
            raise ValueError(f"product_footprint_id {footprint_id} appears more than once")
        seen.add(footprint_id)
        try:
            footprint = build(row, footprint_id, created)
        except Unexportable as reason:
            skipped[footprint_id] = str(reason)
            continue
        order = tuple(str(row.get(key) or "") for key in _EXPORT_ORDER) + (footprint_id,)
        footprints.append((order, footprint))
    footprints.sort(key=lambda pair: pair[0])
    return {"data": [footprint for _, footprint in footprints]}, skipped


def _footprint_v2(row: Mapping[str, Any], footprint_id: str, created: str) -> dict[str, Any]:
    """One PACT 2.x ProductFootprint (spec 2.3 schema)."""
    common = _common(row, version=2)
    unit = common.unit
    cpc = _row_text(row, "cpc_code")
    if cpc is None:
        raise Unexportable("no cpc_code: PACT 2.x requires productCategoryCpc (UN CPC)")
    if common.gwp_set not in ("AR5", "AR6"):
        raise Unexportable(f"gwp_set '{common.gwp_set}' is not AR5 or AR6, "
                           "the only PACT 2.x characterizationFactors")
    if common.excl < 0 or common.fossil < 0:
        raise Unexportable("a negative footprint excluding biogenic CO2: PACT 2.x requires a value >= 0")

    def per_unit(value: float) -> str:
        return decimal_string(value / unit.amount)

    pcf: dict[str, Any] = {
        "declaredUnit": unit.unit,
        "unitaryProductAmount": "1",
    }
    if unit.mass_kg is not None:
        pcf["productMassPerDeclaredUnit"] = decimal_string(unit.mass_kg / unit.amount)
    pcf.update({
        "pCfExcludingBiogenic": per_unit(common.excl),
        "pCfIncludingBiogenic": per_unit(common.incl),
        "fossilGhgEmissions": per_unit(common.fossil),
        "fossilCarbonContent": "0",
        "biogenicCarbonContent": "0",
        "characterizationFactors": common.gwp_set,
        "ipccCharacterizationFactorsSources": [common.gwp_set],
        "crossSectoralStandardsUsed": ["ISO Standard 14067"],
        "crossSectoralStandards": ["ISO14067"],
        "boundaryProcessesDescription": _boundary_description(row, unit, version=2),
        "referencePeriodStart": common.period_start,
        "referencePeriodEnd": common.period_end,
    })
    pcf.update(common.geography)
    if common.secondary_sources:
        pcf["secondaryEmissionFactorSources"] = common.secondary_sources
    pcf.update({
        "exemptedEmissionsPercent": 0,
        "exemptedEmissionsDescription": common.exemption_note,
        "packagingEmissionsIncluded": False,
    })
    if common.primary_share is not None:
        pcf["primaryDataShare"] = float(decimal_string(common.primary_share))
    if common.verified:
        assurance: dict[str, Any] = {"assurance": True, "coverage": "product level",
                                     "providerName": common.verifier or ""}
        if common.verified_at:
            assurance["completedAt"] = common.verified_at
        pcf["assurance"] = assurance
    return {
        "id": footprint_id,
        "specVersion": SPEC_VERSION_V2,
        "version": 1,
        "created": created,
        "status": "Active",
        "companyName": common.company_name,
        "companyIds": common.company_ids,
        "productDescription": common.description,
        "productIds": common.product_ids,
        "productClassifications": common.classifications + [f"{CPC_URN_PREFIX}{_urn_part(cpc)}"],
        "productCategoryCpc": cpc,
        "productNameCompany": common.product_name,
        "comment": _comment(row, common, version=2),
        "pcf": pcf,
    }


def _footprint_v3(row: Mapping[str, Any], footprint_id: str, created: str) -> dict[str, Any]:
    """One PACT 3.x ProductFootprint (spec 3.0 schema)."""
    common = _common(row, version=3)
    unit = common.unit
    if common.fossil < 0:
        raise Unexportable("negative fossil GHG emissions: PACT 3.x requires fossilGhgEmissions >= 0")
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": unit.unit,
        "declaredUnitAmount": decimal_string(unit.amount),
        "productMassPerDeclaredUnit": decimal_string(unit.mass_kg or 0.0),
        "referencePeriodStart": common.period_start,
        "referencePeriodEnd": common.period_end,
    }
    pcf.update(common.geography)
    pcf.update({
        "boundaryProcessesDescription": _boundary_description(row, unit, version=3),
        "pcfExcludingBiogenicUptake": decimal_string(common.excl),
        "pcfIncludingBiogenicUptake": decimal_string(common.incl),
        "fossilGhgEmissions": decimal_string(common.fossil),
        "fossilCarbonContent": "0",
        "ipccCharacterizationFactors": [common.gwp_set],
        "crossSectoralStandards": ["ISO14067"],
        "exemptedEmissionsPercent": "0",
    })
    if common.exemption_note:
        pcf["exemptedEmissionsDescription"] = common.exemption_note
    if common.secondary_sources:
        pcf["secondaryEmissionFactorSources"] = common.secondary_sources
    if common.primary_share is not None:
        pcf["primaryDataShare"] = decimal_string(common.primary_share)
    dqi = _dqi_v3(row)
    if dqi:
        pcf["dqi"] = dqi
    if common.verified:
        verification: dict[str, Any] = {"coverage": "product level"}
        if common.verifier:
            verification["providerName"] = common.verifier
        if common.verified_at:
            verification["completedAt"] = common.verified_at
        pcf["verification"] = verification
    cpc = _row_text(row, "cpc_code")
    classifications = common.classifications + ([f"{CPC_URN_PREFIX}{_urn_part(cpc)}"] if cpc else [])
    footprint: dict[str, Any] = {
        "id": footprint_id,
        "specVersion": SPEC_VERSION_V3,
        "created": created,
        "status": "Active",
        "companyName": common.company_name,
        "companyIds": common.company_ids,
        "productDescription": common.description,
        "productIds": common.product_ids,
    }
    if classifications:
        footprint["productClassifications"] = classifications
    footprint.update({
        "productNameCompany": common.product_name,
        "comment": _comment(row, common, version=3),
        "pcf": pcf,
    })
    return footprint


@dataclass(frozen=True)
class _Common:
    """What both versions write the same way, computed once per row."""

    unit: PactUnit
    company_name: str
    company_ids: list[str]
    product_name: str
    product_ids: list[str]
    classifications: list[str]
    description: str
    period_start: str
    period_end: str
    geography: dict[str, str]
    excl: float
    incl: float
    fossil: float
    fossil_from_total: bool
    gwp_set: str
    primary_share: float | None
    secondary_sources: list[dict[str, str]]
    exemption_note: str
    verified: bool
    verifier: str | None
    verified_at: str | None


def _common(row: Mapping[str, Any], version: int) -> _Common:
    """The version-independent parts of a row's footprint; raises Unexportable."""
    uscc = _required(row, "company_uscc").upper()
    product_code = _required(row, "product_code")
    company_name = _required(row, "company_name")
    unit = pact_unit(row, version)
    start = _day(row, "reporting_period_start")
    end = _day(row, "reporting_period_end")
    excl = _finite(row, "pcf_excl_biogenic_kgco2e_per_unit")
    incl = _finite(row, "pcf_incl_biogenic_kgco2e_per_unit")
    fossil_given = row.get("fossil_ghg_kgco2e_per_unit")
    fossil = excl if fossil_given is None else _finite(row, "fossil_ghg_kgco2e_per_unit")
    gwp_set = _required(row, "gwp_set").upper()
    if not re.fullmatch(r"AR\d+", gwp_set):
        raise Unexportable(f"gwp_set '{gwp_set}' is not an IPCC assessment report like AR6")
    subdivision = province_subdivision(uscc)
    share = row.get("primary_data_share_pct")
    primary_share = None if share is None else min(100.0, max(0.0, float(share)))
    release = _row_text(row, "factor_release_id")
    secondary = ([{"name": "Shandong provincial carbon footprint factor database", "version": release}]
                 if release and (primary_share is None or primary_share < 100) else [])
    verified = bool(row.get("is_verified"))
    verified_on = _str_or_none(row.get("verification_date"))
    category = _row_text(row, "product_category")
    hs_code = _row_text(row, "hs_code")
    classifications = ([f"{CATEGORY_URN_PREFIX}{_urn_part(category)}"] if category else []) + (
        [f"{HS_URN_PREFIX}{_urn_part(hs_code)}"] if hs_code else [])
    return _Common(
        unit=unit,
        company_name=company_name,
        company_ids=[f"{USCC_URN_PREFIX}{uscc}"],
        product_name=_row_text(row, "product_name") or product_code,
        product_ids=[product_urn(uscc, product_code)],
        classifications=classifications,
        description=_product_description(row, product_code),
        period_start=_midnight(start),
        period_end=_midnight(end + timedelta(days=1)),
        geography={"geographyCountrySubdivision": subdivision} if subdivision else {"geographyCountry": "CN"},
        excl=excl,
        incl=incl,
        fossil=fossil,
        fossil_from_total=fossil_given is None,
        gwp_set=gwp_set,
        primary_share=primary_share,
        secondary_sources=secondary,
        exemption_note=_exemption_note(row),
        verified=verified,
        verifier=_row_text(row, "verifier_name") if verified else None,
        verified_at=_midnight(date.fromisoformat(verified_on[:10])) if verified and verified_on else None,
    )


def _product_description(row: Mapping[str, Any], product_code: str) -> str:
    """A short product-level description from the row's name, category, HS code and declared unit."""
    parts = [_row_text(row, "product_name") or product_code]
    if row.get("product_category"):
        parts.append(f"product category {row['product_category']}")
    if row.get("hs_code"):
        parts.append(f"HS code {row['hs_code']}")
    parts.append(f"declared unit in the pilot: 1 {row['declared_unit']}")
    return "; ".join(parts)


def _boundary_description(row: Mapping[str, Any], unit: PactUnit, version: int) -> str:
    """The system boundary and each stage's contribution per PACT declared unit."""
    boundary = _str_or_none(row.get("system_boundary"))
    stages = BOUNDARY_STAGES.get(boundary or "", ())
    if boundary:
        title = boundary.replace("_", "-").capitalize()
        labels = ", ".join(STAGE_LABELS[stage] for stage in stages)
        text = f"{title} (GB/T 24067-2024 / ISO 14067): {labels}."
    else:
        text = "System boundary not stated."
    divisor = unit.amount if version < 3 else 1.0
    per = f"1 {unit.unit}" if version < 3 else f"{decimal_string(unit.amount)} {unit.unit}"
    contributions = [
        f"{STAGE_LABELS[stage]} {decimal_string(float(row[key]) / divisor)}"
        for stage in (stages or LIFECYCLE_STAGES)
        if row.get(key := f"{stage}_kgco2e_per_unit") is not None
    ]
    if contributions:
        text += f" Contributions in kgCO2e per {per}: " + "; ".join(contributions) + "."
    return text


def _exemption_note(row: Mapping[str, Any]) -> str:
    """Empty when the boundary is complete; otherwise what is missing (its share is unknown)."""
    if row.get("is_boundary_complete") is False:
        return ("No cut-off was applied, but at least one life-cycle stage required by the system "
                "boundary has no activity data; its emissions are missing and their share is unknown.")
    return ""


def _dqi_v3(row: Mapping[str, Any]) -> dict[str, str] | None:
    """3.x `dqi` when the row carries per-aspect ratings (dq_technological/_geographical/_temporal, 1-5)."""
    names = {"technologicalDQR": "dq_technological", "geographicalDQR": "dq_geographical",
             "temporalDQR": "dq_temporal"}
    values = {pact: row.get(ours) for pact, ours in names.items()}
    if any(value is None for value in values.values()):
        return None
    return {pact: decimal_string(value) for pact, value in values.items()}


def _comment(row: Mapping[str, Any], common: _Common, version: int) -> str:
    """What a recipient needs to read the footprint right: method, unit, biogenic, data quality, grade."""
    excl_name, incl_name = (("pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake") if version >= 3
                            else ("pCfExcludingBiogenic", "pCfIncludingBiogenic"))
    sentences = ["Published by the Shandong product carbon footprint pilot; calculated under GB/T 24067-2024 "
                 f"(ISO 14067) with {common.gwp_set} GWP100 values"
                 + (f" and factor release {row['factor_release_id']}."
                    if row.get("factor_release_id") else ".")]
    if common.unit.note:
        sentences.append(common.unit.note)
    sentences.append(f"{excl_name} excludes all biogenic CO2 (emissions and removals); {incl_name} adds "
                     "the net biogenic CO2 (emissions minus removals). Biogenic CO2 uptake is not "
                     "reported separately.")
    if common.fossil_from_total:
        sentences.append(f"fossilGhgEmissions equals {excl_name}: no separate fossil split is available "
                         "(it includes biogenic methane).")
    content = "fossilCarbonContent and biogenicCarbonContent are" if version < 3 else "fossilCarbonContent is"
    sentences.append(f"{content} not assessed by the pilot and written as 0 only because PACT requires "
                     "a value.")
    if version >= 3 and common.unit.unit not in MASSLESS_PACT_UNITS and common.unit.mass_kg is None:
        sentences.append("The product mass per declared unit is not reported; "
                         "productMassPerDeclaredUnit 0 means unknown.")
    sentences.append("Packaging emissions are not identified separately.")
    if row.get("dqr") is not None:
        dq_class = f" ({row['dqr_class']})" if row.get("dqr_class") else ""
        scale_note = (" PACT 2.x dqi (scale 1-3) is not given." if version < 3
                      else "" if _dqi_v3(row) else " dqi is not given: only the combined rating is known.")
        sentences.append(f"Data quality rating (EU PEF, 1 best to 5 worst): {decimal_string(row['dqr'], 3)}"
                         f"{dq_class}.{scale_note}")
    if row.get("grade") is not None:
        sentences.append(f"Grade {row['grade']} of 5 (1 best) among its category's peers.")
    if row.get("is_label_eligible") is not None:
        sentences.append(f"Carbon label eligible: {'yes' if row['is_label_eligible'] else 'no'}.")
    if row.get("submission_id"):
        sentences.append(f"Source submission {row['submission_id']}.")
    return " ".join(sentences)


def _check_created(created: str) -> None:
    """`created` must be an ISO 8601 date-time with a time zone (it is written as given)."""
    try:
        moment = datetime.fromisoformat(created)
    except (TypeError, ValueError):
        raise ValueError(f"created {created!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None or "T" not in created:
        raise ValueError(f"created {created!r} needs a date, a time and a time zone, "
                         "e.g. 2025-06-30T00:00:00Z")


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# What RFC 8141 allows unencoded: `quote`'s always-safe characters and the `safe` of `_urn_part`.
_URN_SAFE_TEXT = re.compile(r"[A-Za-z0-9_.\-~!$&'()*+,;=:@]*")


def _uuid(value: Any) -> str:
    """The canonical lower-case form of a UUID; anything else is a programming error."""
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return value
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError(f"product_footprint_id {value!r} is not a UUID") from None


def _required(row: Mapping[str, Any], key: str) -> str:
    """A non-empty text value of the row, or Unexportable."""
    value = _row_text(row, key)
    if value is None:
        raise Unexportable(f"{key} is empty")
    return value


def _row_text(row: Mapping[str, Any], key: str) -> str | None:
    """A row value as non-empty text (dates as YYYY-MM-DD), else None."""
    value = row.get(key)
    if isinstance(value, str):
        return value.strip() or None
    return _text(_str_or_none(value))


def _finite(row: Mapping[str, Any], key: str) -> float:
    """A finite number of the row, or Unexportable."""
    value = row.get(key)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Unexportable(f"{key} is not a number ({value!r})") from None
    if not math.isfinite(number):
        raise Unexportable(f"{key} is not a finite number ({value!r})")
    return number


def _positive(value: Any) -> float | None:
    """A number > 0, else None."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _day(row: Mapping[str, Any], key: str) -> date:
    """A YYYY-MM-DD (or date) value of the row, or Unexportable."""
    value = row.get(key)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Unexportable(f"{key} is not a date ({value!r})") from None


def _midnight(day: date) -> str:
    """Midnight at the start of `day` in the pilot's time zone, as a PACT date-time."""
    return f"{day.isoformat()}T00:00:00{PILOT_UTC_OFFSET}"


def _str_or_none(value: Any) -> str | None:
    """Text of a scalar (dates included); None stays None."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _urn_part(text: str) -> str:
    """Percent-encode what RFC 8141 does not allow in a namespace-specific string."""
    if _URN_SAFE_TEXT.fullmatch(text):
        return text
    return quote(text, safe="-._~!$&'()*+,;=:@")


_BUILDERS: dict[str, Callable[[Mapping[str, Any], str, str], dict[str, Any]]] = {"v2": _footprint_v2, "v3": _footprint_v3}
