"""When the nightly job runs: at 02:00 in Shanghai, and when new files land."""


import json
from collections.abc import Mapping
from stat import S_ISREG

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
from orchestration.ingest.archive import KnownHash, hash_of, ignored_in_landing

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


def landed_hashes(home: Home, known: Mapping[str, KnownHash] | None = None) -> dict[str, KnownHash]:
    """Landing path → content hash of every file under landing/ (submissions, shipments, factor
    releases), in path order. A file that `known` (the previous evaluation's) still vouches for is
    not read again: at 20,000 files an evaluation reads the new ones, not 2.7 GB every minute."""
    found: dict[str, KnownHash] = {}
    if not home.landing.is_dir():
        return found
    for path in sorted(home.landing.rglob("*")):
        if ignored_in_landing(path.name):
            continue
        stat = path.lstat()  # a symbolic link is not a regular file: not followed
        if S_ISREG(stat.st_mode):
            landing_path = path.relative_to(home.landing).as_posix()
            found[landing_path] = hash_of(path, stat, (known or {}).get(landing_path))
    return found


def read_cursor(cursor: str | None) -> tuple[set[str], dict[str, KnownHash]]:
    """The content hashes the sensor has requested runs for, and what it knew of each landing file.
    A cursor of an earlier version (a list of hashes) knows no file: each is read once more."""
    value = json.loads(cursor) if cursor else {}
    if isinstance(value, list):
        return set(value), {}
    files = {path: KnownHash(tuple(entry[:5]), entry[5], entry[6]) for path, entry in value.get("files", {}).items()}
    return set(value.get("seen", [])) | {hashed.sha256 for hashed in files.values()}, files


def write_cursor(seen: set[str], files: Mapping[str, KnownHash]) -> str:
    """The cursor `read_cursor` reads: the hashes of the files still in landing/ are not repeated."""
    present = {hashed.sha256 for hashed in files.values()}
    return json.dumps(
        {"seen": sorted(seen - present), "files": {path: [*hashed.stat_key, hashed.sha256, hashed.checked_at_ns] for path, hashed in files.items()}},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def landing_sensor(job):
    @sensor(
        name="landing_files",
        job=job,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.STOPPED,
        description="Starts a run for each new file in landing/ (one run key per file content).",
    )
    def _sensor(context: SensorEvaluationContext):
        seen, known = read_cursor(context.cursor)
        current = landed_hashes(Home(default_home()), known)
        first_path = {}
        for landing_path, hashed in current.items():
            first_path.setdefault(hashed.sha256, landing_path)
        new = sorted(set(first_path) - seen)
        for sha256 in new:
            yield RunRequest(run_key=sha256, tags={"pcf/landed_file": first_path[sha256]})
        if new or current != known:
            context.update_cursor(write_cursor(seen | set(first_path), current))
        if not new:
            yield SkipReason("no new files in landing/")

    return _sensor
