"""When the nightly job runs: at 02:00 in Shanghai, and when new files land."""


import json

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from orchestration.home import Home, default_home
from orchestration.ingest.archive import sha256_of

NIGHTLY_CRON = "0 2 * * *"
PILOT_TIMEZONE_NAME = "Asia/Shanghai"


def nightly_schedule(job) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="nightly",
        job=job,
        cron_schedule=NIGHTLY_CRON,
        execution_timezone=PILOT_TIMEZONE_NAME,
        default_status=DefaultScheduleStatus.STOPPED,
        description="The nightly run: ingest, transform, validate, publish.",
    )


def landed_hashes(home: Home) -> dict[str, str]:
    """sha256 → landing path of every file in landing/ (submissions, shipments, factor releases)."""
    found: dict[str, str] = {}
    if not home.landing.is_dir():
        return found
    for path in sorted(home.landing.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and not path.is_symlink():
            found.setdefault(sha256_of(path), str(path.relative_to(home.landing)))
    return found


def landing_sensor(job):
    @sensor(
        name="landing_files",
        job=job,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.STOPPED,
        description="Starts a run for each new file in landing/ (one run key per file content).",
    )
    def _sensor(context: SensorEvaluationContext):
        seen = set(json.loads(context.cursor)) if context.cursor else set()
        current = landed_hashes(Home(default_home()))
        new = sorted(set(current) - seen)
        if not new:
            yield SkipReason("no new files in landing/")
            return
        for sha256 in new:
            yield RunRequest(run_key=sha256, tags={"pcf/landed_file": current[sha256]})
        context.update_cursor(json.dumps(sorted(seen | set(current))))

    return _sensor
