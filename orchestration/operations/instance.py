"""The Dagster instance a night runs in (`pcf run`): Dagster's ephemeral instance, whose in-memory
run and event storages keep one database connection each for their whole life.

Dagster's ephemeral storages open a new SQLite connection to their in-memory database for every
read and write (and set two pragmas on it, then close it): a night stores and reads about two
thousand events, and the connecting, the pragmas and the closing took about 3 s of a million-line
night on the night's own thread, part of it while dbt's threads wait for the same interpreter.
Here every call uses the one connection, one transaction at a time; what is stored is the same.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as db
from dagster import DagsterInstance
from dagster._core.instance.types import InstanceType
from dagster._core.launcher.sync_in_memory_run_launcher import SyncInMemoryRunLauncher
from dagster._core.run_coordinator import DefaultRunCoordinator
from dagster._core.storage.event_log import InMemoryEventLogStorage
from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager
from dagster._core.storage.root import TemporaryLocalArtifactStorage
from dagster._core.storage.runs import InMemoryRunStorage
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool


class _OneConnection:
    """One connection to an in-memory storage's database, one transaction at a time.

    A call made while another holds it (the same thread, nested) joins that call's transaction.
    The connection may be used from any thread: the lock lets one in at a time.
    """

    def __init__(self, url: db.URL) -> None:
        self._engine = db.create_engine(url, poolclass=NullPool, connect_args={"check_same_thread": False})
        self.connection = self._engine.connect()
        self.connection.execute(db.text("PRAGMA foreign_keys=ON;")).close()
        self.connection.commit()
        self._lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._lock:
            if self._depth:
                yield self.connection
                return
            self._depth += 1
            try:
                with self.connection.begin():
                    yield self.connection
            finally:
                self._depth -= 1

    def close(self) -> None:
        self.connection.close()
        self._engine.dispose()


class _OneConnectionStorage:
    """Mixed into an in-memory storage: its one connection, which also keeps its database alive in
    place of the connection Dagster held for that (usable only from the thread that made it, so a
    storage let go on another thread complained while closing it)."""

    def __init__(self) -> None:
        super().__init__()
        self._one = _OneConnection(self._engine.url)
        held, self._held_conn = self._held_conn, self._one.connection
        held.close()

    def dispose(self) -> None:
        super().dispose()
        self._one.close()


class NightEventLogStorage(_OneConnectionStorage, InMemoryEventLogStorage):
    """Dagster's in-memory event log, every call on one connection."""

    @contextmanager
    def _connect(self) -> Iterator[Connection]:  # the one connection's lock serializes, as `_db_lock` did
        with self._one.transaction() as connection:
            yield connection


class NightRunStorage(_OneConnectionStorage, InMemoryRunStorage):
    """Dagster's in-memory run storage, every call on one connection."""

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self._one.transaction() as connection:
            yield connection


def night_instance() -> DagsterInstance:
    """An ephemeral instance (nothing kept after the process), as `DagsterInstance.ephemeral()`
    builds it, with the storages above."""
    return DagsterInstance(
        instance_type=InstanceType.EPHEMERAL,
        local_artifact_storage=TemporaryLocalArtifactStorage(),
        run_storage=NightRunStorage(),
        event_storage=NightEventLogStorage(),
        compute_log_manager=NoOpComputeLogManager(),
        run_coordinator=DefaultRunCoordinator(),
        run_launcher=SyncInMemoryRunLauncher(),
    )
