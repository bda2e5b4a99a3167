"""A dbt build whose events the step stops reading is stopped with it, never left holding the warehouse."""

from __future__ import annotations

import subprocess
import sys

from orchestration.transform.assets import events_then_stop

CHATTY = "import time\nwhile True:\n    print('event', flush=True)\n    time.sleep(0.005)\n"
DEAF = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint('event', flush=True)\ntime.sleep(60)\n"


def _start(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def test_closing_the_stream_early_stops_the_process():
    process = _start(CHATTY)
    events = events_then_stop(iter(process.stdout.readline, ""), process)
    assert next(events).strip() == "event"
    events.close()  # what happens when the step fails while dbt is still running
    assert process.poll() is not None


def test_an_error_in_the_step_stops_the_process():
    process = _start(CHATTY)

    def step():
        for _ in events_then_stop(iter(process.stdout.readline, ""), process):
            raise RuntimeError("an asset check result Dagster refuses")

    try:
        step()
    except RuntimeError:
        pass
    assert process.poll() is not None


def test_a_process_ignoring_the_interrupt_is_killed_after_the_grace():
    process = _start(DEAF)
    events = events_then_stop(iter(process.stdout.readline, ""), process, grace_s=0.5)
    assert next(events).strip() == "event"
    events.close()
    assert process.poll() is not None


def test_a_finished_process_is_left_alone():
    process = _start("print('event')")
    assert [line.strip() for line in events_then_stop(iter(process.stdout.readline, ""), process)] == ["event"]
    assert process.wait() == 0


def test_an_unreadable_saved_parse_is_not_carried(tmp_path):
    """A damaged prepared parse costs a full parse, never the night."""
    from orchestration.transform import project

    prepared = tmp_path / project.SAVED_PARSE
    prepared.write_bytes(b"\xc1 not msgpack")
    target = tmp_path / "home" / "dbt" / "target"
    assert project.carry_saved_parse(target, {"PCF_DUCKDB_PATH": str(tmp_path / "pcf.duckdb")}, prepared) is False
    assert not (target / project.SAVED_PARSE).exists()


def test_the_dagster_process_builds_no_dbt_adapter():
    """dagster-dbt's in-process adapter (about 2 s a night) is skipped; the override must keep its name."""
    from dagster_dbt import DbtCliResource

    from orchestration.transform.assets import venv_dbt

    assert callable(getattr(DbtCliResource, "_initialize_dbt_core_adapter", None))
    assert venv_dbt()._initialize_dbt_core_adapter(["build"]) is None
