"""The night's Great Expectations worker: the same results as in the night's own process, no file
left behind, and the night's own process when the worker is gone."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from orchestration.validate import gx, worker
from tests.unit.test_gx import good_product_footprints

pytestmark = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the worker runs only beside a second core")


@pytest.fixture
def started(tmp_path, monkeypatch):
    monkeypatch.setattr(worker.tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv(worker.SETTING, "on")
    assert worker.start()
    yield tmp_path
    worker.stop()


def bad_footprints() -> pa.Table:
    frame = good_product_footprints()
    frame.loc[0, "company_uscc"] = "9137020OMA3C1234X5"  # letter O where a digit belongs
    frame.loc[1, "pcf_excl_biogenic_kgco2e_per_unit"] = -1.0
    frame.loc[2, "pcf_excl_biogenic_kgco2e_per_unit"] = math.inf
    frame.loc[0, "gwp_set"] = "AR4"
    return pa.Table.from_pandas(frame, preserve_index=False)


def test_a_suite_in_the_worker_gives_what_it_gives_here_and_leaves_no_file(started: Path) -> None:
    for table in (pa.Table.from_pandas(good_product_footprints(), preserve_index=False), bad_footprints()):
        here = gx.run_suite("product_footprints", table)
        there = worker.validate("product_footprints", table)
        assert there.to_dict() == here.to_dict()
    assert not there.success and len(there.blocking_failures) == 3
    assert worker.running()
    assert list(started.iterdir()) == []  # the Arrow files handed over are removed


def test_a_worker_with_nothing_left_to_do_has_ended_when_stop_returns(started: Path, capfd) -> None:
    """A pool left to end on its own raced the interpreter's exit, which then printed
    `OSError: [Errno 9] Bad file descriptor` after a night that had ended well. The worker ends
    without collecting its heap, which it may because it never loads DuckDB (whose bindings would
    report what is left at exit as leaks)."""
    table = pa.Table.from_pandas(good_product_footprints(), preserve_index=False)
    worker.validate("product_footprints", table)
    (process,) = worker._POOL._processes.values()  # noqa: SLF001 - the test watches the worker process itself
    assert "duckdb" not in Path(f"/proc/{process.pid}/maps").read_text()
    worker.stop()
    assert not process.is_alive() and process.exitcode == 0
    managers = [thread for thread in threading.enumerate() if type(thread).__name__ == "_ExecutorManagerThread"]
    assert not managers
    assert "nanobind" not in capfd.readouterr().err


def test_stop_does_not_wait_for_what_the_worker_is_still_running(started: Path) -> None:
    worker._submit(worker._POOL, time.sleep, 3)  # noqa: SLF001 - a task that outlasts the night
    started_at = time.perf_counter()
    worker.stop()
    assert time.perf_counter() - started_at < 1.5


def test_batches_read_from_a_stream_are_validated_as_the_whole_table(started: Path) -> None:
    table = bad_footprints()
    expected = gx.run_suite("product_footprints", table).to_dict()

    def stream() -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=1))

    assert worker.validate("product_footprints", stream()).to_dict() == expected  # in the worker
    worker.stop()
    assert worker.validate("product_footprints", stream()).to_dict() == expected  # here


def test_suites_begun_run_while_this_process_goes_on_and_give_the_same_results(started: Path) -> None:
    good, bad = pa.Table.from_pandas(good_product_footprints(), preserve_index=False), bad_footprints()
    expected = [gx.run_suite("product_footprints", table).to_dict() for table in (good, bad)]
    begun = [worker.begin("product_footprints", table) for table in (good, bad)]
    assert all(suite is not None for suite in begun)
    assert len(list(started.iterdir())) == 2  # their files, until they are answered
    assert [suite.result().to_dict() for suite in begun] == expected
    assert list(started.iterdir()) == []


def test_suites_begun_and_never_asked_for_leave_no_file_when_the_worker_stops(started: Path) -> None:
    table = bad_footprints()
    kept, given_up = worker.begin("product_footprints", table), worker.begin("product_footprints", table)
    given_up.discard()
    with pytest.raises(RuntimeError, match="given up"):
        given_up.result()
    assert len(list(started.iterdir())) == 1
    worker.stop()
    assert list(started.iterdir()) == [] and kept.discarded
    assert worker.begin("product_footprints", table) is None  # no worker: the caller validates here


def test_suites_begun_in_a_worker_that_dies_run_here(started: Path) -> None:
    table = bad_footprints()
    expected = gx.run_suite("product_footprints", table).to_dict()
    assert worker.validate("product_footprints", table).to_dict() == expected  # the worker is up
    (pid,) = worker._POOL._processes  # noqa: SLF001 - the test kills the worker process itself
    begun = [worker.begin("product_footprints", table) for _ in range(3)]
    os.kill(pid, signal.SIGKILL)
    assert [suite.result().to_dict() for suite in begun] == [expected] * 3
    assert not worker.running()
    assert list(started.iterdir()) == []


def test_a_suite_that_cannot_load_fails_as_it_does_here(started: Path) -> None:
    table = pa.Table.from_pandas(good_product_footprints(), preserve_index=False)
    with pytest.raises(Exception) as here:
        gx.run_suite("no_such_suite", table)
    with pytest.raises(Exception) as there:
        worker.validate("no_such_suite", table)
    assert type(there.value) is type(here.value) and str(there.value) == str(here.value)
    assert worker.running()  # one bad suite does not lose the worker


def test_the_worker_reads_the_suites_this_process_reads_now(started: Path, tmp_path_factory, monkeypatch) -> None:
    """`$PCF_EXPECTATIONS_DIR` set after the worker started is the folder its suites come from."""
    strict = tmp_path_factory.mktemp("expectations")
    suite = json.loads(gx.suite_path("product_footprints").read_text(encoding="utf-8"))
    suite["expectations"].append(
        {
            "type": "expect_column_max_to_be_between",
            "kwargs": {"column": "pcf_excl_biogenic_kgco2e_per_unit", "max_value": 0.001},
            "meta": {"blocking": True, "description_en": "a test-only rule", "description_zh": "测试规则"},
        }
    )
    (strict / "product_footprints.json").write_text(json.dumps(suite), encoding="utf-8")
    monkeypatch.setenv(gx.EXPECTATIONS_DIR_ENV, str(strict))
    result = worker.validate("product_footprints", pa.Table.from_pandas(good_product_footprints(), preserve_index=False))
    assert [o.expectation_type for o in result.blocking_failures] == ["expect_column_max_to_be_between"]


def test_when_the_worker_dies_the_suite_runs_here(started: Path) -> None:
    table = bad_footprints()
    expected = gx.run_suite("product_footprints", table).to_dict()
    assert worker.validate("product_footprints", table).to_dict() == expected
    (pid,) = worker._POOL._processes  # noqa: SLF001 - the test kills the worker process itself
    os.kill(pid, signal.SIGKILL)
    assert worker.validate("product_footprints", table).to_dict() == expected
    assert not worker.running()
    assert list(started.iterdir()) == []


def test_the_setting_turns_the_worker_off_and_a_wrong_value_is_named(monkeypatch) -> None:
    monkeypatch.setenv(worker.SETTING, "off")
    assert not worker.start() and not worker.running()
    monkeypatch.setenv(worker.SETTING, "maybe")
    with pytest.raises(ValueError, match="PCF_VALIDATION_WORKER='maybe': use on"):
        worker.start()


def test_the_nights_process_does_not_import_gx_when_the_worker_validates() -> None:
    """In a fresh interpreter: with the worker started, a suite runs and GX stays out of this process."""
    code = """
