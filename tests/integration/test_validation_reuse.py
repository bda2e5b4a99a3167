"""A dataset whose rows, suite and validating code have not changed keeps its saved result
(orchestration/validate/checks.py): the same bytes as validating again, and any change validates again."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from orchestration.home import Home
from orchestration.validate import checks, worker
from orchestration.validate.checks import input_path, result_path, validate_table


@pytest.fixture
def home(tiny_release, tmp_path) -> Home:
    """A copy of the tiny release's warehouse, with nothing validated yet."""
    released, outcome = tiny_release
    assert outcome.exit_code == 0
    copy = Home(tmp_path / "home").ensure()
    shutil.copy(released.duckdb, copy.duckdb)
    return copy


def test_an_unchanged_dataset_keeps_its_result(home):
    first = validate_table(home, "product_footprints")
    assert first.success and not first.reused
    saved = result_path(home, "product_footprints").read_bytes()
    again = validate_table(home, "product_footprints")
    assert again.reused and again.to_json() == first.to_json()
    assert result_path(home, "product_footprints").read_bytes() == saved


def test_changed_rows_are_validated_again_and_a_failure_kept_as_such(home):
    validate_table(home, "product_footprints")
    with duckdb.connect(str(home.duckdb)) as connection:
        connection.execute("update main.product_footprints set dqr_class = 'splendid'")
    changed = validate_table(home, "product_footprints")
    assert not changed.reused and not changed.success
    kept = validate_table(home, "product_footprints")
    assert kept.reused and not kept.success and kept.to_json() == changed.to_json()


def test_a_table_too_large_to_fingerprint_is_always_validated(home, monkeypatch):
    validate_table(home, "product_footprints")
    assert input_path(home, "product_footprints").exists()
    monkeypatch.setattr(checks, "FINGERPRINT_ROWS", 0)
    assert not validate_table(home, "product_footprints").reused
    assert not input_path(home, "product_footprints").exists()  # no digest vouches for that result
    monkeypatch.undo()
    assert not validate_table(home, "product_footprints").reused


two_cores = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the worker runs only beside a second core")


@pytest.fixture
def worker_started(home, monkeypatch):
    """The validation worker, and the folder the rows handed to it are written to (the home's scratch)."""
    monkeypatch.setenv(worker.SETTING, "on")
    assert worker.start()
    yield home.scratch
    worker.stop()


@two_cores
def test_a_suite_begun_in_the_worker_gives_the_result_of_validating_then(home, worker_started):
    assert checks.begin_suites(home, ["int_product_grades", "product_footprints"]) == ["product_footprints"]  # those with a suite
    begun = validate_table(home, "product_footprints")
    assert begun.success and not begun.reused
    input_path(home, "product_footprints").unlink()
    assert validate_table(home, "product_footprints").to_json() == begun.to_json()
    assert checks.begin_suites(home, ["product_footprints"]) == []  # unchanged rows keep their result
    assert list(worker_started.iterdir()) == []


@two_cores
def test_rows_changed_after_a_suite_was_begun_are_validated_again(home, worker_started):
    assert checks.begin_suites(home, ["product_footprints"]) == ["product_footprints"]
    with duckdb.connect(str(home.duckdb)) as connection:
        connection.execute("update main.product_footprints set dqr_class = 'splendid'")
    changed = validate_table(home, "product_footprints")
    assert not changed.success  # the rows as they are now, not as they were begun
    assert list(worker_started.iterdir()) == []


@two_cores
def test_suites_begun_and_not_taken_are_given_up_by_the_next_begin(home, worker_started):
    assert checks.begin_suites(home, ["product_footprints"]) == ["product_footprints"]
    assert len(list(worker_started.iterdir())) == 1
    assert checks.begin_suites(home, []) == []  # a later night in the same process
    assert list(worker_started.iterdir()) == []
    assert validate_table(home, "product_footprints").success
