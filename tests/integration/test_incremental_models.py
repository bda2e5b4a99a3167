"""The activity-level models built incrementally give what a whole build gives.

A generated home runs real nights: a first (whole) build; a night with a new company and a
resubmission that supersedes another company's products (incremental: rows added and deleted);
and a night under another GWP set (the factors in effect change: every factor is chosen again).
After each incremental night a copy of the warehouse is built whole by dbt (--full-refresh) and
the activity-level tables, the product-level ones and the marts compared row for row. A change to
the project's files makes the next night build them whole.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path

import duckdb

from orchestration.generate import add_company, generate
from orchestration.home import Home
from orchestration.runner import EXIT_BLOCKED, EXIT_OK, run_nightly
from orchestration.transform.assets import scoped_environ
from orchestration.transform.invocation import DbtBuild
from orchestration.transform.project import (
    dbt_build_args,
    dbt_env,
    dbt_location_args,
    dbt_project,
    needs_full_refresh,
    project_digest,
    run_results,
)

COMPANIES, PRODUCTS, LINES = 8, 3, 6
COMPARED = ["int_activity_rows", "int_activity_factors", "int_activity_footprints", "int_product_footprints", "int_submission_row_outcomes"]
MARTS = ["product_footprints", "category_benchmarks", "trade_statistics"]


def resubmit_with_one_amount_doubled(root: Path) -> None:
    """A company sends its file again, one amount changed: its products are superseded."""
    for path in sorted((root / "landing" / "submissions").glob("*.csv")):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        rows = list(csv.DictReader(io.StringIO(text)))
        if not rows or not rows[0].get("amount"):
            continue
        rows[0]["amount"] = str(float(rows[0]["amount"]) * 2)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.with_name(path.stem + "-resent.csv").write_text(out.getvalue(), encoding="utf-8")
        return
    raise AssertionError("no UTF-8 CSV submission to resend")


def whole_build(home: Home, scratch: Path) -> Path:
    """A copy of the home's warehouse, built whole by dbt (the night's run settings kept)."""
    copy = Home(scratch).ensure()
    shutil.copy(home.duckdb, copy.duckdb)
    with connect_rows(copy.duckdb) as connection:
        rows = connection.execute("select count(*) from raw.submission_rows").fetchone()[0]
    with scoped_environ(dbt_env(copy, rows)):
        list(DbtBuild([*dbt_build_args(full_refresh=True), *dbt_location_args(copy.dbt_target)]).events())
    return copy.duckdb


def connect_rows(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def differences(night: Path, whole: Path) -> dict[str, tuple[int, int]]:
    """Per table: rows only in the night's build, rows only in the whole build (the build times left out)."""
    found = {}
    with duckdb.connect() as connection:
        connection.execute(f"attach '{night}' as night (read_only)")
        connection.execute(f"attach '{whole}' as whole (read_only)")
        for table in COMPARED + MARTS:
            schema = "intermediate" if table.startswith("int_") else "main"
            columns = [
                name
                for (name,) in connection.execute(
                    "select column_name from duckdb_columns() where database_name = 'whole' and schema_name = ? and table_name = ? "
                    "and column_name not like '%built_at' order by column_index",
                    [schema, table],
                ).fetchall()
            ]
            assert columns, table
            listed = ", ".join(f'"{name}"' for name in columns)
            only_night, only_whole, count = connection.execute(
                f"""select
                    (select count(*) from (select {listed} from night.{schema}.{table} except all select {listed} from whole.{schema}.{table})),
                    (select count(*) from (select {listed} from whole.{schema}.{table} except all select {listed} from night.{schema}.{table})),
                    (select count(*) from whole.{schema}.{table})"""
            ).fetchone()
            assert count > 0 or table not in ("int_activity_rows", "int_activity_factors"), table
            if only_night or only_whole:
                found[table] = (only_night, only_whole)
    return found


def builds_of(home: Home, table: str) -> int:
    with connect_rows(home.duckdb) as connection:
        return connection.execute(f"select count(distinct built_at) from intermediate.{table}").fetchone()[0]


