"""Property: whatever a submission file holds, every row received is accepted or quarantined (SPEC §7).

Generated CSV files (random mixes of valid and invalid cells per column, random row counts, broken
headers, other encodings, now and then random bytes) go through the real ingestion layer
(`ingest_submissions`) into a fresh in-memory DuckDB; then the row accounting of the nightly job
runs on it: the SQL of the staging models and of `int_submission_row_outcomes`, rendered from
`models/` (the graph-level problems of `int_product_problems`, which need the whole dbt build, are
left empty here; the integration corpus covers them). For every file:

- ingestion never raises, and a file it cannot read is quarantined whole with one file-level reason;
- a file it can read keeps every data row (received = the non-blank records under the header);
- received = accepted + quarantined, and a row is accepted exactly when neither it nor any row of
  its product has an error, and it belongs to a product.

`pytest --hypothesis-show-statistics` shows the mix of outcomes the examples reached.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from datetime import date
from pathlib import Path

import duckdb
import jinja2
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from orchestration.codes import make_uscc
from orchestration.home import DBT_PROJECT_DIR, Home
from orchestration.ingest.submissions import ingest_submissions
from orchestration.inputs import SUBMISSION_COLUMNS
from orchestration.problems import REASONS
from orchestration.transform.project import write_run_settings
from orchestration.warehouse import create_raw_schema

AS_OF = date(2026, 1, 15)
HEADER = [column.name for column in SUBMISSION_COLUMNS]
REQUIRED = {column.name for column in SUBMISSION_COLUMNS if column.required}
USCC_QINGDAO = make_uscc("91370211MA3C0RB5X")
USCC_JINAN = make_uscc("91370102MA3D4PL2Q")
USCC_TYPO = USCC_QINGDAO[:17] + ("0" if USCC_QINGDAO[17] != "0" else "1")

# --- the SQL of the row accounting, rendered from the dbt project --------------------------------

MODELS = DBT_PROJECT_DIR / "transform"
MACROS = "\n".join(path.read_text() for path in sorted((DBT_PROJECT_DIR / "macros").glob("*.sql")))
STAGING = {
    "stg_submissions__files": "staging/submissions/stg_submissions__files.sql",
    "stg_submissions__rows": "staging/submissions/stg_submissions__rows.sql",
    "stg_submissions__pact_footprints": "staging/submissions/stg_submissions__pact_footprints.sql",
    "stg_submissions__problems": "staging/submissions/stg_submissions__problems.sql",
}
OUTCOMES = "intermediate/int_submission_row_outcomes.sql"
GRAPH_PROBLEMS_DDL = """create table intermediate.int_product_problems (
    submission_id varchar, source_sheet varchar, source_row bigint, product_key varchar,
    column_name varchar, code varchar, details varchar)"""


def _ref(name: str) -> str:
    if name in STAGING:
        return f"staging.{name}"
    if name == "int_product_problems":
        return "intermediate.int_product_problems"
    raise AssertionError(f"int_submission_row_outcomes now refers to {name}: stub it in this test")


def _render(relative: str) -> str:
    """A model's SQL with ref/source and the project's macros, as dbt would compile it."""
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    template = environment.from_string(MACROS + "\n" + (MODELS / relative).read_text())
    return template.render(
        ref=_ref,
        source=lambda schema, table: f"{schema}.{table}",
        config=lambda **_: "",
        is_incremental=lambda: False,  # a first build: every row built
    )


RENDERED = {name: _render(path) for name, path in STAGING.items()}
RENDERED_OUTCOMES = _render(OUTCOMES)


def _row_outcomes(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("create schema staging; create schema intermediate")
    for name, sql in RENDERED.items():
        connection.execute(f"create view staging.{name} as {sql}")
    connection.execute(GRAPH_PROBLEMS_DDL)
    write_run_settings(connection, AS_OF.isoformat(), "AR6")
    connection.execute(f"create table intermediate.int_submission_row_outcomes as {RENDERED_OUTCOMES}")


# --- generated files -----------------------------------------------------------------------------

TEXT = st.text(alphabet=st.sampled_from("abcXYZ 019-_.,;'\"\n\t/钢铁电力冰箱青岛济南"), max_size=12)
NUMBER = st.one_of(
    st.sampled_from(["1000", "0", "-5", "0.8", "1.5", "1,000", "abc", "nan", "inf", "-inf", "1e400", " 12 ", ""]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
DATE = st.sampled_from(["2025-01-01", "2025-12-31", "2024-06-30", "2025-02-30", "31/12/2025", "2025-1-1", ""])
CELLS = {
    "company_uscc": st.sampled_from([USCC_QINGDAO, USCC_JINAN, USCC_TYPO, "91370211", "", "abc"]),
    "product_code": st.sampled_from(["P1", "P2", "钢-3", ""]),
    "product_category": st.sampled_from(["steel.hot_rolled", "appliance.refrigerator", "steel.x", ""]),
    "hs_code": st.sampled_from(["720839", "84AB", "", "1234567890123"]),
    "declared_unit": st.sampled_from(["t", "piece", "kg", "furlong", ""]),
    "product_mass_kg": NUMBER,
    "reporting_period_start": DATE,
    "reporting_period_end": DATE,
    "production_volume": NUMBER,
    "system_boundary": st.sampled_from(["cradle_to_gate", "cradle_to_grave", "gate_to_gate", ""]),
    "disclosure": st.sampled_from(["public", "restricted", "private", "secret", ""]),
    "verification_date": DATE,
    "export_volume": NUMBER,
    "export_markets": st.sampled_from(["US;DE", "UK", "", ";", "US;;XX"]),
    "lifecycle_stage": st.sampled_from(["raw_materials", "production", "use", "end_of_life", "recycling", ""]),
    "amount": NUMBER,
    "unit": st.sampled_from(["kg", "t", "kWh", "MWh", "GJ", "tkm", "furlong", ""]),
    "activity_code": st.sampled_from(["electricity.grid", "iron_ore", "unknown.code", "", ""]),
    "factor_id": st.sampled_from(["T.NG", "", "", ""]),
    "supplier_product": st.sampled_from([f"{USCC_QINGDAO}/P2", "not-a-reference", "", "", ""]),
    "data_source": st.sampled_from(["primary", "secondary", "measured", ""]),
    "allocation_share": NUMBER,
}


NAME = st.one_of(st.sampled_from(["Corpus Co.", "青岛钢铁", "steel coil"]), TEXT)

# Valid products and activities; a generated row starts as one of them and then has 0-3 cells replaced.
PERIOD = {"reporting_period_start": "2025-01-01", "reporting_period_end": "2025-12-31", "disclosure": "public"}
PRODUCTS = {
    "P1": {"company_uscc": USCC_QINGDAO, "company_name": "青岛示例钢铁", "product_code": "P1", "product_name": "热轧卷板",
           "product_category": "steel.hot_rolled", "hs_code": "720839", "declared_unit": "t", "production_volume": "1000",
           "system_boundary": "cradle_to_gate", **PERIOD},
    "P2": {"company_uscc": USCC_QINGDAO, "company_name": "青岛示例钢铁", "product_code": "P2", "product_name": "Fridge",
           "product_category": "appliance.refrigerator", "declared_unit": "piece", "product_mass_kg": "60",
           "production_volume": "10000", "system_boundary": "cradle_to_grave", "export_volume": "10",
           "export_markets": "US;DE", **PERIOD},
}  # fmt: skip
ACTIVITIES = {
    "P1": [
        {"lifecycle_stage": "raw_materials", "activity_name": "铁矿石", "amount": "1600", "unit": "t", "activity_code": "iron_ore", "data_source": "secondary"},
        {"lifecycle_stage": "production", "activity_name": "electricity", "amount": "500000", "unit": "kWh", "activity_code": "electricity.grid", "data_source": "primary"},
        {"lifecycle_stage": "production", "activity_name": "gas", "amount": "20000", "unit": "GJ", "factor_id": "T.NG", "data_source": "primary", "allocation_share": "1"},
    ],
    "P2": [
        {"lifecycle_stage": "raw_materials", "activity_name": "steel", "amount": "500", "unit": "t", "supplier_product": f"{USCC_QINGDAO}/P1", "data_source": "primary", "allocation_share": "0.8"},
        {"lifecycle_stage": "use", "activity_name": "use-phase power", "amount": "3000000", "unit": "kWh", "activity_code": "electricity.grid", "data_source": "secondary"},
    ],
}  # fmt: skip


def _cell(name: str) -> st.SearchStrategy[str]:
    """Mostly the column's own pool of valid and invalid values, sometimes any text."""
    pool = CELLS.get(name, NAME)
    return st.one_of(pool, pool, pool, TEXT)


