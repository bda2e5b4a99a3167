"""The dbt project (models/) as Dagster sees it."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from dagster_dbt import DbtProject

from orchestration.home import DBT_PROJECT_DIR, Home

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


@lru_cache(maxsize=1)
def load_manifest() -> dict:
    """The prepared dbt manifest, read once per process."""
    return json.loads(Path(dbt_project.manifest_path).read_text())


def dbt_vars(as_of: str, gwp_set: str) -> dict[str, str]:
    return {"as_of": as_of, "gwp_set": gwp_set}


def dbt_build_args(as_of: str, gwp_set: str) -> list[str]:
    """The dbt CLI arguments of a nightly build: a pure function, so it can be tested alone.

    dbt unit tests check the SQL itself, not the night's data: they run in the test suite
    (tests/integration/test_dbt_unit_tests.py), not every night.
    """
    return [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        json.dumps(dbt_vars(as_of, gwp_set), sort_keys=True),
    ]


def dbt_env(home: Home) -> dict[str, str]:
    """Environment for a dbt invocation against the home's warehouse."""
    return {
        "PCF_DUCKDB_PATH": str(home.duckdb),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
