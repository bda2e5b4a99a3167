"""Work a night hands to processes of its own, beside its own process."""

from __future__ import annotations

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


def spawned_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of fresh interpreters. Spawned, not forked: a night's process holds DuckDB's and
    Dagster's threads, and a fork would copy their locks in whatever state they were. Each worker
    ends when the night's process is gone, even killed (`_end_with_parent`)."""
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_end_with_parent, initargs=(os.getpid(),)
    )


def _end_with_parent(parent: int) -> None:
    """In a worker, as it starts: a thread that ends the worker once `parent` is no longer its parent.

    A worker waits for its next task on a queue whose writing end it holds as well, so a parent
    killed with SIGKILL would leave it waiting for ever.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()