@st.composite
def submission_row(draw, header: list[str]) -> dict[str, str]:
    """A valid row of P1 or P2, then (half the time) one to three cells replaced."""
    code = draw(st.sampled_from(sorted(PRODUCTS)))
    row = {**PRODUCTS[code], **draw(st.sampled_from(ACTIVITIES[code]))}
    row = {name: row.get(name, "") for name in header}
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):
        name = draw(st.sampled_from(header))
        row[name] = draw(_cell(name))
    return row


@st.composite
def submission_file(draw) -> tuple[bytes, int | None]:
    """(bytes of a .csv, the data rows a reader must keep, or None when the file is meant to be bad)."""
    if draw(st.sampled_from(["text"] * 14 + ["random bytes"])) == "random bytes":
        return draw(st.binary(max_size=300)), None
    header = [name for name in HEADER if name in REQUIRED or draw(st.sampled_from([True, True, True, False]))]
    broken = False
    if draw(st.sampled_from([False] * 9 + [True])):
        header.remove(draw(st.sampled_from(sorted(REQUIRED))))
        broken = True
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    if draw(st.sampled_from([False] * 4 + [True])):
        header.append("remarks")
    rows = draw(st.lists(submission_row(header), max_size=8))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[name] for name in header])
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    kept = sum(1 for row in rows if any(value.strip() for value in row.values()))
    return text.encode(encoding), None if broken or encoding == "utf-16" or kept == 0 else kept