def assert_lost_and_doubled_outcomes_are_found(home: Home, scratch: Path) -> None:
    """After an incremental night, on a copy of the warehouse: an outcome of an earlier build lost
    is found by its submission's count, an outcome of the latest build given twice row by row."""
    from orchestration.transform.assets import failing_rows

    test = "assert_row_outcomes_account_for_every_row"
    copy = Home(scratch).ensure()
    shutil.copy(home.duckdb, copy.duckdb)
    assert failing_rows(copy, home.dbt_target, test) == ""
    table = "intermediate.int_submission_row_outcomes"
    with duckdb.connect(str(copy.duckdb)) as connection:
        (lost,) = connection.execute(
            f"select submission_id from {table} where built_at < (select max(built_at) from {table}) order by all limit 1"
        ).fetchone()
        connection.execute(f"delete from {table} where rowid = (select min(rowid) from {table} where submission_id = ?)", [lost])
        (twice,) = connection.execute(
            f"select source_row from {table} where built_at = (select max(built_at) from {table}) order by all limit 1"
        ).fetchone()
        connection.execute(
            f"insert into {table} select * from {table} where built_at = (select max(built_at) from {table}) order by all limit 1"
        )
    found = failing_rows(copy, home.dbt_target, test).split("; ")
    assert any(f"submission_id={lost}, source_sheet=None, source_row=None" in row for row in found), found
    assert any(f"source_row={twice}," in row and row.endswith("outcomes=2") for row in found), found


def files_through(home: Home) -> int:
    with connect_rows(home.duckdb) as connection:
        return connection.execute("select files_through from pipeline.dbt_builds").fetchone()[0]


def assert_received_rows_are_checked_once(home: Home, scratch: Path, through: int) -> None:
    """After an incremental night the tests of the received rows read the submissions received
    since the last build (after `through`): on a copy of the warehouse, a row stored twice is found
    in the latest submission and not in one an earlier build checked."""
    from orchestration.transform.assets import failing_rows

    test = "stg_submissions__rows_rules"
    compiled = next(r["compiled_code"] for r in run_results(home.dbt_target) if r["unique_id"].split(".")[2] == test)
    assert f"received_seq > {through}" in compiled
    copy = Home(scratch).ensure()
    shutil.copy(home.duckdb, copy.duckdb)
    assert failing_rows(copy, home.dbt_target, test) == ""
    with duckdb.connect(str(copy.duckdb)) as connection:
        earlier, latest = connection.execute(
            "select min(submission_id) filter (where received_seq <= $1), max(submission_id) filter (where received_seq > $1) "
            "from raw.files where kind = 'submission' and file_status = 'read'",
            [through],
        ).fetchone()
        for submission_id in (earlier, latest):
            connection.execute(
                "insert into raw.parsed_submission_rows by name select * from raw.submission_rows where submission_id = ? limit 1",
                [submission_id],
            )
    assert failing_rows(copy, home.dbt_target, test) == "unique(submission_id, source_sheet, source_row): 1"


def test_incremental_nights_build_what_a_whole_build_builds(tmp_path):
    root = tmp_path / "home"
    generate(root, COMPANIES, PRODUCTS, LINES, seed=5, workers=1)
    home = Home(root).ensure()
    assert run_nightly(home, as_of=date(2026, 6, 30)).exit_code == EXIT_OK
    assert builds_of(home, "int_activity_rows") == 1
    with connect_rows(home.duckdb) as connection:
        assert not needs_full_refresh(connection, project_digest())  # recorded: the next night adds
        first_through = connection.execute("select max(received_seq) from raw.files").fetchone()[0]
    assert files_through(home) == first_through

    add_company(root, COMPANIES + 1, PRODUCTS, LINES, seed=5)
    resubmit_with_one_amount_doubled(root)
    assert run_nightly(home, as_of=date(2026, 7, 1)).exit_code == EXIT_OK
    assert builds_of(home, "int_activity_rows") == 2  # the earlier rows kept, the new ones added
    with connect_rows(home.duckdb) as connection:
        superseded = connection.execute(
            "select count(*) from intermediate.int_submission_products where not is_current and file_name not like '%-resent.csv'"
        ).fetchone()[0]
        assert superseded == PRODUCTS  # the resent file's products replaced the first file's
        added = connection.execute(
            "select count(*) from intermediate.int_activity_rows where built_at = (select max(built_at) from intermediate.int_activity_rows)"
        ).fetchone()[0]
    validated = json.loads((root / "validation" / "int_activity_rows.json").read_text(encoding="utf-8"))
    assert validated["success"] and validated["row_count"] == added == 2 * PRODUCTS * LINES  # the new rows, not every row again
    assert builds_of(home, "int_activity_factors") == 2
    assert builds_of(home, "int_activity_footprints") == 2
    assert builds_of(home, "int_submission_row_outcomes") == 2  # the earlier files' outcomes kept
    built = {result["unique_id"] for result in run_results(home.dbt_target)}
    assert not {node for node in built if node.startswith("seed.") or ".stg_" in node and node.startswith("model.")}
    assert {"units_rules", "stg_submissions__rows_rules"} <= {node.split(".")[2] for node in built if node.startswith("test.")}
    assert differences(home.duckdb, whole_build(home, tmp_path / "whole-1")) == {}
    assert_lost_and_doubled_outcomes_are_found(home, tmp_path / "damaged")
    assert_received_rows_are_checked_once(home, tmp_path / "damaged-rows", first_through)
    assert files_through(home) > first_through

    assert run_nightly(home, as_of=date(2026, 7, 2), gwp_set="AR5").exit_code == EXIT_OK
    assert builds_of(home, "int_activity_rows") == 2
    assert builds_of(home, "int_activity_factors") == 1  # other factor values: every row chosen again
    assert builds_of(home, "int_activity_footprints") == 1  # and every row's emissions with it
    assert differences(home.duckdb, whole_build(home, tmp_path / "whole-2")) == {}


