"""PACT JSON import and export (orchestration/pact.py).

The official PACT schemas and examples are read from `../shared/pact/` (next to the repository);
tests that need them skip when that folder is absent (a fresh clone has none).
"""

from __future__ import annotations

import json
import math
import random
import struct
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from orchestration import pact
from orchestration.pact import (
    RECORD_KEYS,
    decimal_string,
    export_files,
    pact_json_bytes,
    pact_unit,
    parse_pact,
    province_subdivision,
    read_pact_file,
    skipped_summary,
    to_pact_v2,
    to_pact_v3,
)
from orchestration.problems import FileRejected

REPO_ROOT = Path(__file__).resolve().parents[2]
PACT_DIR = REPO_ROOT.parent / "shared" / "pact"
CREATED = "2025-06-30T00:00:00+08:00"
OFFICIAL_EXAMPLES = (
    "v2-examples-list-footprints-response.json",
    "v3-examples-example-1.json",
    "v3-examples-example-2.json",
    "v3-examples-list-footprints-response.json",
)
USCC = "91370200163562681G"  # registration area 370200 (Qingdao, Shandong)


# ------------------------------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def pact_dir() -> Path:
    if not PACT_DIR.is_dir():
        pytest.skip("../shared/pact is absent (PACT conformance data is only present next to CI checkouts)")
    return PACT_DIR


@pytest.fixture(scope="module")
def validators(pact_dir: Path) -> dict[str, Draft202012Validator]:
    """A ProductFootprint validator per PACT version, resolving `#/components/schemas/...` refs.

    Both OpenAPI documents are OpenAPI 3.1, whose schemas are JSON Schema 2020-12 (no `nullable`):
    each whole document is registered as one resource and the validator refers into it.
    """
    built = {}
    for version in ("v2", "v3"):
        document = yaml.safe_load((pact_dir / f"{version}-openapi.yaml").read_text(encoding="utf-8"))
        assert document["openapi"].startswith("3.1")
        uri = f"urn:pact-openapi:{version}"
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        registry = Registry().with_resource(uri, resource)
        built[version] = Draft202012Validator(
            {"$ref": f"{uri}#/components/schemas/ProductFootprint"},
            registry=registry,
            format_checker=FormatChecker(),
        )
    return built


def schema_errors(validator: Draft202012Validator, footprint: dict[str, Any]) -> list[str]:
    errors = validator.iter_errors(footprint)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors]


def footprints_of(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict) and "data" in payload:
        return payload["data"]
    return payload if isinstance(payload, list) else [payload]


def product_row(number: int = 1, **overrides: Any) -> dict[str, Any]:
    """One published product_footprints row, as the release writes it."""
    row: dict[str, Any] = {
        "product_footprint_id": f"00000000-0000-4000-8000-{number:012d}",
        "company_uscc": USCC,
        "company_name": "青岛示例电器有限公司",
        "product_code": f"P-{number:03d}",
        "product_name": f"Product {number}",
        "product_category": "appliance.refrigerator",
        "hs_code": "841821",
        "cpc_code": "44811",
        "declared_unit": "kg",
        "product_mass_kg": None,
        "reporting_period_start": "2024-01-01",
        "reporting_period_end": "2024-12-31",
        "system_boundary": "cradle_to_gate",
        "pcf_excl_biogenic_kgco2e_per_unit": 2.5,
        "pcf_incl_biogenic_kgco2e_per_unit": 2.25,
        "raw_materials_kgco2e_per_unit": 2.0,
        "production_kgco2e_per_unit": 0.5,
        "distribution_kgco2e_per_unit": None,
        "use_kgco2e_per_unit": None,
        "end_of_life_kgco2e_per_unit": None,
        "fossil_ghg_kgco2e_per_unit": 2.4,
        "biogenic_co2_kg_per_unit": -0.25,
        "primary_data_share_pct": 40.0,
        "dqr": 2.2,
        "dqr_class": "good",
        "gwp_set": "AR6",
        "factor_release_id": "SD-EF-2025-01",
        "is_boundary_complete": True,
        "is_verified": False,
        "verifier_name": None,
        "verification_date": None,
        "grade": 2,
        "is_label_eligible": False,
        "submission_id": "0123456789abcdef",
    }
    row.update(overrides)
    return row


