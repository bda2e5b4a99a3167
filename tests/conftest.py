"""Shared fixtures: real homes in temporary folders, real warehouses, real runs."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SHARED_PACT = REPO.parent / "shared" / "pact"


def make_home(root: Path, fixture: str = "tiny") -> Path:
    """A PCF_HOME whose landing/ holds a copy of tests/fixtures/<fixture>/landing."""
    shutil.copytree(FIXTURES / fixture / "landing", root / "landing")
    return root


@pytest.fixture(scope="session")
def tiny_release(tmp_path_factory):
    """The tiny fixture run once through the real nightly job: (home, outcome)."""
    from orchestration.home import Home
    from orchestration.runner import run_nightly

    root = make_home(tmp_path_factory.mktemp("tiny"))
    outcome = run_nightly(Home(root).ensure(), as_of=date(2026, 1, 15))
    return Home(root), outcome
