"""The archive: an immutable copy of every input ever received, named by its sha256 (SPEC §2).

File names in `landing/` are data, never paths to write to: the archive path is derived from the
content hash alone.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from orchestration.home import Home
from orchestration.publish.files import temporary_sibling

_CHUNK = 1 << 20


@dataclass(frozen=True)
class LandedFile:
    path: Path
    landing_path: str  # relative to landing/, for the record
    sha256: str
    size_bytes: int

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


def landed_files(home: Home, folder: str) -> list[LandedFile]:
    """Regular files directly in landing/<folder>, in name order; hidden and partial files skipped."""
    root = home.landing / folder
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.iterdir(), key=lambda p: p.name):
        if path.name.startswith(".") or path.name.endswith((".part", ".tmp")) or not path.is_file() or path.is_symlink():
            continue
        found.append(
            LandedFile(path, str(path.relative_to(home.landing)), sha256_of(path), path.stat().st_size)
        )
    return found


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