def varied_rows() -> list[dict[str, Any]]:
    """Rows covering every way a declared unit is written, verification, gaps and odd product codes."""
    return [
        product_row(1),
        product_row(2, declared_unit="t", pcf_excl_biogenic_kgco2e_per_unit=1850.0,
                    pcf_incl_biogenic_kgco2e_per_unit=1850.0, raw_materials_kgco2e_per_unit=1500.0,
                    production_kgco2e_per_unit=350.0, fossil_ghg_kgco2e_per_unit=None,
                    product_category="steel.hot_rolled", hs_code="7208390000", cpc_code="41231",
                    is_verified=True, verifier_name="中国质量认证中心", verification_date="2025-03-15"),
        product_row(3, declared_unit="L", pcf_excl_biogenic_kgco2e_per_unit=0.61,
                    pcf_incl_biogenic_kgco2e_per_unit=0.58, product_category="beer.bottled", hs_code=None,
                    system_boundary="cradle_to_grave", distribution_kgco2e_per_unit=0.05,
                    use_kgco2e_per_unit=0.0, end_of_life_kgco2e_per_unit=0.01, is_boundary_complete=False),
        product_row(4, declared_unit="piece", product_mass_kg=65.5,
                    pcf_excl_biogenic_kgco2e_per_unit=412.345678,
                    pcf_incl_biogenic_kgco2e_per_unit=410.0, raw_materials_kgco2e_per_unit=400.0,
                    production_kgco2e_per_unit=12.345678, product_code="RF/500:白色 #2",
                    dq_technological=1.5, dq_geographical=2.0, dq_temporal=2.25),
        product_row(5, declared_unit="head_year", product_mass_kg=120.0, product_category="livestock.pigs",
                    pcf_excl_biogenic_kgco2e_per_unit=390.0, pcf_incl_biogenic_kgco2e_per_unit=375.0,
                    hs_code="010392", cpc_code="02140", primary_data_share_pct=100.0),
        product_row(6, declared_unit="MJ", pcf_excl_biogenic_kgco2e_per_unit=0.0000123,
                    pcf_incl_biogenic_kgco2e_per_unit=0.0000123, gwp_set="AR5",
                    company_uscc="91110000100000000X", dqr=None, grade=None, primary_data_share_pct=None),
    ]


# ------------------------------------------------------------------------------- official examples


@pytest.mark.parametrize("name", OFFICIAL_EXAMPLES)
def test_every_official_example_parses(pact_dir: Path, name: str) -> None:
    path = pact_dir / name
    payload = json.loads(path.read_text(encoding="utf-8"))
    records = read_pact_file(path)
    assert [record["pact_id"] for record in records] == [item["id"] for item in footprints_of(payload)]
    for record in records:
        assert tuple(record) == RECORD_KEYS
        assert record["spec_version"][0] in "23"
        assert isinstance(record["pcf_excl_biogenic_kgco2e_per_unit"], float)
        assert record["declared_unit"] in {"L", "kg"}
        assert record["reporting_period_start"] <= record["reporting_period_end"]
        assert record["gwp_set"] == "AR6"


def test_official_examples_read_in_detail(pact_dir: Path) -> None:
    (v2,) = read_pact_file(pact_dir / "v2-examples-list-footprints-response.json")
    assert v2["declared_unit"] == "L" and v2["pcf_excl_biogenic_kgco2e_per_unit"] == 1.63
    assert v2["pcf_incl_biogenic_kgco2e_per_unit"] == 1.85
    # referencePeriodEnd is exclusive: 2022-01-01T00:00:00Z ends the period on 2021-12-31.
    assert (v2["reporting_period_start"], v2["reporting_period_end"]) == ("2021-01-01", "2021-12-31")
    assert v2["cpc_code"] == "6398" and v2["dqr"] is None and v2["dqr_pact_v2"] == pytest.approx(1.96)
    assert v2["product_code"] == "urn:gtin:5695872369587" and v2["company_uscc"] is None
    assert v2["is_verified"] is False

    (twelve_litres,) = read_pact_file(pact_dir / "v3-examples-example-2.json")
    assert twelve_litres["declared_unit"] == "L" and twelve_litres["declared_unit_amount"] == 12
    # 3.x values are per declaredUnitAmount (12 L): divided to per ONE litre.
    assert twelve_litres["pcf_excl_biogenic_kgco2e_per_unit"] == pytest.approx(5.14 / 12)
    assert twelve_litres["pcf_incl_biogenic_kgco2e_per_unit"] == pytest.approx(-14.22 / 12)
    assert twelve_litres["product_mass_kg"] == pytest.approx(9.468 / 12)
    assert twelve_litres["dqr"] == pytest.approx((2.5 + 4.1 + 1.3) / 3)
    assert twelve_litres["geography"] == "US" and twelve_litres["cpc_code"] == "1234"

    (example_1,) = read_pact_file(pact_dir / "v3-examples-example-1.json")
    assert example_1["geography"] == "US-TX" and example_1["primary_data_share_pct"] == 12.9


