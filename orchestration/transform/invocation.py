"""One dbt build in the night's own process: its result events as they come, then the warehouse let go.

A dbt subprocess paid, every night and at any size, what this process has already paid: importing
dbt and its adapter (dagster-dbt imports them too), registering the adapter and loading the saved
parse, about 3 s of a night. dbt's programmatic entry point (`dbtRunner`) runs the same build
here, on a thread of its own, while the step turns each result into Dagster events.
"""

import queue
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.publish.files import temporary_sibling

RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
_FINISHED = object()


class DbtBuildError(Exception):
    """dbt did not finish its build successfully: a failed test or model, or dbt itself failed."""


@dataclass
class DbtBuild:
    """`dbt <args>` run by `events()`; `errors` holds the error lines dbt logged, in order.

    `run_results`: where to write what the build ran and found (dbt's run_results.json) once it
    has finished, successful or not, for a build whose arguments tell dbt to write no artifacts.
    """

    args: Sequence[str]
    run_results: Path | None = None
    compiled_templates: Path | None = None  # where the build's compiled Jinja is kept (`templates`)
    errors: list[str] = field(default_factory=list)

    def events(self, grace_s: float = 10.0) -> Iterator[dict[str, Any]]:
        """dbt's result events, as dicts in the shape of its JSON log lines, while it builds.

        Raises DbtBuildError once dbt has finished, when it did not succeed. When the caller stops
        reading early (an error in the step, a cancelled run), dbt's running queries are
        interrupted until it stops, for at most `grace_s` seconds: a build nobody reads must not
        keep the warehouse open.
        """
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        results: queue.SimpleQueue = queue.SimpleQueue()
        outcome: dict[str, Any] = {}

        def collect(event) -> None:
            if event.info.name in RESULT_EVENTS:
                results.put(msg_to_dict(event))
            elif event.info.level == "error" and event.info.msg:
                self.errors.append(event.info.msg)

        def invoke() -> None:
            try:
                with self._templates():
                    outcome["result"] = dbtRunner(callbacks=[collect]).invoke(list(self.args))
                self._write_run_results(outcome["result"].result)
            except BaseException as error:  # noqa: BLE001 - reported by the step, never lost in the thread
                outcome.setdefault("error", error)
            try:
                release_warehouse()
            except Exception as error:  # noqa: BLE001 - as above
                outcome.setdefault("error", error)
            finally:
                results.put(_FINISHED)

        thread = threading.Thread(target=invoke, name="dbt-build", daemon=True)
        thread.start()
        finished = False
        try:
            while True:
                try:
                    item = results.get(timeout=0.5)  # a timeout keeps this thread open to signals
                except queue.Empty:
                    continue
                if item is _FINISHED:
                    finished = True
                    break
                yield item
        finally:
            if not finished:
                stop(thread, grace_s)
        thread.join()
        self._raise_unless_successful(outcome)

    def _templates(self) -> AbstractContextManager[None]:
        if self.compiled_templates is None:
            return nullcontext()
        from orchestration.transform.templates import CompiledTemplates

        return CompiledTemplates(self.compiled_templates).installed()

    def _write_run_results(self, result: Any) -> None:
        if self.run_results is None or not hasattr(result, "write"):
            return
        self.run_results.parent.mkdir(parents=True, exist_ok=True)
        partial = temporary_sibling(self.run_results)
        result.write(str(partial))
        partial.replace(self.run_results)

    def _raise_unless_successful(self, outcome: dict[str, Any]) -> None:
        error = outcome.get("error")
        result = outcome.get("result")
        if error is None and result is not None and result.success:
            return
        cause = error or (result.exception if result is not None else None)
        lines = [f"dbt {' '.join(self.args[:1])} did not succeed"]
        if cause is not None:
            lines.append(f"{type(cause).__name__}: {cause}")
        lines += self.errors[:20]
        raise DbtBuildError("\n".join(lines)) from cause


def stop(thread: threading.Thread, grace_s: float) -> None:
    """Interrupt dbt's running queries until its thread ends, for at most `grace_s` seconds.

    Each interrupted query fails its node, so dbt runs out of work quickly; a thread still running
    after the grace is left to finish on its own (it is a daemon: it never keeps the process alive).
    """
    deadline = time.monotonic() + grace_s
    while thread.is_alive() and time.monotonic() < deadline:
        cancel_queries()
        thread.join(0.1)


def cancel_queries() -> None:
    """Interrupt every query dbt's adapters are running in this process."""
    from dbt.adapters.factory import FACTORY

    for adapter in list(FACTORY.adapters.values()):
        try:
            adapter.cancel_open_connections()
        except Exception:  # noqa: BLE001 - nothing to interrupt, or the adapter already closed
            pass


def release_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a build.

    dbt-duckdb holds its database for the life of the process (its connection manager keeps the
    environment on the class, and closes it only when the next build's credentials differ). Left
    open, the warehouse could not be opened again here with other settings (read-only, another
    memory ceiling), and its memory would stay held while the night's later steps run.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.factory import reset_adapters

    reset_adapters()
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()
