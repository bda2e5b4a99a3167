"""Run the nightly job in-process, as `pcf run` does, and say plainly what happened."""

from __future__ import annotations

import json
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from rich.console import Console
from rich.table import Table

from orchestration.home import Home, today_in_pilot
from orchestration.provenance import nothing_to_do
from orchestration.status import record_run

EXIT_OK, EXIT_ERROR, EXIT_BLOCKED = 0, 1, 2
NIGHTLY_JOB, FAST_JOB = "nightly_job", "fast_job"


@dataclass
class RunOutcome:
    exit_code: int
    release_id: str | None = None
    published: bool = False
    failed_checks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)


def _materialization_metadata(result, key: str) -> dict:
    from dagster import AssetKey

    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key == AssetKey.from_user_string(key):
            return {name: getattr(value, "value", value) for name, value in materialization.metadata.items()}
    return {}


class _JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("dagster_meta",):
            meta = getattr(record, key, None)
            if isinstance(meta, dict):
                entry.update({k: str(v) for k, v in meta.items() if k in ("run_id", "step_key", "dagster_event_type", "job_name")})
        return json.dumps(entry, ensure_ascii=False)


@contextmanager
def structured_log(path):
    """Every log record of the run, one JSON object a line, in $PCF_HOME/logs/."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(_JsonLines())
    loggers = [logging.getLogger(name) for name in ("dagster", "orchestration")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        handler.close()


def run_nightly(
    home: Home,
    as_of: date | None = None,
    gwp_set: str | None = None,
    approve_drift: bool = False,
    console: Console | None = None,
    job_name: str = NIGHTLY_JOB,
) -> RunOutcome:
    """Execute `job_name` (`nightly_job`, or `fast_job` for CI) in this process against `home`;
    never raises for a failed run."""
    os.environ["PCF_HOME"] = str(home.root)
    console = console or Console()
    as_of = as_of or today_in_pilot()
    unchanged = nothing_to_do(home, as_of, gwp_set or os.environ.get("PCF_GWP_SET", "AR6")) if not approve_drift else None
    if unchanged is not None:
        outcome = RunOutcome(EXIT_OK, release_id=unchanged, metadata={"release": {"release_id": unchanged}})
        console.print(f"Nothing new in landing/ and the inputs of {as_of} are those of release {unchanged}: nothing to do.")
        record_run(home, {"as_of": as_of.isoformat(), "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                          "exit_code": EXIT_OK, "outcome": "unchanged", "release_id": unchanged})
        return outcome
    from orchestration.validate import worker

    worker.start()  # it imports Great Expectations on the other core while this one imports the job;
    # the night's suites run there, and it stops with the night
    from orchestration.definitions import defs
    from orchestration.operations.instance import night_instance

    settings = {"home": str(home.root), "as_of": as_of.isoformat(), "approve_drift": approve_drift}
    if gwp_set:
        settings["gwp_set"] = gwp_set
    job = defs.resolve_job_def(job_name)
    log_path = home.logs / f"run-{as_of.isoformat()}-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.jsonl"
    try:
        with console.status(f"running the nightly job for {as_of} in {home.root} …"), structured_log(log_path):
            result = job.execute_in_process(
                run_config={"resources": {"settings": {"config": settings}}},
                instance=night_instance(),
                raise_on_error=False,
            )
    finally:
        worker.stop()
    outcome = RunOutcome(EXIT_OK)
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            outcome.failed_checks.append(f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name} — {evaluation.description or ''}")
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            outcome.errors.append(f"{event.step_key}: {error.message.strip() if error else 'failed'}")
    release = _materialization_metadata(result, "release")
    outcome.metadata = {
        "ingest": _materialization_metadata(result, "raw/files"),
        "feedback": _materialization_metadata(result, "submission_feedback"),
        "release": release,
    }
    outcome.published = bool(release.get("published"))
    outcome.release_id = release.get("release_id") or None
    if outcome.failed_checks:
        outcome.exit_code = EXIT_BLOCKED
    elif not result.success or not release:
        outcome.exit_code = EXIT_ERROR
    _print_summary(console, home, outcome)
    record_run(
        home,
        {
            "as_of": as_of.isoformat(),
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "run_id": result.run_id,
            "job": job_name,
            "exit_code": outcome.exit_code,
            "outcome": {EXIT_OK: "published" if outcome.published else "unchanged", EXIT_BLOCKED: "blocked", EXIT_ERROR: "error"}[outcome.exit_code],
            "release_id": outcome.release_id,
            "failed_checks": outcome.failed_checks,
            "errors": outcome.errors,
            **{f"{k}_{n}": v for k, m in outcome.metadata.items() for n, v in m.items() if isinstance(v, (int, float, str, bool))},
        },
    )
    return outcome


def _print_summary(console: Console, home: Home, outcome: RunOutcome) -> None:
    table = Table(title="pcf run", show_header=False)
    ingest, feedback, release = (outcome.metadata.get(k, {}) for k in ("ingest", "feedback", "release"))
    table.add_row("files received (new)", str(ingest.get("files_new", "–")))
    table.add_row("files quarantined whole", str(feedback.get("files_quarantined", "–")))
    table.add_row("rows received", str(feedback.get("rows_received", "–")))
    table.add_row("rows accepted", str(feedback.get("rows_accepted", "–")))
    table.add_row("rows quarantined", str(feedback.get("rows_quarantined", "–")))
    table.add_row("products computed", str(release.get("accepted_products", "–")))
    table.add_row("public products", str(release.get("public_products", "–")))
    table.add_row("checks passed / failed", f"{release.get('checks_passed', '–')} / {release.get('checks_failed', len(outcome.failed_checks))}")
    console.print(table)
    if outcome.exit_code == EXIT_BLOCKED:
        console.print("[bold red]Validation blocked publishing[/]; the previous release stays current. Failed checks:")
        for check in outcome.failed_checks:
            console.print(f"  - {check}")
    elif outcome.exit_code == EXIT_ERROR:
        console.print("[bold red]The run failed[/]; nothing was published.")
        for error in outcome.errors:
            console.print(f"  - {error}")
    elif outcome.published:
        folder = home.publish / "releases" / str(outcome.release_id)
        console.print(f"[bold green]Published release {outcome.release_id}[/] at {folder}")
        console.print(f"Browse it: open {home.publish / 'index.html'} or run `pcf serve --home {home.root}`")
    else:
        console.print(f"Nothing changed since release {outcome.release_id}; nothing new published.")
