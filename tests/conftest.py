"""Shared fixtures: real homes in temporary folders, real warehouses, real runs."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
# Nights in tests run their suites in the test's process, which imports Great Expectations once;
# a worker per night would import it again each night. tests/unit/test_validation_worker.py and
# tests/integration/test_validation_worker_night.py run it.
os.environ.setdefault("PCF_VALIDATION_WORKER", "off")

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SHARED_PACT = REPO.parent / "shared" / "pact"


@pytest.fixture(autouse=True)
def _no_process_outlives_its_test():
    """A process a test started (a validation worker stopped without waiting, the ingest's pool)
    has ended before the next test begins, which may count this process's children (the bench's
    memory figure)."""
    yield
    for child in multiprocessing.active_children():
        child.join(timeout=60)


def make_home(root: Path, fixture: str = "tiny") -> Path:
    """A PCF_HOME whose landing/ holds a copy of tests/fixtures/<fixture>/landing."""
    shutil.copytree(FIXTURES / fixture / "landing", root / "landing")
    return root


def ingest_night(root: Path, landing: Path, **options):
    """Ingest a copy of `landing` into a new home at `root` (received 2026-01-15), as
    `ingest_submissions(..., **options)` does it: (summary, raw rows, problems, files), sorted."""
    from orchestration.home import Home
    from orchestration.ingest.submissions import ingest_submissions
    from orchestration.warehouse import connect

    shutil.copytree(landing, root / "landing")
    home = Home(root).ensure()
    with connect(home.root) as connection:
        summary = ingest_submissions(connection, home, date(2026, 1, 15), **options)
        found = [
            connection.sql(f"select * from raw.{table} order by all").fetchall()
            for table in ("submission_rows", "problems", "files")
        ]
    return summary, *found


@pytest.fixture(scope="session")
def tiny_release(tmp_path_factory):
    """The tiny fixture run once through the real nightly job: (home, outcome)."""
    from orchestration.home import Home
    from orchestration.runner import run_nightly

    root = make_home(tmp_path_factory.mktemp("tiny"))
    # dbt's log file at debug, as an operator can ask for it: the walking-skeleton tests read how dbt parsed
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_LOG_LEVEL_FILE", "debug")
        outcome = run_nightly(Home(root).ensure(), as_of=date(2026, 1, 15))
    return Home(root), outcome
