"""dbt unit tests (hand-worked rows next to each formula) run against a real DuckDB warehouse.

The nightly build leaves them out; here they run once, on the warehouse of the tiny fixture.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.home import DBT_PROJECT_DIR


def test_dbt_unit_tests_pass(tiny_release):
    home, outcome = tiny_release
    assert outcome.exit_code == 0
    env = {**os.environ, "PCF_DUCKDB_PATH": str(home.duckdb), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [str(dbt), "test", "--select", "test_type:unit", "--profiles-dir", ".", "--target-path", str(home.root / "dbt" / "unit")],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert " PASS=" in result.stdout and " ERROR=0" in result.stdout
