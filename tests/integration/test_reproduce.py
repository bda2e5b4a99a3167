"""`pcf run --as-of DATE` reproduces an earlier release byte for byte from the archive and factor history."""

from __future__ import annotations

import shutil
from datetime import date

from orchestration.home import Home
from orchestration.runner import EXIT_OK, FAST_JOB, run_nightly
from tests.conftest import FIXTURES, make_home

DATA_SUFFIXES = {".parquet", ".csv", ".json"}
# datapackage.json also carries run facts (counts of checks that ran); the data files are compared
NOT_DATA = {"provenance.json", "datapackage.json"}


def data_files(folder):
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in DATA_SUFFIXES and "validation" not in p.parts and p.name not in NOT_DATA
    }


def test_back_dated_run_reproduces_the_earlier_release(tmp_path):
    home = Home(make_home(tmp_path / "night")).ensure()
    assert run_nightly(home, as_of=date(2026, 1, 15), job_name=FAST_JOB).exit_code == EXIT_OK
    # later inputs: a revised factor release and a resubmission arrive and are published
    shutil.copytree(FIXTURES / "tiny_slip" / "factors", home.landing / "factors", dirs_exist_ok=True)
    fridge = (home.landing / "submissions" / "fridge.csv").read_text()
    (home.landing / "submissions" / "fridge v2.csv").write_text(fridge.replace(",20000,kg,", ",25000,kg,"))
    later = run_nightly(home, as_of=date(2026, 2, 15), approve_drift=True, job_name=FAST_JOB)
    assert later.exit_code == EXIT_OK and later.published

    # a back-dated run on the same warehouse publishes nothing and leaves the current release alone
    back = run_nightly(home, as_of=date(2026, 1, 15), job_name=FAST_JOB)
    assert back.exit_code == EXIT_OK and not back.published
    assert (home.publish / "LATEST").read_text().strip() == "2026-02-15"

    # a fresh home holding the warehouse and archive reproduces the 2026-01-15 release exactly
    replay = Home(tmp_path / "replay").ensure()
    shutil.copy(home.duckdb, replay.duckdb)
    shutil.copytree(home.archive, replay.archive, dirs_exist_ok=True)
    outcome = run_nightly(replay, as_of=date(2026, 1, 15), job_name=FAST_JOB)
    assert outcome.exit_code == EXIT_OK and outcome.release_id == "2026-01-15"
    original = data_files(home.publish / "releases" / "2026-01-15")
    reproduced = data_files(replay.publish / "releases" / "2026-01-15")
    assert original.keys() == reproduced.keys()
    assert [name for name in original if original[name] != reproduced[name]] == []
