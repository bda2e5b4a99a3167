"""Container shipments: landing/shipments/*.csv → archive + raw.shipment_rows / raw.shipment_problems.

One row per transport-chain element (ISO 14083, SPEC §3.3). Files are taken in exactly as company
submissions are (SPEC §7): archived by sha256, recorded in raw.files (kind 'shipment'), every row
stored as received text, every problem stored beside it with its reason code and bilingual message;
a file that cannot be read is quarantined whole. The row rules run in DuckDB over the whole file;
container numbers and UN/LOCODEs are judged by `orchestration.codes`, the one definition of those
codes. Factor choice and the kgCO2e arithmetic live in the dbt graph (int_shipment_element_factors,
int_shipment_elements); this module also writes the per-file feedback once the graph has run.
The restricted mart shipment_footprints is written by the release asset's `publish_restricted`.

No `from __future__ import annotations` here: Dagster rejects string annotations on its contexts.
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, asset, multi_asset

from orchestration.codes import container_number_problem, iso6346_check_digit, is_unlocode
from orchestration.feedback import PROBLEM_FIELDS, render_markdown, write_report
from orchestration.home import Home
from orchestration.ingest.archive import known_hashes, landed_files, remember_hashes
from orchestration.ingest.assets import INGEST_RETRY, receipt_date
from orchestration.ingest.rules import RowRule, _messages_sql, _sql_list, _sql_text, load_reference_tables, row_problems_sql
from orchestration.ingest.submissions import ingest_file, next_received_seq
from orchestration.inputs import SHIPMENT_COLUMNS
from orchestration.io import readers
from orchestration.problems import FileRejected, Problem
from orchestration.resources import PcfSettings
from orchestration.warehouse import connect

MAX_FILE_BYTES = 50 * 1024 * 1024
KIND = "shipment"
LANDING_FOLDER = "shipments"

_TEXT_COLUMNS = ",\n    ".join(f"{c.name} varchar" for c in SHIPMENT_COLUMNS)
SHIPMENT_DDL = f"""
create schema if not exists raw;

-- every row of every readable shipment file, exactly as received (typing happens in staging)
create table if not exists raw.shipment_rows (
    submission_id varchar not null,
    source_row bigint not null,
    {_TEXT_COLUMNS}
);

