"""Work a night hands to processes of its own, beside its own process."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


def cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def spawned_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of fresh interpreters. Spawned, not forked: a night's process holds DuckDB's and
    Dagster's threads, and a fork would copy their locks in whatever state they were."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
