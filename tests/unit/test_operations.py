"""The nightly schedule and the landing sensor, evaluated with Dagster's own test contexts."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from dagster import DagsterInstance, RunRequest, SkipReason, build_schedule_context, build_sensor_context

from orchestration.definitions import defs
from orchestration.ingest.archive import HASH_TRUSTED_AFTER_NS, KnownHash
from orchestration.operations.schedules import read_cursor, write_cursor


def test_nightly_schedule_runs_at_two_in_shanghai():
    schedule = defs.resolve_schedule_def("nightly")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "nightly_job"
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    requests = list(schedule.evaluate_tick(context).run_requests or [])
    assert len(requests) == 1


def _landing(tmp_path, monkeypatch, files: dict[str, str]):
    """A home whose landing/submissions holds `files` (name → text), and the landing sensor."""
    monkeypatch.setenv("PCF_HOME", str(tmp_path))
    submissions = tmp_path / "landing" / "submissions"
    submissions.mkdir(parents=True)
    for name, text in files.items():
        (submissions / name).write_text(text)
    return submissions, defs.resolve_sensor_def("landing_files")


def test_landing_sensor_fires_once_per_new_file(tmp_path, monkeypatch):
    submissions, sensor = _landing(tmp_path, monkeypatch, {"a.csv": "one", "b b 青岛.csv": "two"})
    (tmp_path / "elsewhere.csv").write_text("not landed")
    (submissions / "link.csv").symlink_to(tmp_path / "elsewhere.csv")  # a link is not followed
    with DagsterInstance.ephemeral() as instance:
        first = sensor.evaluate_tick(build_sensor_context(instance=instance))
        assert len(first.run_requests) == 2
        assert all(isinstance(r, RunRequest) and len(r.run_key) == 64 for r in first.run_requests)

        again = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=first.cursor))
        assert not again.run_requests
        assert isinstance(again.skip_message, str) or again.skip_message is None

        (submissions / "c.csv").write_text("three")
        (submissions / "copy of a.csv").write_text("one")  # same bytes: no new run
        third = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=again.cursor or first.cursor))
        assert len(third.run_requests) == 1
        assert third.run_requests[0].tags["pcf/landed_file"] == "submissions/c.csv"


def test_landing_sensor_reads_only_files_its_cursor_does_not_vouch_for(tmp_path, monkeypatch):
    _, sensor = _landing(tmp_path, monkeypatch, {"a.csv": "one", "b.csv": "two"})
    with DagsterInstance.ephemeral() as instance:
        first = sensor.evaluate_tick(build_sensor_context(instance=instance))
        seen, files = read_cursor(first.cursor)
        assert set(files) == {"submissions/a.csv", "submissions/b.csv"} and len(seen) == 2

        # a record made long enough after a.csv last changed is taken as it is: a.csv is not read
        # (its recorded hash, a made-up one, stands); b.csv's record is too recent and b.csv is read
        made_up = "f" * 64
        a = files["submissions/a.csv"]
        files["submissions/a.csv"] = KnownHash(a.stat_key, made_up, a.stat_key[2] + HASH_TRUSTED_AFTER_NS)
        settled = write_cursor(seen | {made_up}, files)
        again = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=settled))
        assert not again.run_requests
        _, files_after = read_cursor(again.cursor or settled)
        assert files_after["submissions/a.csv"].sha256 == made_up
        assert files_after["submissions/b.csv"].sha256 == hashlib.sha256(b"two").hexdigest()

        # a cursor of the earlier form (the hashes seen, nothing of the files) still says what was seen
        older = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=json.dumps(sorted(seen))))
        assert not older.run_requests
        assert set(read_cursor(older.cursor)[1]) == {"submissions/a.csv", "submissions/b.csv"}