def test_validator_accepts_official_examples_and_catches_errors(
    pact_dir: Path, validators: dict[str, Draft202012Validator]
) -> None:
    for name in OFFICIAL_EXAMPLES:
        version = name[:2]
        for footprint in footprints_of(json.loads((pact_dir / name).read_text(encoding="utf-8"))):
            assert schema_errors(validators[version], footprint) == [], name

    v3 = footprints_of(json.loads((pact_dir / "v3-examples-example-1.json").read_text(encoding="utf-8")))[0]
    assert schema_errors(validators["v3"], {key: value for key, value in v3.items() if key != "pcf"})
    assert schema_errors(validators["v3"], {**v3, "created": "yesterday"})  # format: date-time is checked
    assert schema_errors(validators["v3"], {**v3, "id": "not-a-uuid"})  # format: uuid is checked
    bad_decimal = {**v3, "pcf": {**v3["pcf"], "pcfExcludingBiogenicUptake": "1.2e-3"}}
    assert schema_errors(validators["v3"], bad_decimal)  # via $ref to #/components/schemas/Decimal
    two_geographies = {**v3, "pcf": {**v3["pcf"], "geographyCountry": "US"}}
    assert schema_errors(validators["v3"], two_geographies)
    v2 = footprints_of(json.loads((pact_dir / OFFICIAL_EXAMPLES[0]).read_text(encoding="utf-8")))[0]
    assert schema_errors(validators["v2"], {**v2, "pcf": {**v2["pcf"], "declaredUnit": "piece"}})


# ----------------------------------------------------------------------------------------- export


def test_exports_conform_to_the_pact_schemas(validators: dict[str, Draft202012Validator]) -> None:
    rows = varied_rows()
    for version, export in (("v2", to_pact_v2), ("v3", to_pact_v3)):
        payload, skipped = export(rows, CREATED)
        assert skipped == {}
        assert len(payload["data"]) == len(rows)
        for footprint in payload["data"]:
            assert schema_errors(validators[version], footprint) == [], (version, footprint["id"])
        json.loads(pact_json_bytes(payload))  # plain JSON, no NaN


def test_export_conventions() -> None:
    payload, _ = to_pact_v3([product_row(7, product_code="A/B 1")], CREATED)
    (footprint,) = payload["data"]
    assert footprint["id"] == "00000000-0000-4000-8000-000000000007"
    assert footprint["created"] == CREATED and footprint["status"] == "Active"
    assert footprint["companyIds"] == [f"urn:uscc:{USCC}"]
    assert footprint["productIds"] == [f"urn:pcf-sd:product:{USCC}:A%2FB%201"]
    assert footprint["productClassifications"] == [
        "urn:pcf-sd:category:appliance.refrigerator",
        "urn:pact:productclassification:hs:841821",
        "urn:pact:productclassification:un-cpc:44811",
    ]
    pcf = footprint["pcf"]
    assert pcf["geographyCountrySubdivision"] == "CN-SD"
    assert pcf["referencePeriodStart"] == "2024-01-01T00:00:00+08:00"
    assert pcf["referencePeriodEnd"] == "2025-01-01T00:00:00+08:00"  # exclusive end
    assert pcf["ipccCharacterizationFactors"] == ["AR6"] and pcf["crossSectoralStandards"] == ["ISO14067"]
    assert pcf["exemptedEmissionsPercent"] == "0" and pcf["primaryDataShare"] == "40"
    assert "dqi" not in pcf and "2.2 (good)" in footprint["comment"]
    assert "Cradle-to-gate" in pcf["boundaryProcessesDescription"]
    assert "secondaryEmissionFactorSources" in pcf and "verification" not in pcf

    v2_payload, _ = to_pact_v2([product_row(7)], CREATED)
    v2_pcf = v2_payload["data"][0]["pcf"]
    assert v2_pcf["characterizationFactors"] == "AR6"
    assert v2_pcf["crossSectoralStandardsUsed"] == ["ISO Standard 14067"]
    assert v2_payload["data"][0]["productCategoryCpc"] == "44811" and v2_payload["data"][0]["version"] == 1
    assert v2_pcf["primaryDataShare"] == 40.0 and "dqi" not in v2_pcf and "assurance" not in v2_pcf