-- every problem found in a shipment file at ingestion, file- or row-level
create table if not exists raw.shipment_problems (
    submission_id varchar not null,
    source_row bigint,
    column_name varchar,
    shipment_id varchar,
    code varchar not null,
    severity varchar not null,       -- error | warning
    message_en varchar not null,
    message_zh varchar not null
);
"""


def ensure_shipment_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """The raw tables of this module (the shared RAW_DDL knows nothing of them)."""
    connection.execute(SHIPMENT_DDL)


# --- reading -----------------------------------------------------------------------------------


def read_shipment_table(path: Path, max_bytes: int = MAX_FILE_BYTES) -> readers.TableRead:
    """A shipment CSV as strings: SHIPMENT_COLUMNS in registry order, source_row, source_sheet ('').

    Grain: one row per transport-chain element. Same encodings, header aliases and whole-file
    reasons as submissions; anything but .csv is SHIPMENT_FILE_TYPE.
    """
    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise FileRejected("SHIPMENT_FILE_TYPE", value=path.suffix.lower().lstrip(".") or path.name)
    return readers._read_csv(path, SHIPMENT_COLUMNS, max_bytes)


# --- row rules ---------------------------------------------------------------------------------

_BY_NAME = {c.name: c for c in SHIPMENT_COLUMNS}
NUMBER_COLUMNS = ("cargo_mass_t", "distance_km", "energy_amount")
CONSISTENT_COLUMNS = ("container_no", "teu", "cargo_mass_t", "shipper_uscc")  # one value per shipment
_ENERGY_COUNT = "((energy_carrier is not null)::int + (energy_amount is not null)::int + (energy_unit is not null)::int)"


def _choice_rule(name: str) -> RowRule:
    choices = _BY_NAME[name].choices
    return RowRule(
        "BAD_CHOICE",
        name,
        f"{name} is not null and not list_contains({_sql_list(choices)}, {name})",
        value=name,
        expected=_sql_text(", ".join(choices)),
    )


def _shipment_rules() -> tuple[RowRule, ...]:
    rules = [RowRule("REQUIRED_MISSING", c.name, f"{c.name} is null") for c in SHIPMENT_COLUMNS if c.required]
    rules += [
        RowRule("REQUIRED_MISSING", c, f"element_type = 'transport' and {c} is null")
        for c in ("destination_locode", "distance_km")
    ]
    rules += [
        RowRule("USCC_FORMAT", "shipper_uscc", "shipper_uscc is not null and not pcf_uscc_format_ok(shipper_uscc)", value="shipper_uscc"),
        RowRule(
            "USCC_CHECK_CHARACTER",
            "shipper_uscc",
            "pcf_uscc_format_ok(shipper_uscc) and shipper_uscc[18] <> pcf_uscc_expected(shipper_uscc)",
            value="shipper_uscc",
            expected="pcf_uscc_expected(shipper_uscc)",
        ),
        RowRule(
            "USCC_AREA_UNKNOWN",
            "shipper_uscc",
            "pcf_uscc_format_ok(shipper_uscc) and shipper_uscc[3:4] not in (select gbt2260_code from ref_geographies where level = 'province')",
            value="shipper_uscc",
            expected="shipper_uscc[3:8]",
        ),
        RowRule(
            "CONTAINER_FORMAT",
            "container_no",
            "container_no in (select checked_container_no from ref_container_checks where not is_format_ok)",
            value="container_no",
        ),
        RowRule(
            "CONTAINER_CHECK_DIGIT",
            "container_no",
            "container_no in (select checked_container_no from ref_container_checks where is_format_ok and not is_valid)",
            value="container_no",
            expected="(select expected_check_digit from ref_container_checks where checked_container_no = container_no)",
        ),
    ]
    rules += [
        RowRule("BAD_LOCODE", c, f"{c} in (select checked_locode from ref_locode_checks where not is_valid)", value=c)
        for c in ("origin_locode", "destination_locode")
    ]
    rules.append(
        RowRule("BAD_CHOICE", "teu", "teu is not null and coalesce(pcf_num(teu) not in (1, 2), true)", value="teu", expected="'1, 2'")
    )
    rules += [RowRule("NOT_A_NUMBER", c, f"not pcf_is_num({c})", value=c) for c in NUMBER_COLUMNS]
    rules += [
        RowRule("NOT_FINITE", c, f"pcf_num({c}) is not null and not isfinite(pcf_num({c}))", value=c) for c in NUMBER_COLUMNS
    ]
    rules += [RowRule("NOT_POSITIVE", c, f"pcf_num({c}) <= 0", value=c) for c in ("cargo_mass_t", "distance_km")]
    rules.append(RowRule("NEGATIVE_AMOUNT", "energy_amount", "pcf_num(energy_amount) < 0", value="energy_amount"))
    rules.append(
        RowRule(
            "BAD_ELEMENT_SEQ",
            "element_seq",
            "element_seq is not null and coalesce(not (pcf_num(element_seq) >= 1 and pcf_num(element_seq) = floor(pcf_num(element_seq))), true)",
            value="element_seq",
        )
    )
    rules.append(RowRule("DUPLICATE_ELEMENT_SEQ", "element_seq", "_element_seq_count > 1", value="element_seq"))
    rules.append(RowRule("BAD_DATE", "departure_date", "departure_date is not null and pcf_date(departure_date) is null", value="departure_date"))
    rules += [_choice_rule(name) for name in ("element_type", "mode", "hub_type")]
    rules += [
        RowRule("BAD_ELEMENT_TYPE", "mode", "element_type = 'transport' and (mode is null or hub_type is not null)", value="element_type"),
        RowRule("BAD_ELEMENT_TYPE", "hub_type", "element_type = 'hub' and (hub_type is null or mode is not null)", value="element_type"),
        RowRule(
            "ENERGY_OR_ACTIVITY",
            "energy_carrier",
            f"{_ENERGY_COUNT} not in (0, 3) or ({_ENERGY_COUNT} = 3) = (activity_code is not null)",
        ),
        RowRule("UNKNOWN_UNIT", "energy_unit", "energy_unit is not null and energy_unit not in (select unit from ref_units)", value="energy_unit"),
    ]
    return tuple(rules)


SHIPMENT_RULES: tuple[RowRule, ...] = _shipment_rules()


def _load_code_checks(connection: duckdb.DuckDBPyConnection, rows_table: str) -> None:
    """Temporary tables judging each distinct container number and UN/LOCODE with orchestration.codes."""
    containers = [
        row[0]
        for row in connection.execute(
            f"select distinct container_no from {rows_table} where container_no is not null order by 1"
        ).fetchall()
    ]
    format_ok, valid, expected = [], [], []
    for number in containers:
        problem = container_number_problem(number)
        digit = None
        if len(number) == 11 and number[10].isdigit():
            try:
                digit = str(iso6346_check_digit(number[:10]))
            except ValueError:
                digit = None
        format_ok.append(digit is not None)
        valid.append(problem is None)
        expected.append(digit)
    checks = pa.table(
        {
            "checked_container_no": pa.array(containers, pa.string()),
            "is_format_ok": pa.array(format_ok, pa.bool_()),
            "is_valid": pa.array(valid, pa.bool_()),
            "expected_check_digit": pa.array(expected, pa.string()),
        }
    )
    locodes = [
        row[0]
        for row in connection.execute(
            f"""select distinct code from (
                    select origin_locode as code from {rows_table}
                    union all select destination_locode from {rows_table}
                ) where code is not null order by 1"""
        ).fetchall()
    ]
    locode_checks = pa.table(
        {
            "checked_locode": pa.array(locodes, pa.string()),
            "is_valid": pa.array([is_unlocode(code) for code in locodes], pa.bool_()),
        }
    )
    for name, table in (("ref_container_checks", checks), ("ref_locode_checks", locode_checks)):
        connection.register(f"incoming_{name}", table)
        connection.execute(f"create or replace temp table {name} as select * from incoming_{name}")
        connection.unregister(f"incoming_{name}")


def _consistency_sql(rows_table: str) -> str:
    """Rows whose shipment-level columns differ from the most common value of their shipment in the file."""
    message_en, message_zh = _messages_sql("INCONSISTENT_SHIPMENT")
    return f"""
        select submission_id, source_sheet, source_row, _column as column_name, _product as product_key,
               'INCONSISTENT_SHIPMENT' as code, 'error' as severity,
               {message_en} as message_en, {message_zh} as message_zh
        from (
            with cells as (
                unpivot (
                    select submission_id, source_sheet, source_row, shipment_id as _product,
                           {", ".join(f"coalesce({c}, '') as {c}" for c in CONSISTENT_COLUMNS)}
                    from {rows_table}
                    where shipment_id is not null
                ) on {", ".join(CONSISTENT_COLUMNS)} into name _column value _value
            ),
            modal as (
                select submission_id, _product, _column, mode(_value order by _value) as _expected
                from cells group by all
            )
            select cells.*, modal._expected
            from cells join modal using (submission_id, _product, _column)
            where cells._value <> modal._expected
        )"""


def shipment_problems_sql(rows_table: str) -> str:
    """One query: a problem row (raw.shipment_problems columns) for every rule every row breaks."""
    rules_sql = row_problems_sql(rows_table, SHIPMENT_RULES, consistency=False, key_sql="shipment_id")
    return f"""
        select submission_id, source_row, column_name, product_key as shipment_id, code, severity, message_en, message_zh
        from ({rules_sql} union all {_consistency_sql(rows_table)})"""


def check_shipment_rows(connection: duckdb.DuckDBPyConnection, rows_table: str, target: str = "raw.shipment_problems") -> int:
    """Append the problems of every row of `rows_table` to `target`; returns how many were found.

    `rows_table` holds submission_id, source_row and SHIPMENT_COLUMNS as text. The reference tables
    (`load_reference_tables`) must be loaded on this connection.
    """
    connection.execute(
        f"""create or replace temp table checked_shipment_rows as
            select *, '' as source_sheet,
                   count(*) over (partition by submission_id, shipment_id, pcf_num(element_seq)) as _element_seq_count
            from {rows_table}"""
    )
    _load_code_checks(connection, "checked_shipment_rows")
    before = connection.execute(f"select count(*) from {target}").fetchall()[0][0]
    connection.execute(f"insert into {target} by name ({shipment_problems_sql('checked_shipment_rows')})")
    return connection.execute(f"select count(*) from {target}").fetchall()[0][0] - before


# --- ingestion ---------------------------------------------------------------------------------


def _insert_problem(connection: duckdb.DuckDBPyConnection, submission_id: str, problem: Problem) -> None:
    connection.execute(
        "insert into raw.shipment_problems values (?, ?, ?, ?, ?, ?, ?, ?)",
        [submission_id, problem.row, problem.column, problem.product, problem.code, problem.severity,
         problem.message_en, problem.message_zh],
    )


def _store_rows(connection: duckdb.DuckDBPyConnection, submission_id: str, rows: pa.Table) -> None:
    connection.register("incoming_shipment_rows", rows)
    connection.execute(
        "insert into raw.shipment_rows by name select ? as submission_id, * exclude (source_sheet) from incoming_shipment_rows",
        [submission_id],
    )
    connection.unregister("incoming_shipment_rows")
    connection.execute(
        "create or replace temp table new_shipment_rows as select * from raw.shipment_rows where submission_id = ?",
        [submission_id],
    )
    check_shipment_rows(connection, "new_shipment_rows")


def store_shipments(connection: duckdb.DuckDBPyConnection, submission_id: str, path: Path) -> tuple[str, str | None]:
    """Read a shipment file and store its rows; returns (format, encoding)."""
    read = read_shipment_table(path)
    for warning in read.warnings:
        _insert_problem(connection, submission_id, warning)
    _store_rows(connection, submission_id, read.table)
    return read.format, read.encoding


@dataclass(frozen=True)
class ShipmentIngestSummary:
    files_seen: int
    files_new: int
    files_quarantined: int


def ingest_shipment_files(connection: duckdb.DuckDBPyConnection, home: Home, received_date: date) -> ShipmentIngestSummary:
    """Take in every file in landing/shipments/ not received before (by content)."""
    ensure_shipment_tables(connection)
    landed = landed_files(home, LANDING_FOLDER, known_hashes(connection, LANDING_FOLDER))
    known = {row[0] for row in connection.execute("select file_sha256 from raw.files").fetchall()}
    new = [f for f in landed if f.sha256 not in known]
    unique = list({f.sha256: f for f in reversed(new)}.values())[::-1]  # same bytes twice: one file
    if unique:
        load_reference_tables(connection)
    seq = next_received_seq(connection)
    quarantined = sum(
        ingest_file(
            connection, home, landed_file, received_date, seq + offset,
            kind=KIND, store=store_shipments, record_problem=_insert_problem,
        ) == "quarantined"
        for offset, landed_file in enumerate(unique)
    )
    remember_hashes(connection, LANDING_FOLDER, landed)
    return ShipmentIngestSummary(len(landed), len(unique), quarantined)


# --- feedback ----------------------------------------------------------------------------------


def _problem_record(submission_id: str, row: int | None, column: str | None, shipment_id: str | None, code: str,
                    details: dict[str, Any]) -> dict[str, Any]:
    problem = Problem(code, row=row, column=column, product=shipment_id, details=details)
    return {key: value for key, value in problem.as_dict().items() if key in PROBLEM_FIELDS}


def shipment_reports(connection: duckdb.DuckDBPyConnection, as_of: str) -> dict[str, dict[str, Any]]:
    """Every shipment file received by `as_of`, as the report its sender reads (SPEC §7).

    rows_received = rows_accepted + rows_quarantined; every quarantined row has at least one problem.
    """
    reports: dict[str, dict[str, Any]] = {}
    for submission_id, file_name, received_date, fmt, encoding, file_status in connection.execute(
        """select submission_id, file_name, received_date, format, encoding, file_status
           from raw.files where kind = ? and received_date <= ? order by submission_id""",
        [KIND, as_of],
    ).fetchall():
        reports[submission_id] = {
            "submission_id": submission_id, "file_name": file_name, "received_date": str(received_date),
            "format": fmt, "encoding": encoding, "status": file_status,
            "rows_received": 0, "rows_accepted": 0, "rows_quarantined": 0, "shipments": [], "problems": [],
        }
    for submission_id, received, accepted in connection.execute(
        """select submission_id, count(*), count(*) filter (where row_status = 'accepted')
           from intermediate.int_shipment_elements group by submission_id"""
    ).fetchall():
        if submission_id in reports:
            reports[submission_id].update(rows_received=received, rows_accepted=accepted, rows_quarantined=received - accepted)

    problems: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for submission_id, source_row, column, shipment_id, code, severity, message_en, message_zh in connection.execute(
        """select submission_id, source_row, column_name, shipment_id, code, severity, message_en, message_zh
           from raw.shipment_problems"""
    ).fetchall():
        problems[submission_id].append(
            {"sheet": None, "row": source_row, "column": column, "product": shipment_id, "code": code,
             "severity": severity, "message_en": message_en, "message_zh": message_zh}
        )
    for submission_id, source_row, column, shipment_id, code, details in connection.execute(
        """select f.submission_id, f.source_row, f.problem_column, e.shipment_id, f.problem_code, f.problem_details
           from intermediate.int_shipment_element_factors as f
           inner join intermediate.int_shipment_elements as e using (element_row_key)
           where f.problem_code is not null"""
    ).fetchall():
        problems[submission_id].append(_problem_record(submission_id, source_row, column, shipment_id, code, json.loads(details or "{}")))
    for submission_id, source_row, shipment_id in connection.execute(
        """select submission_id, source_row, shipment_id from intermediate.int_shipment_elements
           where is_blocked_by_shipment"""
    ).fetchall():
        problems[submission_id].append(_problem_record(submission_id, source_row, None, shipment_id, "SHIPMENT_HAS_REJECTED_ROWS", {}))

    for submission_id, shipment_id, elements, accepted, is_current in connection.execute(
        """select submission_id, shipment_id, count(*), bool_and(row_status = 'accepted'), bool_or(is_current)
           from intermediate.int_shipment_elements where shipment_id is not null
           group by all order by all"""
    ).fetchall():
        if submission_id in reports:
            status = ("accepted" if accepted else "quarantined") if is_current else "superseded"
            reports[submission_id]["shipments"].append({"shipment_id": shipment_id, "elements": elements, "status": status})

    for submission_id, report in reports.items():
        report["problems"] = sorted(
            problems.get(submission_id, []),
            key=lambda p: (p.get("row") or 0, p.get("column") or "", p.get("code") or "", p.get("product") or ""),
        )
        if report["status"] == "read":
            report["status"] = "accepted" if report["rows_quarantined"] == 0 else (
                "quarantined" if report["rows_accepted"] == 0 else "partially accepted"
            )
    return reports


def render_shipment_markdown(report: dict[str, Any]) -> str:
    """The shared feedback layout, with a table of the file's shipments before its problems."""
    text = render_markdown(report)
    shipments = report.get("shipments") or []
    if not shipments:
        return text
    lines = ["## Shipments / 运输", "", "| shipment / 运输 | elements / 环节数 | status / 状态 |", "|---|---|---|"]
    lines += [f"| {s['shipment_id']} | {s['elements']} | {s['status']} |" for s in shipments]
    section = "\n".join(lines) + "\n\n"
    head, marker, tail = text.partition("## Problems")
    return head + section + marker + tail if marker else text + "\n" + section


