"""Row rules of container shipment files (SPEC §3.3, §7) on tiny inputs in an in-memory DuckDB."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from orchestration.codes import container_number_problem, make_container_number
from orchestration.ingest.rules import load_reference_tables
from orchestration.ingest.shipments import (
    SHIPMENT_RULES,
    check_shipment_rows,
    ensure_shipment_tables,
    read_shipment_table,
)
from orchestration.inputs import SHIPMENT_COLUMNS
from orchestration.problems import REASONS, FileRejected

CONTAINER = make_container_number("CSQU305438")  # CSQU3054383
SHIPPER = "91370211MA3C0RB5XK"
ROAD = {
    "shipment_id": "S1", "container_no": CONTAINER, "teu": "2", "cargo_mass_t": "18", "shipper_uscc": SHIPPER,
    "element_seq": "1", "element_type": "transport", "mode": "road", "origin_locode": "CNJNA",
    "destination_locode": "CNTAO", "distance_km": "360", "departure_date": "2025-03-03",
    "activity_code": "transport.road.truck",
}
HUB = {
    **ROAD, "element_seq": "2", "element_type": "hub", "mode": None, "hub_type": "maritime_container_terminal",
    "origin_locode": "CNTAO", "destination_locode": None, "distance_km": None,
    "activity_code": "hub.maritime_container_terminal",
}
SEA = {
    **ROAD, "element_seq": "3", "mode": "sea", "origin_locode": "CNTAO", "destination_locode": "NLRTM",
    "distance_km": "19500", "energy_carrier": "fuel.hfo", "energy_amount": "410.5", "energy_unit": "kg",
    "activity_code": None,
}


@pytest.fixture()
def connection():
    con = duckdb.connect()
    ensure_shipment_tables(con)
    load_reference_tables(con)
    yield con
    con.close()


def problems(connection, rows: list[dict]) -> list[tuple]:
    """(source_row, column, code, shipment_id) of every problem, rows numbered from 2 like a spreadsheet."""
    names = [c.name for c in SHIPMENT_COLUMNS]
    table = pa.table(
        {
            "submission_id": pa.array(["f"] * len(rows), pa.string()),
            "source_row": pa.array(range(2, 2 + len(rows)), pa.int64()),
            **{name: pa.array([row.get(name) for row in rows], pa.string()) for name in names},
        }
    )
    connection.register("incoming", table)
    connection.execute("create or replace temp table rows_in as select * from incoming")
    connection.execute("delete from raw.shipment_problems")
    check_shipment_rows(connection, "rows_in")
    return connection.execute(
        "select source_row, column_name, code, shipment_id from raw.shipment_problems order by all"
    ).fetchall()


def messages(connection, code: str) -> list[tuple[str, str]]:
    return connection.execute(
        "select message_en, message_zh from raw.shipment_problems where code = ? order by source_row", [code]
    ).fetchall()


def test_a_valid_three_element_chain_has_no_problems(connection):
    assert problems(connection, [ROAD, HUB, SEA]) == []


def test_a_bad_check_digit_is_reported_with_the_expected_digit(connection):
    typo = CONTAINER[:-1] + str((int(CONTAINER[-1]) + 1) % 10)
    assert container_number_problem(typo) is not None
    found = problems(connection, [{**ROAD, "container_no": typo}, {**HUB, "container_no": typo}])
    assert found == [(2, "container_no", "CONTAINER_CHECK_DIGIT", "S1"), (3, "container_no", "CONTAINER_CHECK_DIGIT", "S1")]
    en, zh = messages(connection, "CONTAINER_CHECK_DIGIT")[0]
    assert typo in en and f"should be {CONTAINER[-1]}" in en
    assert typo in zh and f"校验码应为 {CONTAINER[-1]}" in zh


@pytest.mark.parametrize("number", ["CSQU305438", "CSQX3054383", "csqu3054383", "CSQU30543A3", "CSQU30543833"])
def test_a_malformed_container_number_is_a_format_problem(connection, number):
    assert problems(connection, [{**ROAD, "container_no": number}]) == [(2, "container_no", "CONTAINER_FORMAT", "S1")]


def test_sql_and_codes_agree_on_container_numbers(connection):
    numbers = [make_container_number(p) for p in ("MSCU123456", "TGHU765432", "OOLU246810", "CMAU135791", "ABCZ000000")]
    numbers += [n[:-1] + str((int(n[-1]) + 3) % 10) for n in numbers]
    rows = [{**ROAD, "shipment_id": f"S{i}", "container_no": n} for i, n in enumerate(numbers)]
    flagged = {row for row, _, code, _ in problems(connection, rows) if code.startswith("CONTAINER")}
    expected = {i + 2 for i, n in enumerate(numbers) if container_number_problem(n) is not None}
    assert flagged == expected and len(expected) == 5


@pytest.mark.parametrize(
    ("column", "value"),
    [("origin_locode", "XXABC"), ("origin_locode", "CNTA0"), ("destination_locode", "cntao"), ("destination_locode", "CN TAO")],
)
def test_a_bad_locode_is_reported_on_its_column(connection, column, value):
    assert problems(connection, [{**ROAD, column: value}]) == [(2, column, "BAD_LOCODE", "S1")]
    en, zh = messages(connection, "BAD_LOCODE")[0]
    assert value in en and column in en and value in zh


def test_international_waters_locode_is_accepted(connection):
    assert problems(connection, [{**SEA, "destination_locode": "XZAAA"}]) == []


@pytest.mark.parametrize(
    "change",
    [
        {"energy_carrier": "fuel.diesel", "energy_amount": "40", "energy_unit": "L"},  # both
        {"activity_code": None},  # neither
        {"activity_code": None, "energy_carrier": "fuel.diesel", "energy_amount": "40"},  # energy without unit
    ],
)
def test_measured_energy_or_a_default_intensity_not_both_not_neither(connection, change):
    assert ("ENERGY_OR_ACTIVITY" in {code for _, _, code, _ in problems(connection, [{**ROAD, **change}])})


def test_element_types_need_their_own_mode_or_hub_type(connection):
    found = problems(
        connection,
        [
            {**ROAD, "mode": None},
            {**HUB, "mode": "road"},
            {**HUB, "element_seq": "3", "hub_type": None},
            {**ROAD, "element_seq": "4", "element_type": "ship"},
        ],
    )
    assert (2, "mode", "BAD_ELEMENT_TYPE", "S1") in found
    assert (3, "hub_type", "BAD_ELEMENT_TYPE", "S1") in found
    assert (4, "hub_type", "BAD_ELEMENT_TYPE", "S1") in found
    assert (5, "element_type", "BAD_CHOICE", "S1") in found


def test_transport_needs_distance_and_destination_a_hub_does_not(connection):
    found = problems(connection, [{**ROAD, "distance_km": None, "destination_locode": None}, HUB])
    assert found == [(2, "destination_locode", "REQUIRED_MISSING", "S1"), (2, "distance_km", "REQUIRED_MISSING", "S1")]


def test_numbers_teu_and_sequence(connection):
    found = problems(
        connection,
        [
            {**ROAD, "teu": "3"},
            {**HUB, "teu": "3", "element_seq": "1.5"},
            {**SEA, "teu": "3", "distance_km": "-5", "energy_amount": "lots", "element_seq": "0"},
        ],
    )
    codes = {(row, column, code) for row, column, code, _ in found}
    assert {(2, "teu", "BAD_CHOICE"), (3, "teu", "BAD_CHOICE"), (4, "teu", "BAD_CHOICE")} <= codes
    assert {(3, "element_seq", "BAD_ELEMENT_SEQ"), (4, "element_seq", "BAD_ELEMENT_SEQ")} <= codes
    assert {(4, "distance_km", "NOT_POSITIVE"), (4, "energy_amount", "NOT_A_NUMBER")} <= codes


def test_duplicate_element_seq_within_a_shipment(connection):
    found = problems(connection, [ROAD, {**HUB, "element_seq": "1"}, {**ROAD, "shipment_id": "S2"}])
    assert found == [(2, "element_seq", "DUPLICATE_ELEMENT_SEQ", "S1"), (3, "element_seq", "DUPLICATE_ELEMENT_SEQ", "S1")]


def test_shipment_columns_agree_on_every_row(connection):
    found = problems(connection, [ROAD, HUB, {**SEA, "teu": "1"}])
    assert found == [(4, "teu", "INCONSISTENT_SHIPMENT", "S1")]
    en, zh = messages(connection, "INCONSISTENT_SHIPMENT")[0]
    assert "'1' against '2'" in en and "S1" in zh


def test_shipper_uscc_is_checked_like_a_company_uscc(connection):
    typo = SHIPPER[:-1] + ("A" if SHIPPER[-1] != "A" else "B")
    found = problems(connection, [{**ROAD, "shipper_uscc": typo}, {**ROAD, "shipment_id": "S2", "shipper_uscc": "not-a-code"}])
    assert found == [(2, "shipper_uscc", "USCC_CHECK_CHARACTER", "S1"), (3, "shipper_uscc", "USCC_FORMAT", "S2")]


def test_required_columns_and_dates(connection):
    found = problems(connection, [{**ROAD, "shipment_id": None, "departure_date": "03/03/2025"}])
    assert (2, "shipment_id", "REQUIRED_MISSING", None) in found
    assert (2, "departure_date", "BAD_DATE", None) in found


def test_every_rule_has_a_bilingual_reason():
    for rule in SHIPMENT_RULES:
        reason = REASONS[rule.code]
        assert reason.message_en and reason.message_zh
    for code in ("CONTAINER_FORMAT", "CONTAINER_CHECK_DIGIT", "BAD_LOCODE", "BAD_ELEMENT_TYPE", "ENERGY_OR_ACTIVITY",
                 "INCONSISTENT_SHIPMENT", "SHIPMENT_HAS_REJECTED_ROWS", "NO_FACTOR_FOR_SCOPE", "NO_FACTOR_FOR_ORIGIN",
                 "SHIPMENT_FILE_TYPE"):
        assert code in REASONS


def test_reader_takes_csv_only_and_accepts_chinese_headers(tmp_path):
    with pytest.raises(FileRejected) as rejected:
        read_shipment_table(tmp_path / "chains.xlsx")
    assert rejected.value.problem.code == "SHIPMENT_FILE_TYPE"
    path = tmp_path / "chains.csv"
    header = [c.label_zh if c.name in ("shipment_id", "container_no") else c.name for c in SHIPMENT_COLUMNS]
    path.write_text(
        ",".join(header) + "\n" + ",".join(ROAD.get(c.name) or "" for c in SHIPMENT_COLUMNS) + "\n", encoding="utf-8-sig"
    )
    read = read_shipment_table(path)
    assert read.table.num_rows == 1
    assert read.table.column("shipment_id").to_pylist() == ["S1"]
    assert read.table.column("container_no").to_pylist() == [CONTAINER]
    assert read.table.column("source_row").to_pylist() == [2]


def test_reader_rejects_a_file_missing_required_columns(tmp_path):
    path = tmp_path / "chains.csv"
    path.write_text("shipment_id,container_no\nS1,CSQU3054383\n", encoding="utf-8")
    with pytest.raises(FileRejected) as rejected:
        read_shipment_table(path)
    assert rejected.value.problem.code == "FILE_MISSING_COLUMNS"
