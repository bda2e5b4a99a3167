"""`PCF_HOME`: the one folder that holds all run-time state (SPEC §2)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_LANDING = REPO_ROOT / "demo" / "landing"
DBT_PROJECT_DIR = REPO_ROOT / "models"
PILOT_TIMEZONE = ZoneInfo("Asia/Shanghai")


def default_home() -> Path:
    return Path(os.environ.get("PCF_HOME", "warehouse")).resolve()


def today_in_pilot() -> date:
    """Today's date where the pilot runs (Asia/Shanghai), the default as-of date."""
    return datetime.now(PILOT_TIMEZONE).date()


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def publish(self) -> Path:
        return self.root / "publish"

    @property
    def restricted(self) -> Path:
        return self.root / "restricted"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def duckdb(self) -> Path:
        return self.root / "pcf.duckdb"

    @property
    def pact_footprints(self) -> Path:
        """What the last release's PACT exports built for each row, for the next release to reuse
        (orchestration/publish/pact_exports.py): derived data, rebuilt when missing."""
        return self.root / "pact-footprints.parquet"

    @property
    def scratch(self) -> Path:
        """Files a night writes for itself and removes once read (a large night's CSV part files,
        the rows handed to the validation worker). A night is the home's one writer: what is here
        when it begins, a killed night left."""
        return self.root / "scratch"

    @property
    def dbt_target(self) -> Path:
        """Where a night's dbt build writes what it ran and found (run_results.json, its saved parse)."""
        return self.root / "dbt" / "target"

    def ensure(self) -> "Home":
        for folder in (
            self.landing / "factors",
            self.landing / "submissions",
            self.landing / "shipments",
            self.archive,
            self.feedback,
            self.publish,
            self.restricted,
            self.logs,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def inside(self, path: Path) -> Path:
        """`path` resolved, refusing anything that would land outside the home."""
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise ValueError(f"refusing to write outside PCF_HOME: {path}")
        return resolved
