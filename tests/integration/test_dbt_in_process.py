"""dbt builds in the night's own process (orchestration/transform/invocation.py), on a throwaway project.

Its result events arrive while it builds, a failed build says what dbt said, a build nobody reads
any more is interrupted, and after any of them the warehouse can be opened again in this process
with other settings.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from orchestration.transform.invocation import DbtBuild, DbtBuildError
from orchestration.transform.project import run_results

PROJECT = """
name: in_process_check
version: "1.0"
profile: in_process_check
seed-paths: [seeds]
model-paths: [models]
"""

PROFILES = """
in_process_check:
  target: dev
  outputs:
    dev: {type: duckdb, path: "{path}", threads: 1, settings: {memory_limit: 512MB}}
"""

# A query DuckDB needs minutes for, interruptible at any moment.
SLOW = "select count(*) as n from range(1000000000000) as t(i) where i % 7 = 3"


def project(root: Path, **models: str) -> tuple[Path, Path]:
    (root / "seeds").mkdir(parents=True)
    (root / "models").mkdir()
    (root / "dbt_project.yml").write_text(PROJECT)
    database = root / "check.duckdb"
    (root / "profiles.yml").write_text(PROFILES.replace("{path}", str(database)))
    (root / "seeds" / "things.csv").write_text("code,amount\nA,1\nB,2\n")
    for name, sql in models.items():
        (root / "models" / f"{name}.sql").write_text(sql)
    return root, database


def build(root: Path, *select: str) -> DbtBuild:
    target = root / "target"
    return DbtBuild(
        ["build", "--no-write-json", "--project-dir", str(root), "--profiles-dir", str(root), "--target-path", str(target),
         "--log-path", str(target), *(["--select", *select] if select else [])],
        run_results=target / "run_results.json",
    )  # fmt: skip


def test_results_arrive_as_dbt_builds_and_the_warehouse_is_let_go(tmp_path):
    root, database = project(tmp_path, total="select sum(amount) as amount from {{ ref('things') }}")
    events = list(build(root).events())
    assert [(event["info"]["name"], event["data"]["node_info"]["unique_id"]) for event in events] == [
        ("LogSeedResult", "seed.in_process_check.things"),
        ("LogModelResult", "model.in_process_check.total"),
    ]
    assert [event["data"]["status"] for event in events] == ["success", "OK"]
    with duckdb.connect(str(database), read_only=True) as connection:  # other settings than dbt's: refused if still open
        assert connection.execute("select amount from total").fetchall() == [(3,)]
    assert list(build(root, "total").events())[0]["data"]["node_info"]["unique_id"] == "model.in_process_check.total"


def test_the_build_writes_its_run_results_and_no_manifest(tmp_path):
    """dbt writes no artifacts (--no-write-json): the run results the night reads are written by DbtBuild,
    for a failed build too (a failed check's rows are read again from the test's compiled query)."""
    root, _ = project(tmp_path, total="select sum(amount) as amount from {{ ref('things') }}", broken="select nope from {{ ref('things') }}")
    with pytest.raises(DbtBuildError):
        list(build(root).events())
    results = {result["unique_id"]: result["status"] for result in run_results(root / "target")}
    assert results == {
        "seed.in_process_check.things": "success",
        "model.in_process_check.total": "success",
        "model.in_process_check.broken": "error",
    }
    assert not (root / "target" / "manifest.json").exists()
    assert not list((root / "target").glob(".run_results.json.tmp-*"))


def test_a_failed_build_raises_what_dbt_said(tmp_path):
    root, database = project(tmp_path, broken="select no_such_column from {{ ref('things') }}")
    with pytest.raises(DbtBuildError) as raised:
        list(build(root).events())
    assert "broken" in str(raised.value) and "no_such_column" in str(raised.value)
    with duckdb.connect(str(database), read_only=True) as connection:
        assert connection.execute("select count(*) from things").fetchall() == [(2,)]  # the seed before it stays built


def test_a_build_nobody_reads_any_more_is_interrupted(tmp_path):
    root, database = project(tmp_path, slow="{{ config(materialized='table') }} " + SLOW + " and exists (select 1 from {{ ref('things') }})")
    events = build(root).events(grace_s=20)
    assert next(events)["data"]["node_info"]["unique_id"] == "seed.in_process_check.things"
    time.sleep(1.0)  # the slow model is running now
    started = time.monotonic()
    events.close()  # what happens when the step fails, or the run is cancelled, while dbt builds
    assert time.monotonic() - started < 15
    with duckdb.connect(str(database), read_only=True) as connection:
        assert connection.execute("select count(*) from information_schema.tables where table_name = 'slow'").fetchall() == [(0,)]
