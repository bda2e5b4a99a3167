"""The dbt project (models/) as Dagster sees it."""

from __future__ import annotations

import contextvars
import hashlib
import json
import os
import pprint
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import duckdb
import msgpack
import yaml
from dagster_dbt import DbtProject

from orchestration.home import DBT_PROJECT_DIR, Home
from orchestration.warehouse import dbt_memory_limit

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


@lru_cache(maxsize=1)
def load_manifest() -> dict:
    """The prepared dbt manifest, read once per process."""
    return json.loads(Path(dbt_project.manifest_path).read_text())


SAVED_PARSE = "partial_parse.msgpack"


def carry_saved_parse(target: Path, environment: Mapping[str, str], prepared: Path | None = None) -> bool:
    """Give a home's first dbt build the project's saved parse, valid for the home's profile.

    dbt keeps a saved parse only while the profile's connection values are unchanged, and those
    include the warehouse path and memory ceiling, which differ in every home: left alone, the
    first build in a new home parses the whole project again (5–8 s). Nothing the project parses
    reads those values (no model reads `target.path` or the settings), so the prepared parse is
    copied with the profile hash dbt will compute for this home. dbt still checks every file's
    checksum and parses again any file that reads a changed environment variable. Returns
    whether the parse was carried (not when the home has its own, or none is prepared).
    `prepared`: the saved parse to carry, by default the project's (models/target).
    """
    source = prepared or Path(dbt_project.manifest_path).with_name(SAVED_PARSE)
    destination = target / SAVED_PARSE
    if destination.exists() or not source.is_file():
        return False
    try:
        saved = msgpack.unpackb(source.read_bytes(), raw=False, strict_map_key=False)
        saved["state_check"]["profile_hash"]["checksum"] = contextvars.copy_context().run(profile_hash, environment)
    except Exception:  # only time is at stake: dbt then parses the project itself, as without a saved parse
        return False
    target.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(SAVED_PARSE + ".tmp")
    partial.write_bytes(msgpack.packb(saved))
    partial.replace(destination)
    return True


def profile_hash(environment: Mapping[str, str]) -> str:
    """The profile hash dbt records in its saved parse, for the profile `environment` renders.

    As dbt-core 1.11 computes it (`ManifestLoader.build_manifest_state_check`): the sorted
    connection values of the target's credentials. Run it in a copy of the context: dbt keeps
    the environment it renders with in a context variable.
    """
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.config.profile import read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt.contracts.files import FileHash
    from dbt_common.context import set_invocation_context

    set_invocation_context({**os.environ, **environment})
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    profile = read_profile(str(DBT_PROJECT_DIR))[project["profile"]]
    output = ProfileRenderer({}).render_data(profile["outputs"][profile["target"]])
    values = {key: value for key, value in output.items() if key not in ("type", "threads")}
    credentials = DuckDBCredentials.from_dict(DuckDBCredentials.translate_aliases(values))
    return FileHash.from_contents(pprint.pformat(sorted(credentials.connection_info()))).checksum


def run_results(target: Path) -> list[dict]:
    """The node results of the last dbt invocation that wrote `target` (none if it wrote none)."""
    path = target / "run_results.json"
    return json.loads(path.read_text(encoding="utf-8"))["results"] if path.is_file() else []


def dbt_build_args(full_refresh: bool = False) -> list[str]:
    """The dbt CLI arguments of a nightly build: a pure function, so it can be tested alone.

    dbt unit tests check the SQL itself, not the night's data: they run in the test suite
    (tests/integration/test_dbt_unit_tests.py), not every night. The run's as-of date and GWP set
    are not arguments: they reach dbt as data (`write_run_settings`). `full_refresh` builds the
    incrementally built models whole (`needs_full_refresh`). dbt writes no JSON artifacts
    (`--no-write-json`): it would write its whole manifest twice a build, before the first node and
    after the last, and nothing reads it; the build's run_results.json is written by `DbtBuild`.
    """
    return ["build", "--exclude-resource-type", "unit_test", "--no-write-json", *(["--full-refresh"] if full_refresh else [])]