import sys
import pyarrow as pa
from orchestration.validate import worker
from tests.unit.test_gx import good_product_footprints

if __name__ == "__main__":
    assert worker.start()
    table = pa.Table.from_pandas(good_product_footprints(), preserve_index=False)
    assert worker.validate("product_footprints", table).success
    assert "great_expectations" not in sys.modules
    print("ok")
"""
    environment = {**os.environ, worker.SETTING: "on"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[2], env=environment
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


def test_the_nights_process_imports_neither_gx_nor_pandas_with_the_job() -> None:
    """Importing the job and the runner costs the night's process no pandas (0.36 s) and no GX:
    the suites' frames are built in the worker."""
    code = "import sys, orchestration.runner, orchestration.definitions; print(sorted({'pandas', 'great_expectations'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_the_worker_ends_when_the_nights_process_is_killed(tmp_path) -> None:
    """A night's process killed with SIGKILL leaves no worker behind (it would wait for ever)."""
    code = """
import os, sys, time
from orchestration.validate import worker

if __name__ == "__main__":
    assert worker.start()
    worker._POOL.submit(os.getpid).result()
    print(*worker._POOL._processes, flush=True)
    time.sleep(60)
"""
    environment = {**os.environ, worker.SETTING: "on"}
    night = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2], env=environment
    )
    (pid,) = map(int, night.stdout.readline().split())
    os.kill(night.pid, signal.SIGKILL)
    night.wait()
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        if Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z":  # ended, not reaped yet
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the worker outlived the night's process by 10 s")