def write_shipment_feedback(home: Home, connection: duckdb.DuckDBPyConnection, as_of: str) -> dict[str, int]:
    """feedback/<submission_id>.json + .md for every shipment file; returns the totals."""
    totals = {"files": 0, "rows_received": 0, "rows_accepted": 0, "rows_quarantined": 0, "files_quarantined": 0}
    for submission_id, report in shipment_reports(connection, as_of).items():
        write_report(home, submission_id, report, render=render_shipment_markdown)
        totals["files"] += 1
        totals["files_quarantined"] += report["status"] == "quarantined" and report["rows_received"] == 0
        for key in ("rows_received", "rows_accepted", "rows_quarantined"):
            totals[key] += report[key]
    return totals


# --- Dagster assets ----------------------------------------------------------------------------


@multi_asset(
    specs=[
        AssetSpec(AssetKey(["raw", "shipment_rows"]), description="One row per transport-chain element of every readable shipment file, as text."),
        AssetSpec(AssetKey(["raw", "shipment_problems"]), description="One row per problem found in a shipment file at ingestion."),
    ],
    group_name="ingest",
    retry_policy=INGEST_RETRY,
    pool="duckdb",
)
def ingest_shipments(context: AssetExecutionContext, settings: PcfSettings):
    """Archive and read new container shipment files from landing/shipments/; bad files are quarantined whole."""
    home = settings.pcf_home()
    with connect(home.root) as connection:
        ensure_shipment_tables(connection)
        received = receipt_date(connection, settings.as_of_date())
        summary = ingest_shipment_files(connection, home, received) if received else None
    if summary is None:
        context.log.info("as-of date is before the latest receipt: reproducing from the archive, nothing new read")
    metadata = {
        "files_new": summary.files_new if summary else 0,
        "files_quarantined": summary.files_quarantined if summary else 0,
    }
    for key in (["raw", "shipment_rows"], ["raw", "shipment_problems"]):
        yield MaterializeResult(asset_key=AssetKey(key), metadata=metadata)


@asset(
    key=AssetKey("shipment_feedback"),
    group_name="publish",
    deps=[AssetKey("int_shipment_elements"), AssetKey("int_shipment_element_factors")],
    pool="duckdb",
)
def shipment_feedback(context: AssetExecutionContext, settings: PcfSettings) -> MaterializeResult:
    """One report per shipment file under feedback/: rows received, accepted, quarantined, every problem."""
    home = settings.pcf_home()
    with connect(home.root, read_only=True) as connection:
        totals = write_shipment_feedback(home, connection, settings.as_of_date().isoformat())
    context.log.info(f"shipment feedback written: {totals}")
    return MaterializeResult(metadata=totals)