def test_declared_units_pact_lacks_are_expressed_per_kilogram_or_skipped() -> None:
    tonne = product_row(1, declared_unit="t", pcf_excl_biogenic_kgco2e_per_unit=1850.0)
    piece = product_row(2, declared_unit="piece", product_mass_kg=50.0,
                        pcf_excl_biogenic_kgco2e_per_unit=400.0)
    head_year = product_row(3, declared_unit="head_year", product_mass_kg=None)
    teu = product_row(4, declared_unit="TEU", product_mass_kg=None)
    piece_without_mass = product_row(5, declared_unit="piece", product_mass_kg=None)

    v3, skipped_v3 = to_pact_v3([tonne, piece, head_year, teu, piece_without_mass], CREATED)
    by_id = {footprint["id"][-1]: footprint["pcf"] for footprint in v3["data"]}
    assert (by_id["1"]["declaredUnitOfMeasurement"], by_id["1"]["declaredUnitAmount"]) == ("kilogram", "1000")
    assert by_id["1"]["pcfExcludingBiogenicUptake"] == "1850"
    assert by_id["1"]["productMassPerDeclaredUnit"] == "1000"
    assert by_id["2"]["declaredUnitOfMeasurement"] == "piece"
    assert by_id["2"]["productMassPerDeclaredUnit"] == "50"
    assert list(skipped_v3) == [head_year["product_footprint_id"], teu["product_footprint_id"],
                                piece_without_mass["product_footprint_id"]]
    assert "head_year" in skipped_v3[head_year["product_footprint_id"]]

    v2, skipped_v2 = to_pact_v2([tonne, piece, head_year], CREATED)
    by_id = {footprint["id"][-1]: footprint for footprint in v2["data"]}
    assert by_id["1"]["pcf"]["declaredUnit"] == "kilogram"
    assert by_id["1"]["pcf"]["unitaryProductAmount"] == "1"
    assert by_id["1"]["pcf"]["pCfExcludingBiogenic"] == "1.85"  # per kilogram
    assert by_id["2"]["pcf"]["declaredUnit"] == "kilogram"  # PACT 2.x has no piece
    assert by_id["2"]["pcf"]["pCfExcludingBiogenic"] == "8"  # 400 kgCO2e per 50 kg piece
    assert "no declared unit for 'piece'" in by_id["2"]["comment"]
    assert list(skipped_v2) == [head_year["product_footprint_id"]]


def test_rows_pact_cannot_hold_are_skipped_with_a_reason() -> None:
    no_cpc = product_row(1, cpc_code=None)
    negative = product_row(2, pcf_excl_biogenic_kgco2e_per_unit=-1.0, fossil_ghg_kgco2e_per_unit=None)
    payload, skipped = to_pact_v2([no_cpc, negative, product_row(3)], CREATED)
    assert len(payload["data"]) == 1
    assert "productCategoryCpc" in skipped[no_cpc["product_footprint_id"]]
    assert ">= 0" in skipped[negative["product_footprint_id"]]
    payload_v3, skipped_v3 = to_pact_v3([no_cpc], CREATED)  # 3.x does not need a CPC code
    assert skipped_v3 == {} and len(payload_v3["data"]) == 1


def test_the_run_log_gets_one_line_per_export_with_counts_and_examples() -> None:
    skipped = {f"fp-{i:02d}": "no cpc_code" for i in range(12)} | {"fp-x": "negative footprint"}
    line = skipped_summary("PACT v2", skipped)
    assert line == (
        "PACT v2: 13 footprint(s) left out: 12 × no cpc_code (e.g. fp-00, fp-01, fp-02); "
        "1 × negative footprint (e.g. fp-x)"
    )


def test_export_is_deterministic_and_sorted() -> None:
    rows = varied_rows()
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    for export in (to_pact_v2, to_pact_v3):
        first, second = export(rows, CREATED)[0], export(shuffled, CREATED)[0]
        assert pact_json_bytes(first) == pact_json_bytes(second)
        keys = [(f["companyIds"][0], f["productIds"][0]) for f in first["data"]]
        assert keys == sorted(keys)


def test_a_large_export_built_in_a_second_process_has_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """From PARALLEL_EXPORT_ROWS footprints most of v3 is built in a spawned process beside v2: same files."""
    import pyarrow as pa

    table = pa.Table.from_pylist([product_row(number) for number in range(1, 41)])
    here = export_files(table, CREATED)
    monkeypatch.setattr(pact, "PARALLEL_EXPORT_ROWS", 10)
    beside = export_files(table, CREATED)
    assert set(here) == {"v2", "v3"} and beside == here
    for version, export in (("v2", to_pact_v2), ("v3", to_pact_v3)):
        payload, skipped = export(table.to_pylist(), CREATED)
        assert here[version] == (pact_json_bytes(payload), skipped)
        assert len(footprints_of(json.loads(here[version][0]))) == 40


