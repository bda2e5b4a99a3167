"""Great Expectations in a process of its own, imported while the night does other work.

Importing Great Expectations takes 3–3.5 s of one core, which a night in a process of its own paid
at its first suite. `pcf run` starts this worker as the night begins (`start`; a run the Dagster
daemon launches, at its first ingest step): it imports GX beside the night's own imports and
ingestion, on the other core, and every suite of the night then runs there (`validate`). The data
goes to it as an Arrow file and the result comes back as the same `SuiteResult` `run_suite` gives
in this process. Without a worker (one core, `PCF_VALIDATION_WORKER=off`, or the worker gone), a
suite runs in this process, with the same result.
"""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
from contextlib import suppress
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from orchestration.processes import cores, spawned_pool
from orchestration.validate.gx import SuiteResult, expectations_dir, get_context, release_memory, run_suite

if TYPE_CHECKING:  # pragma: no cover - typing only; the night's process does not import pandas
    import pandas as pd

SETTING = "PCF_VALIDATION_WORKER"  # `on` (the default) or `off`: the suites run in the night's process
# A suite run in this process on this many rows gives its frame back after (a collection costs
# about 0.3 s, more than a small frame is worth).
RELEASE_AFTER_ROWS = 1_000_000

_LOCK = threading.Lock()
_POOL: ProcessPoolExecutor | None = None
# What this process gave the worker and is not done: `_let_go` waits for the pool to end only when
# this is empty (a night that ends well), never for a suite still running (a night that failed).
_WORK: set[Future] = set()


def wanted() -> bool:
    value = os.environ.get(SETTING, "").strip().lower() or "on"
    if value not in ("on", "off"):
        raise ValueError(f"{SETTING}={value!r}: use on (the default) or off")
    return value == "on"


def start() -> bool:
    """Start the worker (once per process) and have it import GX now. False when it is off
    (`PCF_VALIDATION_WORKER=off`) or on a single core, where it would take the core the night needs."""
    global _POOL
    with _LOCK:
        if _POOL is None and wanted() and cores() >= 2:
            _POOL = spawned_pool(1, quick_exit=True)  # it holds no DuckDB (`_start_worker`)
            _submit(_POOL, _warm_up)
        return _POOL is not None


def stop() -> None:
    """Stop the worker, not waiting for a suite it may still be running; the files of suites
    begun and not asked for are removed."""
    _let_go()
    with _LOCK:
        begun = list(_BEGUN)
    for suite in begun:  # handed over and never asked for (the night failed or was stopped)
        suite.discard()


def _let_go() -> None:
    """Shut the worker's pool down; suites begun in it are answered here (`Begun.result`).

    When nothing given to the worker is still running, this waits for the pool to end (a few
    hundredths of a second): a pool left to end on its own races the interpreter's exit, which
    then printed `OSError: [Errno 9] Bad file descriptor` after a night had ended well."""
    global _POOL
    with _LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        idle = all(future.done() for future in list(_WORK))
        pool.shutdown(wait=idle, cancel_futures=True)


def _submit(pool: ProcessPoolExecutor, function, *args) -> Future:
    """`pool.submit`, the future kept in `_WORK` until it is done."""
    future = pool.submit(function, *args)
    _WORK.add(future)
    future.add_done_callback(_WORK.discard)
    return future


atexit.register(stop)  # once: a process that starts and stops a worker every night registers it once


def running() -> bool:
    return _POOL is not None


def validate(
    name: str, data: pd.DataFrame | pa.Table | pa.RecordBatchReader, directory: Path | None = None, folder: Path | None = None
) -> SuiteResult:
    """`run_suite(name, data, directory)`, in the worker when one is running.

    A `RecordBatchReader` is written to the worker's file (in `folder`, by default the system's
    temporary folder) batch by batch: this process never holds the whole table (the activity rows
    of a first night at ten million lines are 1.5 GB as Arrow). A suite of many rows run in this
    process gives its frame back after (`release_memory`).
    """
    begun = begin(name, data, directory, folder) if isinstance(data, (pa.Table, pa.RecordBatchReader)) else None
    if begun is None:  # no worker, or a pandas frame, which stays here
        return _given_back(run_suite(name, data.read_all() if isinstance(data, pa.RecordBatchReader) else data, directory))
    return begun.result()


