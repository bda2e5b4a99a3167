"""The nightly schedule and the landing sensor, evaluated with Dagster's own test contexts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dagster import DagsterInstance, RunRequest, SkipReason, build_schedule_context, build_sensor_context

from orchestration.definitions import defs


def test_nightly_schedule_runs_at_two_in_shanghai():
    schedule = defs.resolve_schedule_def("nightly")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "nightly_job"
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    requests = list(schedule.evaluate_tick(context).run_requests or [])
    assert len(requests) == 1


def test_landing_sensor_fires_once_per_new_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PCF_HOME", str(tmp_path))
    submissions = tmp_path / "landing" / "submissions"
    submissions.mkdir(parents=True)
    (submissions / "a.csv").write_text("one")
    (submissions / "b b 青岛.csv").write_text("two")
    sensor = defs.resolve_sensor_def("landing_files")
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