def test_other_project_files_rebuild_the_incremental_models_whole(tmp_path):
    project = tmp_path / "models"
    shutil.copytree(dbt_project.project_dir, project, ignore=shutil.ignore_patterns("target", "logs"))
    before = project_digest(project)
    assert project_digest(project) == before
    model = project / "transform" / "intermediate" / "int_activity_factors.sql"
    model.write_text(model.read_text() + "\n-- a comment\n")
    assert project_digest(project) != before
    with duckdb.connect() as connection:
        connection.execute("create schema pipeline")
        connection.execute("create table pipeline.dbt_builds (project_digest varchar, built_at timestamptz)")
        assert needs_full_refresh(connection, before)  # no build yet
        connection.execute("insert into pipeline.dbt_builds values (?, now())", [before])
        assert not needs_full_refresh(connection, before)
        assert needs_full_refresh(connection, project_digest(project))


def outcomes_of(home: Home, company_uscc: str) -> set[tuple[str, bool]]:
    """The row statuses of a company's rows, and whether a graph problem decided them."""
    with connect_rows(home.duckdb) as connection:
        return set(
            connection.execute(
                "select distinct row_status, is_graph_decided from intermediate.int_submission_row_outcomes where product_key like ?",
                [company_uscc + "/%"],
            ).fetchall()
        )


def test_row_outcomes_follow_the_graph_problems_as_they_come_and_go(tmp_path):
    """int_submission_row_outcomes keeps a unit's rows while no graph problem touches it: here a
    refrigerator whose steel supplier is missing (its rows quarantined by the graph), then received
    (accepted: the rows the graph decided are decided again), then out of reach again when the
    as-of date moves back before the steel arrived (the steel's rows leave, the fridge's are
    quarantined again). After each night the table is what a whole build makes of the warehouse."""
    from tests.conftest import FIXTURES

    fridge, steel = "91370102MA3D4PL2Q1", "91370211MA3C0RB5XK"
    root = tmp_path / "home"
    (root / "landing" / "submissions").mkdir(parents=True)
    shutil.copytree(FIXTURES / "tiny" / "landing" / "factors", root / "landing" / "factors")
    shutil.copy(FIXTURES / "tiny" / "landing" / "submissions" / "fridge.csv", root / "landing" / "submissions")
    home = Home(root).ensure()

    # nothing can be published without the steel (the footprints' suite wants a row): blocked, built
    assert run_nightly(home, as_of=date(2026, 1, 15)).exit_code == EXIT_BLOCKED
    assert outcomes_of(home, fridge) == {("quarantined", True)}

    shutil.copy(FIXTURES / "tiny" / "landing" / "submissions" / "steel.csv", root / "landing" / "submissions")
    assert run_nightly(home, as_of=date(2026, 1, 16)).exit_code == EXIT_OK
    assert outcomes_of(home, fridge) == {("accepted", False)}
    assert outcomes_of(home, steel) == {("accepted", False)}
    assert builds_of(home, "int_submission_row_outcomes") == 1  # every unit built again: the fridge's and the new steel's
    assert differences(home.duckdb, whole_build(home, tmp_path / "whole-1")) == {}

    assert run_nightly(home, as_of=date(2026, 1, 15)).exit_code == EXIT_BLOCKED  # before the steel was received
    assert outcomes_of(home, steel) == set()
    assert outcomes_of(home, fridge) == {("quarantined", True)}
    assert differences(home.duckdb, whole_build(home, tmp_path / "whole-2")) == {}
