"""A dataset whose rows, suite and validating code have not changed keeps its saved result
(orchestration/validate/checks.py): the same bytes as validating again, and any change validates again."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from orchestration.home import Home
from orchestration.validate import checks
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
