"""The Dagster graph loads, and any change to its shape is deliberate (snapshot of keys)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration.definitions import defs, fast_job, nightly_job
from orchestration.home import Home
from orchestration.transform.project import dbt_build_args, dbt_env
from orchestration.warehouse import dbt_memory_limit

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.txt"
EXPECTED_ASSETS = {
    "raw/factor_releases", "raw/factor_rows", "raw/files", "raw/submission_rows", "raw/pact_footprints",
    "raw/problems", "product_footprints", "emission_factors", "category_benchmarks",
    "submission_feedback", "release",
}


def test_definitions_load_and_contain_the_nightly_flow():
    repository = defs.get_repository_def()
    keys = {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()}
    assert EXPECTED_ASSETS <= keys
    assert {k for k in keys if k.startswith(("stg_", "int_"))}, "dbt staging and intermediate models are assets"


def current_snapshot() -> str:
    repository = defs.get_repository_def()
    graph = repository.asset_graph
    lines = ["# assets", *sorted(key.to_user_string() for key in graph.get_all_asset_keys())]
    lines += ["# asset checks", *sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys)]
    lines += ["# jobs", *sorted(job.name for job in repository.get_all_jobs() if not job.name.startswith("__"))]
    lines += ["# schedules", *sorted(s.name for s in repository.schedule_defs)]
    lines += ["# sensors", *sorted(s.name for s in repository.sensor_defs)]
    return "\n".join(lines) + "\n"


def test_definitions_snapshot():
    """Any change to assets, checks, jobs, schedules or sensors must update snapshots/definitions.txt.

    After a deliberate change: `PCF_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/unit/test_definitions.py`
    rewrites the file; review its diff and commit it.
    """
    if os.environ.get("PCF_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(current_snapshot())
    assert current_snapshot() == SNAPSHOT.read_text(), (
        "the Dagster graph changed; if that was meant, regenerate tests/unit/snapshots/definitions.txt"
    )


def test_jobs_schedules_sensors_and_checks():
    assert defs.resolve_job_def("nightly_job") is not None
    schedule = defs.resolve_schedule_def("nightly")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert defs.resolve_sensor_def("landing_files") is not None
    check_keys = {key.name for key in defs.get_repository_def().asset_graph.asset_check_keys}
    assert "product_footprints_expectations" in check_keys


def test_dbt_arguments_and_environment_are_pure_functions():
    assert dbt_build_args() == ["build", "--exclude-resource-type", "unit_test", "--no-write-json"]
    env = dbt_env(Home(Path("/srv/pcf")))
    assert env["PCF_DUCKDB_PATH"] == "/srv/pcf/pcf.duckdb"
    assert not any("AS_OF" in name or "GWP" in name for name in env), "the run's settings are data, not environment"
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "false"
    assert env["PCF_DBT_MEMORY_LIMIT"] == "1GB"


def test_dbt_log_file_is_at_info_unless_asked(monkeypatch):
    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    assert dbt_env(Home(Path("/srv/pcf")))["DBT_LOG_LEVEL_FILE"] == "info"
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    assert dbt_env(Home(Path("/srv/pcf")))["DBT_LOG_LEVEL_FILE"] == "debug"


@pytest.mark.parametrize(
    ("rows", "limit"), [(0, "1GB"), (1_000_000, "1GB"), (4_000_000, "1GB"), (5_000_000, "2GB"), (10_000_000, "3GB"), (10**9, "3GB")]
)
def test_dbt_memory_ceiling_grows_with_the_warehouse(rows, limit, monkeypatch):
    monkeypatch.delenv("PCF_DBT_MEMORY_LIMIT", raising=False)
    assert dbt_memory_limit(rows) == limit
    monkeypatch.setenv("PCF_DBT_MEMORY_LIMIT", "700MB")
    assert dbt_memory_limit(rows) == "700MB"


def test_fast_job_keeps_every_asset_and_only_the_checks_of_what_leaves():
    graph = defs.resolve_asset_graph()
    assert fast_job.selection.resolve(graph) == nightly_job.selection.resolve(graph)
    fast_checks = fast_job.selection.resolve_checks(graph)
    names = {f"{k.asset_key.to_user_string()}:{k.name}" for k in fast_checks}
    assert {"product_footprints:product_footprints_expectations", "product_footprints:drift_gate",
            "emission_factors:emission_factors_rules"} <= names
    internal = {k for k in graph.asset_check_keys if k.asset_key.to_user_string().startswith(("raw/", "stg_", "int_"))}
    assert {"raw/files:raw_files_rules", "raw/submission_rows:raw_submission_rows_rules"} <= {
        f"{k.asset_key.to_user_string()}:{k.name}" for k in internal
    }
    assert internal and not internal & fast_checks
    assert nightly_job.selection.resolve_checks(graph) == set(graph.asset_check_keys)
