"""The dbt project (models/) as Dagster sees it."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from dagster_dbt import DbtProject

from orchestration.home import DBT_PROJECT_DIR, Home
from orchestration.warehouse import dbt_memory_limit

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


@lru_cache(maxsize=1)
def load_manifest() -> dict:
    """The prepared dbt manifest, read once per process."""
    return json.loads(Path(dbt_project.manifest_path).read_text())


def run_results(target: Path) -> list[dict]:
    """The node results of the last dbt invocation that wrote `target` (none if it wrote none)."""
    path = target / "run_results.json"
    return json.loads(path.read_text(encoding="utf-8"))["results"] if path.is_file() else []


def dbt_build_args() -> list[str]:
    """The dbt CLI arguments of a nightly build: a pure function, so it can be tested alone.

    dbt unit tests check the SQL itself, not the night's data: they run in the test suite
    (tests/integration/test_dbt_unit_tests.py), not every night. The run's as-of date and GWP set
    reach dbt as environment variables (`dbt_env`), not `--vars`: a changed var makes dbt parse the
    whole project again, a changed environment variable only the files that read it.
    """
    return ["build", "--exclude-resource-type", "unit_test"]


def dbt_env(home: Home, as_of: str, gwp_set: str, activity_rows: int = 0) -> dict[str, str]:
    """Environment for a dbt invocation against the home's warehouse for one run (`activity_rows`:
    the rows of raw.submission_rows, which size DuckDB's memory ceiling inside dbt)."""
    return {
        "PCF_DUCKDB_PATH": str(home.duckdb),
        "PCF_DBT_AS_OF": as_of,
        "PCF_DBT_GWP_SET": gwp_set,
        "PCF_DBT_MEMORY_LIMIT": dbt_memory_limit(activity_rows),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