def test_unchanged_rows_take_their_footprints_from_the_last_night(monkeypatch: pytest.MonkeyPatch) -> None:
    """A row whose values are all unchanged takes what the last night built for it (with tonight's
    `created`), a changed row is built again, a row left out stays left out for the same reason:
    the same bytes as building every row, in this process or with v3 in a second one."""
    import pyarrow as pa

    last_night = pa.Table.from_pylist(
        [product_row(number) for number in range(1, 31)] + [product_row(31, cpc_code=None)]
    )
    _, built = pact.export_files_reusing(last_night, CREATED)
    assert set(built) == {"v2", "v3"} and all(len(rows) == 31 for rows in built.values())
    assert built["v2"][pact.row_digests(last_night)[-1]][0] is None  # v2 needs a CPC code

    tonight_rows = last_night.to_pylist()
    tonight_rows[4]["pcf_excl_biogenic_kgco2e_per_unit"] = 2.5000000001  # restated
    tonight_rows.append(product_row(32))  # new
    tonight = pa.Table.from_pylist(tonight_rows)
    created = "2025-07-01T00:00:00+08:00"
    expected = export_files(tonight, created)
    for parallel_from in (pact.PARALLEL_EXPORT_ROWS, 2):
        monkeypatch.setattr(pact, "PARALLEL_EXPORT_ROWS", parallel_from)
        files, again = pact.export_files_reusing(tonight, created, built)
        assert files == expected
        assert {version: len(rows) for version, rows in again.items()} == {"v2": 32, "v3": 32}

    # what is taken from the last night is not built again: a marked footprint comes through as kept
    digests = pact.row_digests(tonight)
    marked = {version: dict(rows) for version, rows in built.items()}
    for version in marked:
        for index in (0, 4):
            footprint = json.loads(marked[version][digests[0]][0])
            assert footprint["created"] == pact.KEPT_CREATED
            footprint["productNameCompany"] = f"kept {index}"
            marked[version][pact.row_digests(last_night)[index]] = (pact._fragment(footprint), None)
    files, _ = pact.export_files_reusing(tonight, created, marked)
    for version in ("v2", "v3"):
        names = {f["productNameCompany"] for f in footprints_of(json.loads(files[version][0]))}
        assert "kept 0" in names and "kept 4" not in names and "Product 5" in names  # row 5 changed: built again
        assert files[version][1] == expected[version][1]
        assert {f["created"] for f in footprints_of(json.loads(files[version][0]))} == {created}


def test_kept_footprints_come_back_from_their_file_in_any_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a night built, kept in its Parquet file and read back, gives the same files without
    building a footprint; so does a file whose versions' rows are interleaved (read by filtering
    instead of slicing), and a mapping of digest → (footprint, reason) in place of `Kept`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from orchestration.publish.pact_exports import earlier_footprints, remember_footprints

    table = pa.Table.from_pylist([product_row(number) for number in range(1, 13)] + [product_row(13, cpc_code=None)])
    files, built = pact.export_files_reusing(table, CREATED)
    exporter = pact.exporter_digest(table.schema)
    remember_footprints(tmp_path / "kept.parquet", exporter, built)
    stored = pq.read_table(tmp_path / "kept.parquet")
    interleaved = stored.take(pa.array([index for pair in zip(range(13), range(13, 26)) for index in pair]))
    pq.write_table(interleaved.replace_schema_metadata(stored.schema.metadata), tmp_path / "interleaved.parquet")

    def refuse(row, footprint_id, created):
        raise AssertionError(f"footprint {footprint_id} was built again")

    monkeypatch.setattr(pact, "_BUILDERS", {"v2": refuse, "v3": refuse})
    for name in ("kept.parquet", "interleaved.parquet"):
        kept = earlier_footprints(tmp_path / name, exporter)
        assert {version: len(entries) for version, entries in kept.items()} == {"v2": 13, "v3": 13}
        assert pact.export_files_reusing(table, CREATED, kept)[0] == files
    as_dicts = {version: dict(entries) for version, entries in built.items()}
    assert pact.export_files_reusing(table, CREATED, as_dicts)[0] == files
    assert files["v2"][1] == {pact._uuid(table.column("product_footprint_id")[12].as_py()): as_dicts["v2"][pact.row_digests(table)[12]][1]}


