"""What a release is built from, and whether a night has anything new to publish.

Kept free of Dagster and dbt imports so `pcf run` can tell in a moment that nothing changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from orchestration.home import DBT_PROJECT_DIR, Home
from orchestration.ingest.archive import KnownHash, known_hashes, landed_files


@dataclass(frozen=True)
class Provenance:
    """What a release was built from; equal provenance means nothing to publish."""

    submissions: list[str]
    factor_releases: list[dict]
    gwp_set: str
    method: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()

    def as_dict(self) -> dict:
        return {
            "submissions": self.submissions,
            "factor_releases": self.factor_releases,
            "gwp_set": self.gwp_set,
            "method": self.method,
        }


def method_version() -> str:
    """A hash of what computes the numbers: the SQL of the models and macros, the seeds and the
    project's variables. A change to them is a change of method; documentation is not."""
    digest = hashlib.sha256()
    paths = [DBT_PROJECT_DIR / "dbt_project.yml"] + sorted(
        p for p in DBT_PROJECT_DIR.rglob("*")
        if p.is_file() and p.suffix in {".sql", ".csv"} and not {"target", "tests", "logs"} & set(p.relative_to(DBT_PROJECT_DIR).parts)
    )
    for path in paths:
        digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def provenance(connection, as_of: str, gwp_set: str) -> Provenance:
    submissions = [
        row[0]
        for row in connection.execute(
            "select file_sha256 from raw.files where received_date <= ? order by file_sha256", [as_of]
        ).fetchall()
    ]
    releases = [
        {"release_id": r[0], "publisher": r[1], "published_date": str(r[2]), "license": r[3], "sha256": r[4]}
        for r in connection.execute(
            """select release_id, publisher, published_date, license, metadata_sha256 || ':' || factors_sha256
               from raw.factor_releases
               where release_status = 'accepted' and published_date <= ?
               order by published_date, release_id""",
            [as_of],
        ).fetchall()
    ]
    return Provenance(submissions, releases, gwp_set, method_version())


def release_with_fingerprint(home: Home, fingerprint: str) -> str | None:
    """The newest release built from exactly these inputs, if any."""
    releases = home.publish / "releases"
    if not releases.exists():
        return None
    for folder in sorted((p for p in releases.iterdir() if not p.name.startswith(".")), reverse=True):
        path = folder / "provenance.json"
        if path.exists() and json.loads(path.read_text()).get("fingerprint") == fingerprint:
            return folder.name
    return None


LANDING_FOLDERS = ("submissions", "shipments")


def has_new_landing_files(home: Home, known: set[str], hashes: Mapping[str, KnownHash] | None = None) -> bool:
    """Whether landing/ holds a file (or factor release folder) not yet received; files that
    `hashes` (the warehouse's `known_hashes`) still vouches for are not read again."""
    for folder in LANDING_FOLDERS:
        if any(f.sha256 not in known for f in landed_files(home, folder, hashes)):
            return True
    return False


def nothing_to_do(home: Home, as_of: date, gwp_set: str) -> str | None:
    """The release already built from exactly tonight's inputs, when nothing new landed; else None."""
    import duckdb

    if not home.duckdb.exists() or not (home.publish / "LATEST").exists():
        return None
    connection = duckdb.connect(str(home.duckdb), read_only=True)
    try:
        known = {row[0] for row in connection.execute("select file_sha256 from raw.files").fetchall()}
        known_releases = {row[0] for row in connection.execute("select release_id from raw.factor_releases").fetchall()}
        inputs = provenance(connection, as_of.isoformat(), gwp_set)
        hashes = {path: hashed for folder in LANDING_FOLDERS for path, hashed in known_hashes(connection, folder).items()}
    except duckdb.Error:
        return None
    finally:
        connection.close()
    factor_root = home.landing / "factors"
    if factor_root.is_dir() and any(p.is_dir() and not p.name.startswith(".") and p.name not in known_releases for p in factor_root.iterdir()):
        return None
    if has_new_landing_files(home, known, hashes):
        return None
    same = release_with_fingerprint(home, inputs.fingerprint)
    # a release built from these inputs that is not current (a crash before LATEST moved) needs the
    # job; LATEST is read here, not through orchestration.publish, to keep this path free of pyarrow
    latest = home.publish / "LATEST"
    current = latest.read_text().strip() if latest.exists() else None
    return same if same == current else None