class Begun:
    """A suite handed to the worker and not yet answered: `result` waits for it (or runs it in
    this process when the worker has gone), `discard` gives it up. Either removes its file."""

    def __init__(self, name: str, path: str, directory: Path, pool: ProcessPoolExecutor) -> None:
        self.name, self._path, self._directory = name, path, directory
        try:
            self._future: Future | None = _submit(pool, _validate_file, name, path, directory)
        except RuntimeError:  # stopped since (`stop`): `result` runs it here
            self._future = None
        self._pool = pool
        self.discarded = False

    def result(self) -> SuiteResult:
        """The suite's result, from the worker, or from this process when the worker was stopped or
        has died. An error of the suite itself is raised here as it would be in this process."""
        if self.discarded:
            raise RuntimeError(f"the suite {self.name} was given up (`discard`) and has no result")
        with _LOCK:
            _BEGUN.discard(self)
        try:
            result = _answer(self._pool, self._future) if self._future is not None else None
            return result if result is not None else _given_back(_validate_file(self.name, self._path, self._directory))
        finally:
            Path(self._path).unlink(missing_ok=True)

    def discard(self) -> None:
        """Give the suite up (not run if the worker has not started it) and remove its file."""
        self.discarded = True
        with _LOCK:
            _BEGUN.discard(self)
        if self._future is not None:
            self._future.cancel()
        Path(self._path).unlink(missing_ok=True)


_BEGUN: set[Begun] = set()  # handed to the worker, not yet answered or discarded: `stop` removes their files


def begin(
    name: str, data: pa.Table | pa.RecordBatchReader, directory: Path | None = None, folder: Path | None = None
) -> Begun | None:
    """Hand the suite `name` on `data` to the worker and return at once: the data are written to
    the worker's file here (in `folder`, by default the system's temporary folder; batch by
    batch), the suite runs there while this process goes on, and `Begun.result` gives its result.
    None when no worker is running."""
    pool = _POOL
    if pool is None:
        return None
    directory = directory or expectations_dir()  # this process's, not the one the worker started with
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    handle, path = tempfile.mkstemp(prefix="pcf-suite-", suffix=".arrow", dir=folder)
    os.close(handle)
    try:
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, data.schema) as writer:
            if isinstance(data, pa.Table):
                writer.write_table(data)
            else:
                for batch in data:
                    writer.write_batch(batch)
        begun = Begun(name, path, directory, pool)
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
    with _LOCK:
        _BEGUN.add(begun)
    return begun


def _answer(pool: ProcessPoolExecutor, future: Future) -> SuiteResult | None:
    """The suite's result from the worker; None when it was stopped or has died (this process runs
    the suite)."""
    try:
        result = future.result()
    except CancelledError:  # stopped before the worker began it
        return None
    except BrokenProcessPool:  # the worker died (out of memory?): the suites begun in it run here
        _let_go()
        return None
    with suppress(RuntimeError, BrokenProcessPool):  # stopped or gone: nothing left to give back
        pool.submit(release_memory)  # in the worker, while this process goes on (short: `stop` may wait)
    return result


def _given_back(result: SuiteResult) -> SuiteResult:
    """`result`, once the frame of a suite of many rows run in this process is given back."""
    if result.row_count >= RELEASE_AFTER_ROWS:
        release_memory()
    return result


def _warm_up() -> None:
    """In the worker: import GX and make its context, before the first suite needs them."""
    get_context()


def _validate_file(name: str, path: str, directory: Path | None) -> SuiteResult:
    """The suite on the table of an Arrow file (memory-mapped, not copied): in the worker, or here
    when the worker is gone."""
    with pa.memory_map(path) as source:
        table = pa.ipc.open_file(source).read_all()
        return run_suite(name, table, directory)