def test_footprints_kept_in_many_chunks_give_the_same_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file kept in row groups of 4 comes back as a pool of chunks; tonight a row changed, one is
    new, one is gone: the files are those of building every row, and what is kept again comes back
    the same way the next night."""
    import pyarrow as pa

    from orchestration.publish import pact_exports

    monkeypatch.setattr(pact_exports, "WRITE_ROWS", 4)
    last_night = pa.Table.from_pylist([product_row(number) for number in range(1, 15)] + [product_row(15, cpc_code=None)])
    _, built = pact.export_files_reusing(last_night, CREATED)
    exporter = pact.exporter_digest(last_night.schema)
    pact_exports.remember_footprints(tmp_path / "kept.parquet", exporter, built)
    kept = pact_exports.earlier_footprints(tmp_path / "kept.parquet", exporter)
    assert all(entries.footprints.num_chunks > 1 for entries in kept.values())

    rows = last_night.to_pylist()
    rows[6]["pcf_excl_biogenic_kgco2e_per_unit"] = 7.25  # restated
    del rows[2]  # gone
    rows.insert(0, product_row(16))  # new, first in the table
    tonight = pa.Table.from_pylist(rows, schema=last_night.schema)
    created = "2025-07-01T00:00:00+08:00"
    files, again = pact.export_files_reusing(tonight, created, kept)
    assert files == export_files(tonight, created)
    assert {version: len(entries) for version, entries in again.items()} == {"v2": 15, "v3": 15}
    pact_exports.remember_footprints(tmp_path / "again.parquet", exporter, again)
    assert pact.export_files_reusing(tonight, created, pact_exports.earlier_footprints(tmp_path / "again.parquet", exporter))[0] == files


def test_exports_are_reused_only_under_the_same_code_and_columns() -> None:
    import pyarrow as pa

    table = pa.Table.from_pylist([product_row(1)])
    wider = table.append_column("note", pa.array(["x"]))
    assert pact.exporter_digest(table.schema) == pact.exporter_digest(table.schema)
    assert pact.exporter_digest(wider.schema) != pact.exporter_digest(table.schema)


def test_export_accepts_warehouse_types() -> None:
    """Rows straight from Arrow/DuckDB carry dates and decimals, not strings and floats."""
    from datetime import date
    from decimal import Decimal

    row = product_row(1, reporting_period_start=date(2024, 1, 1), reporting_period_end=date(2024, 12, 31),
                      pcf_excl_biogenic_kgco2e_per_unit=Decimal("2.5"), dqr=Decimal("2.2"),
                      is_verified=True, verifier_name="CQC", verification_date=date(2025, 3, 1))
    assert pact_json_bytes(to_pact_v3([row], CREATED)[0]) == pact_json_bytes(to_pact_v3([product_row(
        1, is_verified=True, verifier_name="CQC", verification_date="2025-03-01")], CREATED)[0])


def test_export_refuses_programming_errors() -> None:
    with pytest.raises(ValueError, match="time zone"):
        to_pact_v3([product_row()], "2025-06-30")
    with pytest.raises(ValueError, match="more than once"):
        to_pact_v3([product_row(1), product_row(1)], CREATED)
    with pytest.raises(ValueError, match="not a UUID"):
        to_pact_v3([product_row(1, product_footprint_id="P-1")], CREATED)


# ------------------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("export", [to_pact_v2, to_pact_v3], ids=["v2", "v3"])
def test_round_trip_through_our_import(tmp_path: Path, export: Any) -> None:
    rows = varied_rows()
    payload, skipped = export(rows, CREATED)
    assert skipped == {}
    path = tmp_path / "export.json"
    path.write_bytes(pact_json_bytes(payload))
    records = {record["pact_id"]: record for record in read_pact_file(path)}
    v3 = export is to_pact_v3

    for row in rows:
        record = records[row["product_footprint_id"]]
        unit = pact_unit(row, 3 if v3 else 2)
        # Back in the importer's terms: values per ONE PACT unit (kg for t, head_year and 2.x piece).
        per_pact_unit = 1.0 if unit.unit == "piece" else unit.amount
        assert record["company_uscc"] == row["company_uscc"]
        assert record["company_name"] == row["company_name"]
        assert record["product_code"] == row["product_code"]
        assert record["product_name"] == row["product_name"]
        assert record["product_category"] == row["product_category"]
        assert record["hs_code"] == row["hs_code"]
        assert record["cpc_code"] == row["cpc_code"]
        assert record["reporting_period_start"] == row["reporting_period_start"]
        assert record["reporting_period_end"] == row["reporting_period_end"]
        assert record["system_boundary"] == row["system_boundary"]
        assert record["gwp_set"] == row["gwp_set"]
        assert record["status"] == "Active"
        assert record["geography"] == province_subdivision(row["company_uscc"])
        assert record["primary_data_share_pct"] == row["primary_data_share_pct"]
        assert record["is_verified"] is (bool(row["is_verified"]) if v3 or row["is_verified"] else None)
        assert record["verifier_name"] == row["verifier_name"]
        assert record["verification_date"] == row["verification_date"]
        expected_unit = {"kilogram": "kg", "liter": "L", "megajoule": "MJ", "piece": "piece"}[unit.unit]
        assert record["declared_unit"] == expected_unit
        for ours, theirs in (("pcf_excl_biogenic_kgco2e_per_unit", "pcf_excl_biogenic_kgco2e_per_unit"),
                             ("pcf_incl_biogenic_kgco2e_per_unit", "pcf_incl_biogenic_kgco2e_per_unit")):
            assert record[theirs] == pytest.approx(row[ours] / per_pact_unit, rel=1e-11)
        fossil = row["fossil_ghg_kgco2e_per_unit"]
        expected_fossil = row["pcf_excl_biogenic_kgco2e_per_unit"] if fossil is None else fossil
        expected_fossil /= per_pact_unit
        assert record["fossil_ghg_kgco2e_per_unit"] == pytest.approx(expected_fossil, rel=1e-11)
        if v3 and row.get("dq_technological") is not None:
            assert record["dqr"] == pytest.approx((1.5 + 2.0 + 2.25) / 3)
        else:
            assert record["dqr"] is None  # only the combined EU PEF rating is known: no PACT dqi


def test_declared_unit_amount_and_mass_survive_the_round_trip() -> None:
    rows = [product_row(1, declared_unit="t"), product_row(2, declared_unit="piece", product_mass_kg=65.5),
            product_row(3, declared_unit="L", product_mass_kg=1.01)]
    exported = json.loads(pact_json_bytes(to_pact_v3(rows, CREATED)[0]))
    records = {record["pact_id"][-1]: record for record in parse_pact(exported)}
    assert (records["1"]["declared_unit"], records["1"]["declared_unit_amount"]) == ("kg", 1000.0)
    assert records["1"]["product_mass_kg"] == 1.0
    assert (records["2"]["declared_unit"], records["2"]["product_mass_kg"]) == ("piece", 65.5)
    assert records["3"]["product_mass_kg"] == 1.01


# ------------------------------------------------------------------------------------ bad payloads


def rejected(payload: Any) -> tuple[str, str]:
    with pytest.raises(FileRejected) as caught:
        parse_pact(payload)
    return caught.value.problem.code, str(caught.value.problem.details.get("value", ""))


def minimal_v3(**pcf_overrides: Any) -> dict[str, Any]:
    payload = to_pact_v3([product_row()], CREATED)[0]["data"][0]
    payload["pcf"].update(pcf_overrides)
    return payload


def test_payload_shapes_accepted() -> None:
    footprint = minimal_v3()
    assert len(parse_pact(footprint)) == 1
    assert len(parse_pact([footprint, footprint])) == 2
    assert len(parse_pact({"data": [footprint]})) == 1
    # `null` is "undefined" in PACT; exponents are tolerated on import as the spec's prose allows.
    records = parse_pact(minimal_v3(pcfIncludingBiogenicUptake=None, pcfExcludingBiogenicUptake="2.5e0"))
    assert records[0]["pcf_incl_biogenic_kgco2e_per_unit"] is None
    assert records[0]["pcf_excl_biogenic_kgco2e_per_unit"] == 2.5


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (42, "a number, not an object or a list"),
        ("text", "a string"),
        ({"hello": "world"}, "neither 'pcf'"),
        ({"data": {"id": "x"}}, "'data' is not a list"),
        ([], "no footprint"),
        ({"data": []}, "no footprint"),
        (["footprint"], "item 1 is a string"),
        ([{"id": "x", "specVersion": "3.0.0", "pcf": {}}, {"id": "y", "specVersion": "3.0.0"}], "has no"),
        ({"id": "x", "pcf": {}}, "the footprint has no 'specVersion'"),
        ({"id": "x", "specVersion": "1.0.0", "pcf": {}}, "only PACT 2.x and 3.x"),
        ({"id": "x", "specVersion": "three", "pcf": {}}, "not major.minor.patch"),
        ({"id": "x", "specVersion": "3.0.0", "pcf": []}, "'pcf' is a list"),
    ],
)
def test_not_pact_payloads_are_refused(payload: Any, fragment: str) -> None:
    code, value = rejected(payload)
    assert code == "FILE_NOT_PACT"
    assert fragment in value


def test_not_pact_names_the_item_and_field() -> None:
    good = minimal_v3()
    no_pcf = {key: value for key, value in good.items() if key != "pcf"}
    assert rejected([good, good, no_pcf]) == ("FILE_NOT_PACT", "item 3 has no 'pcf'")
    _, value = rejected(minimal_v3(pcfExcludingBiogenicUptake="about 3"))
    assert "'pcf.pcfExcludingBiogenicUptake' is 'about 3', not a decimal number" in value
    _, value = rejected(minimal_v3(pcfExcludingBiogenicUptake=None))
    assert "has no 'pcf.pcfExcludingBiogenicUptake'" in value
    _, value = rejected(minimal_v3(declaredUnitAmount="0"))
    assert "greater than 0" in value
    _, value = rejected(minimal_v3(referencePeriodEnd="last year"))
    assert "referencePeriodEnd" in value
    _, value = rejected({**good, "id": None})
    assert "has no 'id'" in value


def test_file_problems(tmp_path: Path) -> None:
    def code_and_value(content: bytes, **kwargs: Any) -> tuple[str, str]:
        path = tmp_path / "submission.json"
        path.write_bytes(content)
        with pytest.raises(FileRejected) as caught:
            read_pact_file(path, **kwargs)
        return caught.value.problem.code, caught.value.problem.message_en

    assert code_and_value(b"")[0] == "FILE_EMPTY"
    assert code_and_value(b"  \n\t ")[0] == "FILE_EMPTY"
    code, message = code_and_value(b'{\n  "data": [\n    {"id": 1,}\n  ]\n}')
    assert code == "FILE_BROKEN_JSON" and "line 3 column" in message
    code, message = code_and_value(b'{"data": [NaN]}')
    assert code == "FILE_BROKEN_JSON" and "NaN" in message
    code, message = code_and_value('{"companyName": "青岛"}'.encode("gb18030"))
    assert code == "FILE_BROKEN_JSON" and "not UTF-8" in message
    code, message = code_and_value(b"[" * 100_000 + b"]" * 100_000)
    assert code == "FILE_BROKEN_JSON"
    code, message = code_and_value(b"[" + b" " * 3 * 1024 * 1024 + b"]", max_bytes=2 * 1024 * 1024)
    assert code == "FILE_TOO_LARGE" and "3.0 MB" in message and "limit is 2 MB" in message
    assert code_and_value(b"[]")[0] == "FILE_NOT_PACT"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + pact_json_bytes(to_pact_v3([product_row()], CREATED)[0]))
    (record,) = read_pact_file(path)
    assert record["company_name"] == "青岛示例电器有限公司"


# ----------------------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (-0.0, "0"),
        (1, "1"),
        (2.5, "2.5"),
        (1e-7, "0.0000001"),
        (1.5e20, "150000000000000000000"),
        (-14.22, "-14.22"),
        (1 / 3, "0.333333333333"),
        (0.1 + 0.2, "0.3"),
        (1.234 / 1000, "0.001234"),
        (123456789.123456789, "123456789.123"),
    ],
)
def test_decimal_string(value: float, text: str) -> None:
    assert decimal_string(value) == text
    assert "e" not in text.lower()


def _decimal_string_by_decimal(number: float, significant: int = 12) -> str:
    """The rounding rule spelled out with Decimal alone, for comparison with the fast path."""
    exact = Decimal(repr(number))
    if exact.is_zero():
        return "0"
    if len(exact.as_tuple().digits) > significant:
        exact = exact.quantize(Decimal(1).scaleb(exact.adjusted() - significant + 1), rounding=ROUND_HALF_EVEN)
    text = format(exact.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def test_decimal_string_short_values_agree_with_the_decimal_rule() -> None:
    generator = random.Random(7)
    values = [0.0, -0.0, 1.0, -1.0, 100.0, 0.5, -0.25, 1e15, 123456.789, 99999999999.0, 0.00012]
    values += [round(generator.uniform(-1e6, 1e6), generator.randint(0, 8)) for _ in range(5000)]
    values += [generator.uniform(-1e3, 1e3) * 10 ** generator.randint(-12, 12) for _ in range(5000)]
    for value in values:
        assert decimal_string(value) == _decimal_string_by_decimal(value), value


def test_decimal_string_agrees_with_the_decimal_rule_on_ties_and_any_double() -> None:
    """Values whose repr has one digit more than kept, ending in 5, are ties the float may break otherwise."""
    generator = random.Random(11)
    ties = [float(f"{generator.randint(10**11, 10**12 - 1)}5e{generator.randint(-20, 0)}") for _ in range(3000)]
    ties += [0.1234567890125, 1234567.890125, 2.0000000000005]
    doubles = [struct.unpack("d", struct.pack("Q", generator.getrandbits(64)))[0] for _ in range(20000)]
    for value in ties + [v for v in doubles if math.isfinite(v)]:
        assert decimal_string(value) == _decimal_string_by_decimal(value), value
    for value in [float(f"{generator.randint(100, 999)}5e{generator.randint(-8, 3)}") for _ in range(3000)]:
        assert decimal_string(value, 3) == _decimal_string_by_decimal(value, 3), value


def test_pact_file_bytes_are_the_standard_library_indented_json() -> None:
    rows = [product_row(i) for i in range(1, 6)] + [product_row(9, product_name="名称\u2028 \"quoted\" \\ tab\t 😀")]
    for export in (to_pact_v2, to_pact_v3):
        payload = export(rows, CREATED)[0]
        assert pact_json_bytes(payload) == (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode()


def test_decimal_string_refuses_non_finite() -> None:
    with pytest.raises(ValueError):
        decimal_string(float("nan"))


def test_province_subdivision() -> None:
    assert province_subdivision(USCC) == "CN-SD"
    assert province_subdivision("91110000100000000X") == "CN-BJ"
    assert province_subdivision("91440300000000000X") == "CN-GD"
    assert province_subdivision("91100000000000000X") is None  # 10: central registration, no province
    assert province_subdivision(None) is None
