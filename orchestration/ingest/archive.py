"""The archive: an immutable copy of every input ever received, named by its sha256 (SPEC §2).

File names in `landing/` are data, never paths to write to: the archive path is derived from the
content hash alone.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.home import Home
from orchestration.publish.files import temporary_sibling

_CHUNK = 1 << 20


# A file's recorded content hash is trusted without reading the file only when the file had not
# changed for this long before it was last read: a write within the file system's timestamp
# granularity (a few milliseconds on ext4, two seconds on FAT) can leave its times unchanged.
HASH_TRUSTED_AFTER_NS = 5_000_000_000


@dataclass(frozen=True)
class KnownHash:
    """What a night found of a landing file: its content hash, what `stat` said of it just before
    the file was read, and when (wall clock, ns)."""

    stat_key: tuple[int, int, int, int, int]  # size, mtime_ns, ctime_ns, inode, device
    sha256: str
    checked_at_ns: int

    def vouches_for(self, stat_key: tuple[int, int, int, int, int]) -> bool:
        """Whether this hash is the content of a file `stat` describes so: the same size, times, inode
        and device, and the file had been left alone for a while when it was read. Writing a file
        sets its change time (ctime) to the clock's, which no user tool can set back."""
        return stat_key == self.stat_key and self.checked_at_ns - stat_key[2] >= HASH_TRUSTED_AFTER_NS


@dataclass(frozen=True)
class LandedFile:
    path: Path
    landing_path: str  # relative to landing/, for the record
    known: KnownHash  # its hash and what `stat` said of it, kept for the next night

    @property
    def sha256(self) -> str:
        return self.known.sha256

    @property
    def size_bytes(self) -> int:
        return self.known.stat_key[0]

    @property
    def submission_id(self) -> str:
        """First 16 hex digits of the sha256: the identity of a submission (SPEC §3.2)."""
        return self.sha256[:16]

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def landed_files(home: Home, folder: str, known: Mapping[str, KnownHash] | None = None) -> list[LandedFile]:
    """Regular files directly in landing/<folder>, in name order; hidden and partial files skipped.

    Each file is read for its sha256 unless `known` (by landing path, `known_hashes`) holds a hash
    that vouches for it (`KnownHash.vouches_for`): a night with one new file among 20,000 reads
    that one, not 2.7 GB again.
    """
    root = home.landing / folder
    if not root.is_dir():
        return []
    found = []
    with os.scandir(root) as entries:
        listed = sorted(entries, key=lambda entry: entry.name)
    for entry in listed:
        if ignored_in_landing(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        landing_path = f"{folder}/{entry.name}"
        path = root / entry.name
        found.append(LandedFile(path, landing_path, hash_of(path, entry.stat(follow_symlinks=False), known.get(landing_path) if known else None)))
    return found


def hash_of(path: Path, stat: os.stat_result, known: KnownHash | None = None) -> KnownHash:
    """The content hash of the file at `path`, which `stat` describes: `known` when it vouches for
    the file (`KnownHash.vouches_for`), else read from the file."""
    stat_key = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)
    if known is not None and known.vouches_for(stat_key):
        return known
    checked_at_ns = time.time_ns()  # before reading: a write while it is read changes the times
    return KnownHash(stat_key, sha256_of(path), checked_at_ns)


def ignored_in_landing(name: str) -> bool:
    """Hidden files and files still being written (`.part`, `.tmp`) are not taken from landing/."""
    return name.startswith(".") or name.endswith((".part", ".tmp"))


def known_hashes(connection: duckdb.DuckDBPyConnection, folder: str) -> dict[str, KnownHash]:
    """The hashes earlier nights recorded for landing/<folder> (`remember_hashes`), by landing path;
    none from a warehouse of an earlier version."""
    try:
        rows = connection.execute(
            """select landing_path, size_bytes, mtime_ns, ctime_ns, inode, device, file_sha256, checked_at_ns
               from pipeline.landed_file_hashes where folder = ?""",
            [folder],
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    return {path: KnownHash((size, mtime, ctime, inode, device), sha256, checked) for path, size, mtime, ctime, inode, device, sha256, checked in rows}


def remember_hashes(connection: duckdb.DuckDBPyConnection, folder: str, landed: list[LandedFile]) -> None:
    """Record what `landed_files` found in landing/<folder>, replacing what was recorded there before."""
    import pyarrow as pa

    table = pa.table({
        "folder": pa.array([folder] * len(landed), pa.string()),
        "landing_path": pa.array([f.landing_path for f in landed], pa.string()),
        "size_bytes": pa.array([f.known.stat_key[0] for f in landed], pa.int64()),
        "mtime_ns": pa.array([f.known.stat_key[1] for f in landed], pa.int64()),
        "ctime_ns": pa.array([f.known.stat_key[2] for f in landed], pa.int64()),
        "inode": pa.array([f.known.stat_key[3] for f in landed], pa.uint64()),
        "device": pa.array([f.known.stat_key[4] for f in landed], pa.uint64()),
        "file_sha256": pa.array([f.sha256 for f in landed], pa.string()),
        "checked_at_ns": pa.array([f.known.checked_at_ns for f in landed], pa.int64()),
    })
    connection.execute("begin transaction")
    try:
        connection.execute("delete from pipeline.landed_file_hashes where folder = ?", [folder])
        connection.register("landed_file_hashes_now", table)
        connection.execute("insert into pipeline.landed_file_hashes by name select * from landed_file_hashes_now")
        connection.unregister("landed_file_hashes_now")
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise


def archive_path(sha256: str, suffix: str) -> str:
    """Where the archive keeps a file with this content, relative to the home."""
    safe_suffix = suffix.lower() if suffix.lower() in {".csv", ".xlsx", ".json", ".txt"} else ".bin"
    return f"archive/{sha256[:2]}/{sha256}{safe_suffix}"


def archive(home: Home, source: Path, sha256: str, sync: bool = True, data: bytes | None = None) -> str:
    """Copy `source` into the archive (once; never overwritten) and return its home-relative path.

    With `sync=False` the copy is not forced to disk here: the caller calls `os.sync()` once for
    a whole batch before recording it (one flush instead of one per file). `data`: the file's
    bytes when the caller has read them already.
    """
    relative = archive_path(sha256, source.suffix)
    target = home.inside(home.root / relative)
    if target.exists():
        return relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_sibling(target)
    tmp.unlink(missing_ok=True)  # a read-only copy a killed run left under this process's name
    try:
        with tmp.open("wb") as handle:
            if data is None:
                with source.open("rb") as src:
                    shutil.copyfileobj(src, handle, _CHUNK)
            else:
                handle.write(data)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return relative
