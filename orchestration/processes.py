"""Work a night hands to processes of its own, beside its own process."""

from __future__ import annotations

import atexit
import gc
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

PARENT_CHECK_SECONDS = 0.5


def cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def spawned_pool(workers: int, quick_exit: bool = False) -> ProcessPoolExecutor:
    """A pool of fresh interpreters. Spawned, not forked: a night's process holds DuckDB's and
    Dagster's threads, and a fork would copy their locks in whatever state they were. Each worker
    ends when the night's process is gone, even killed; with `quick_exit`, without collecting its
    heap as it ends (`_start_worker`)."""
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(), quick_exit),
    )


def _start_worker(parent: int, quick_exit: bool) -> None:
    """In a worker, as it starts: a thread that ends the worker once `parent` is no longer its
    parent, and with `quick_exit` an exit that does not collect the worker's heap.

    A worker waits for its next task on a queue whose writing end it holds as well, so a parent
    killed with SIGKILL would leave it waiting for ever. At exit the interpreter's last garbage
    collection walks every object a worker made: 0.8 s for the validation worker, which has
    imported Great Expectations and pandas, and which the night waits for as it stops it; with
    the objects frozen (`gc.freeze`) as it exits, 0.07 s. Its results have been sent by then. Not
    for a worker that has loaded DuckDB: its bindings report every object left at exit as a leak,
    on the night's console.
    """
    if quick_exit:
        atexit.register(gc.freeze)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()
