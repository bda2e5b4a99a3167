"""The validation gate: a failing blocking check publishes nothing, exits 2, keeps yesterday current."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pyarrow.parquet as pq
import pytest

from orchestration.home import Home
from orchestration.runner import EXIT_BLOCKED, EXIT_OK, FAST_JOB, run_nightly
from tests.conftest import FIXTURES, REPO, make_home


def releases(home: Home) -> list[str]:
    return sorted(p.name for p in (home.publish / "releases").iterdir())


@pytest.fixture()
def published_home(tmp_path) -> Home:
    home = Home(make_home(tmp_path)).ensure()
    assert run_nightly(home, as_of=date(2026, 1, 15), job_name=FAST_JOB).exit_code == EXIT_OK
    return home


def test_failing_suite_blocks_publication(published_home, tmp_path, monkeypatch):
    home = published_home
    before = (home.publish / "LATEST").read_bytes()
    strict = tmp_path / "expectations"
    shutil.copytree(REPO / "expectations", strict)
    suite = json.loads((strict / "product_footprints.json").read_text())
    suite["expectations"].append(
        {
            "type": "expect_column_max_to_be_between",
            "kwargs": {"column": "pcf_excl_biogenic_kgco2e_per_unit", "max_value": 100.0},
            "meta": {"blocking": True, "description_en": "no footprint above 100 (a test-only rule)", "description_zh": "测试规则"},
        }
    )
    (strict / "product_footprints.json").write_text(json.dumps(suite))
    monkeypatch.setenv("PCF_EXPECTATIONS_DIR", str(strict))
    shutil.copytree(FIXTURES / "tiny_slip" / "factors", home.landing / "factors", dirs_exist_ok=True)
    outcome = run_nightly(home, as_of=date(2026, 2, 15), approve_drift=True, job_name=FAST_JOB)
    assert outcome.exit_code == EXIT_BLOCKED
    assert any("product_footprints_expectations" in check for check in outcome.failed_checks)
    assert (home.publish / "LATEST").read_bytes() == before
    assert releases(home) == ["2026-01-15"]


def test_unit_slip_in_a_factor_release_is_blocked_then_published_after_approval(published_home):
    home = published_home
    shutil.copytree(FIXTURES / "tiny_slip" / "factors", home.landing / "factors", dirs_exist_ok=True)

    blocked = run_nightly(home, as_of=date(2026, 2, 15), job_name=FAST_JOB)
    assert blocked.exit_code == EXIT_BLOCKED
    report = "\n".join(blocked.failed_checks)
    assert "drift_gate" in report and "T.ELEC.CN" in report and "0.6" in report and "600" in report
    assert (home.publish / "LATEST").read_text().strip() == "2026-01-15"
    assert releases(home) == ["2026-01-15"]

    approved = run_nightly(home, as_of=date(2026, 2, 15), approve_drift=True, job_name=FAST_JOB)
    assert approved.exit_code == EXIT_OK and approved.published
    assert (home.publish / "LATEST").read_text().strip() == "2026-02-15"
    changes = pq.read_table(home.publish / "releases" / "2026-02-15" / "changes.parquet").to_pylist()
    # approved, the slipped factor is in effect; the fridge it makes implausible is held back, with feedback
    fridge = next(c for c in changes if c["product_code"] == "FRIDGE-1")
    assert fridge["change_type"] == "removed"
    assert fridge["old_pcf_excl_biogenic_kgco2e_per_unit"] == pytest.approx(314.70568, rel=1e-12)
    reports = [json.loads(p.read_text()) for p in home.feedback.glob("*.json") if p.name != "factor-release-TINY-2026.1.json"]
    codes = {problem["code"] for report in reports for problem in report.get("problems", [])}
    assert "OUT_OF_PLAUSIBLE_RANGE" in codes
    validation = json.loads((home.publish / "releases" / "2026-02-15" / "validation" / "results.json").read_text())
    assert "drift_gate" in json.dumps(validation)
