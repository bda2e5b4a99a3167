"""`pcf check FILE`: the night's validation of one submission file, offline, before sending it.

The file is read and checked by the same code and SQL rules as the nightly ingestion, in an
in-memory DuckDB. When a local warehouse exists, factor and supplier references are also checked
against the factor set in effect there. Nothing is written anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from orchestration.ingest.rules import load_reference_tables
from orchestration.ingest.submissions import _store_footprints, _store_rows, parse_submission
from orchestration.problems import FileRejected, Problem
from orchestration.warehouse import create_raw_schema, duckdb_path

CHECK_ID = "check"

_REFERENCE_SQL = """
with rows as (
    select r.*, u.dimension as unit_dimension
    from raw.submission_rows r left join ref_units u on u.unit = r.unit
),
factors as (
    select f.factor_id, f.activity_code, f.activity_unit, u.dimension
    from warehouse.main.emission_factors f left join ref_units u on u.unit = f.activity_unit
)
select source_sheet, source_row, 'activity_code' as column_name, activity_code as value, null as expected,
       'UNKNOWN_ACTIVITY_CODE' as code, company_uscc || '/' || product_code as product
from rows
where activity_code is not null and activity_code not in (select activity_code from factors)
union all
select source_sheet, source_row, 'factor_id', factor_id, null, 'UNKNOWN_FACTOR_ID', company_uscc || '/' || product_code
from rows
where factor_id is not null and factor_id not in (select factor_id from factors)
union all
select source_sheet, source_row, 'unit', unit, any_value(f.activity_unit), 'UNIT_DIMENSION_MISMATCH',
       company_uscc || '/' || product_code
from rows
join factors f on (rows.activity_code = f.activity_code or rows.factor_id = f.factor_id)
where rows.unit_dimension is not null
group by all
having not bool_or(f.dimension = rows.unit_dimension)
"""


def _reference_problems(connection: duckdb.DuckDBPyConnection, warehouse: Path) -> list[Problem]:
    connection.execute(f"attach '{warehouse}' as warehouse (read_only)")
    try:
        tables = connection.execute(
            "select count(*) from duckdb_tables() where database_name = 'warehouse' and schema_name = 'main' and table_name = 'emission_factors'"
        ).fetchall()[0][0]
        if not tables:
            return []
        rows = connection.execute(_REFERENCE_SQL).fetchall()
        units = dict(connection.execute("select unit, dimension from ref_units").fetchall())
    finally:
        connection.execute("detach warehouse")
    return [
        Problem(
            code,
            row=row,
            sheet=sheet or None,
            column=column,
            product=product,
            details={"value": value, "expected": expected, "value_dimension": units.get(value), "expected_dimension": units.get(expected)},
        )
        for sheet, row, column, value, expected, code, product in rows
    ]


def check_file(path: Path, home: Path | None = None) -> dict[str, Any]:
    """The feedback report the night would give this file (without cross-company checks)."""
    report: dict[str, Any] = {"file_name": path.name, "status": "accepted", "rows_received": 0, "rows_accepted": 0, "rows_quarantined": 0, "problems": []}
    connection = duckdb.connect()
    try:
        create_raw_schema(connection)
        load_reference_tables(connection)
        try:
            parsed = parse_submission(path)
        except FileRejected as rejected:
            report.update(status="quarantined", problems=[rejected.problem.as_dict()])
            return report
        report.update(format=parsed.format, encoding=parsed.encoding)
        problems = list(parsed.warnings)
        if parsed.rows is not None:
            _store_rows(connection, CHECK_ID, parsed.rows)
        else:
            _store_footprints(connection, CHECK_ID, parsed.footprints or [])
        if home is not None and duckdb_path(home).exists() and parsed.rows is not None:
            problems += _reference_problems(connection, duckdb_path(home))
        stored = [
            {"sheet": sheet or None, "row": row, "column": column, "product": product, "code": code, "severity": severity,
             "message_en": en, "message_zh": zh}
            for sheet, row, column, product, code, severity, en, zh in connection.execute(
                "select source_sheet, source_row, column_name, product_key, code, severity, message_en, message_zh from raw.problems"
            ).fetchall()
        ]
        all_problems = stored + [p.as_dict() for p in problems]
        received = connection.execute(
            "select source_sheet, source_row, company_uscc || '/' || product_code from raw.submission_rows "
            "union all select '', source_row, company_uscc || '/' || product_code from raw.pact_footprints"
        ).fetchall()
    finally:
        connection.close()
    bad_products = {p["product"] for p in all_problems if p.get("severity") == "error" and p.get("product")}
    bad_rows = {(p.get("sheet") or "", p.get("row")) for p in all_problems if p.get("severity") == "error"}
    quarantined = sum(1 for sheet, row, product in received if product is None or product in bad_products or (sheet or "", row) in bad_rows)
    report.update(
        rows_received=len(received),
        rows_accepted=len(received) - quarantined,
        rows_quarantined=quarantined,
        problems=sorted(all_problems, key=lambda p: (p.get("sheet") or "", p.get("row") or 0, p.get("column") or "", p["code"])),
    )
    if quarantined:
        report["status"] = "quarantined" if quarantined == len(received) else "partially accepted"
    return report