def dbt_location_args(target: Path, project_dir: Path | str | None = None) -> list[str]:
    """Where a dbt invocation works: the project (`project_dir`, by default this one; dagster-dbt
    runs a large selection on a copy), its profile, and `target` for the artifacts and the log."""
    project = str(Path(project_dir or dbt_project.project_dir).resolve())
    profiles = str(Path(dbt_project.profiles_dir or dbt_project.project_dir).resolve())
    return ["--project-dir", project, "--profiles-dir", profiles, "--target-path", str(target), "--log-path", str(target)]


PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "transform", "macros", "seeds", "tests")

WHOLE_PROJECT = ["--select", "fqn:*"]  # dagster-dbt's selection when a run selects every model and check


def kept_nodes_args() -> list[str]:
    """What a build leaves out when the project's files are those of the last build that succeeded
    (`needs_full_refresh` is false): the seeds and views. The tables and views they made are the
    ones these files make; their tests still run (selected directly, not through their parents).
    A night with one new file at 1M lines: 0.6 s less of dbt (13 of 92 nodes, all at the head of
    the build, where every model waits for them)."""
    return ["--exclude", "resource_type:seed", "config.materialized:view", "--indirect-selection", "empty"]


def project_digest(project_dir: Path | None = None) -> str:
    """A digest of the dbt project's files (models, macros, seeds, tests, dbt_project.yml, profiles.yml).

    The activity-level models are built incrementally: rows built by other SQL, or from other seeds,
    must not stay beside new ones. Any change to these files rebuilds them whole, and builds the
    seeds and views again (`kept_nodes_args`).
    """
    root = Path(project_dir or dbt_project.project_dir)
    digest = hashlib.sha256()
    for name in PROJECT_FILES:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def needs_full_refresh(connection: duckdb.DuckDBPyConnection, digest: str) -> bool:
    """Whether the next build must rebuild the incremental models whole: no build has succeeded in
    this warehouse yet, or the last one that did was built from other project files."""
    rows = connection.execute("select project_digest from pipeline.dbt_builds order by built_at desc limit 1").fetchall()
    return not rows or rows[0][0] != digest


def record_build(connection: duckdb.DuckDBPyConnection, digest: str, files_through: int = 0) -> None:
    """Remember that a build of the project files `digest` succeeded, having read the received files
    up to `files_through` (`warehouse.received_files_through` before it began; only the latest is kept)."""
    connection.execute("begin")
    connection.execute("delete from pipeline.dbt_builds")
    connection.execute(
        "insert into pipeline.dbt_builds (project_digest, built_at, files_through) values (?, now(), ?)", [digest, files_through]
    )
    connection.execute("commit")


def write_run_settings(connection: duckdb.DuckDBPyConnection, as_of: str, gwp_set: str) -> None:
    """Set the as-of date and GWP set the next dbt build reads (`pipeline.run_settings`, one row).

    The models read them in SQL (macros `as_of_date` and `run_gwp_set`), not as `--vars` or
    environment variables rendered when dbt parses: a value that changes every night would make
    dbt parse again, every night, each file using it, and rebuild its manifest (1.5-2 s).
    """
    connection.execute("begin")
    connection.execute("delete from pipeline.run_settings")
    connection.execute("insert into pipeline.run_settings values (cast(? as date), ?)", [as_of, gwp_set])
    connection.execute("commit")


def dbt_env(home: Home, activity_rows: int = 0) -> dict[str, str]:
    """Environment for a dbt invocation against the home's warehouse (`activity_rows`: the rows of
    raw.submission_rows, which size DuckDB's memory ceiling inside dbt).

    dbt's log file (dbt/target/dbt.log) is kept at level info unless `DBT_LOG_LEVEL_FILE` says
    otherwise: at debug, every node's SQL and connection events are formatted and written under
    the lock dbt's threads and the night's own share, about 1 s of a million-line night's 9 s
    build. `DBT_LOG_LEVEL_FILE=debug` brings them back.
    """
    return {
        "PCF_DUCKDB_PATH": str(home.duckdb),
        "PCF_DBT_MEMORY_LIMIT": dbt_memory_limit(activity_rows),
        "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE", "info"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