# --- the property --------------------------------------------------------------------------------


@settings(max_examples=45, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=st.lists(submission_file(), min_size=1, max_size=2))
def test_every_received_row_is_accepted_or_quarantined(files):
    root = Path(tempfile.mkdtemp(prefix="pcf-property-"))
    try:
        home = Home(root).ensure()
        for index, (content, _) in enumerate(files):
            (home.landing / "submissions" / f"file_{index}.csv").write_bytes(content)
        connection = duckdb.connect()
        try:
            create_raw_schema(connection)
            ingest_submissions(connection, home, AS_OF)
            _row_outcomes(connection)
            _check(connection, files)
        finally:
            connection.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _check(connection: duckdb.DuckDBPyConnection, files: list[tuple[bytes, int | None]]) -> None:
    recorded = {
        name: (status, reason, submission_id)
        for name, status, reason, submission_id in connection.execute(
            "select file_name, file_status, reason_code, submission_id from raw.files"
        ).fetchall()
    }
    first_names = {}
    for index, (content, _) in enumerate(files):
        first_names.setdefault(content, f"file_{index}.csv")
    assert set(recorded) == set(first_names.values())  # the same bytes twice are one submission
    for content, expected_rows in files:
        status, reason, submission_id = recorded[first_names[content]]
        if expected_rows is not None:
            assert status == "read", f"a well-formed file was quarantined: {reason}"
        _check_file(connection, submission_id, status, reason, expected_rows)


def _check_file(
    connection: duckdb.DuckDBPyConnection, submission_id: str, status: str, reason: str | None, expected_rows: int | None
) -> None:
    stored = connection.execute(
        "select count(*) from raw.submission_rows where submission_id = ?", [submission_id]
    ).fetchone()[0]
    problems = connection.execute(
        "select source_row, code, severity, message_en, message_zh from raw.problems where submission_id = ?",
        [submission_id],
    ).fetchall()
    for _, code, severity, message_en, message_zh in problems:
        assert code in REASONS and severity == REASONS[code].severity
        assert message_en.strip() and message_zh.strip()
    event(f"file {status} {reason or ''}".rstrip())
    if status == "quarantined":
        assert stored == 0 and reason.startswith("FILE_")
        assert [(row, code) for row, code, severity, *_ in problems if severity == "error"] == [(None, reason)]
        return
    assert status == "read"
    if expected_rows is not None:
        assert stored == expected_rows, "a data row of a readable file was lost"
    received, accepted, quarantined = connection.execute(
        """select count(*), count(*) filter (where row_status = 'accepted'),
                  count(*) filter (where row_status = 'quarantined')
           from intermediate.int_submission_row_outcomes where submission_id = ?""",
        [submission_id],
    ).fetchone()
    assert received == stored == accepted + quarantined
    event(f"rows accepted: {accepted > 0}, rows quarantined: {quarantined > 0}")
    wrongly_accepted = connection.execute(
        """select count(*) from intermediate.int_submission_row_outcomes as outcome
           where submission_id = ? and row_status = 'accepted'
             and (product_key is null or exists (
                 select 1 from raw.problems as problem
                 where problem.submission_id = outcome.submission_id and problem.severity = 'error'
                   and (problem.product_key = outcome.product_key
                        or (problem.source_sheet = outcome.source_sheet and problem.source_row = outcome.source_row))))""",
        [submission_id],
    ).fetchone()[0]
    assert wrongly_accepted == 0, "a row was accepted although it or its product has an error"
    orphans = connection.execute(
        """select count(*) from raw.problems as problem
           where submission_id = ? and severity = 'error' and source_row is not null
             and not exists (select 1 from raw.submission_rows as received
                             where received.submission_id = problem.submission_id
                               and received.source_sheet = problem.source_sheet
                               and received.source_row = problem.source_row)""",
        [submission_id],
    ).fetchone()[0]
    assert orphans == 0, "an error points at a row that was not received"
