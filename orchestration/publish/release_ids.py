"""Release ids (`YYYY-MM-DD`, then `YYYY-MM-DD.2`, `.3` … the same day) and the `LATEST` pointer."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

RELEASE_ID_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.([1-9]\d*))?$")
LATEST_FILE = "LATEST"
RELEASES_DIR = "releases"


def parse_release_id(release_id: str) -> tuple[str, int] | None:
    """`('2026-11-23', 1)` for '2026-11-23', `('2026-11-23', 2)` for '2026-11-23.2'; None if not an id."""
    match = RELEASE_ID_RE.match(release_id)
    if not match:
        return None
    day, seq = match.group(1), int(match.group(2) or 1)
    try:
        date.fromisoformat(day)
    except ValueError:
        return None
    if match.group(2) is not None and seq < 2:
        return None
    return day, seq


def release_sort_key(release_id: str) -> tuple[str, int]:
    """Chronological order of release ids (date, then same-day sequence)."""
    parsed = parse_release_id(release_id)
    if parsed is None:
        raise ValueError(f"not a release id: {release_id!r}")
    return parsed


def next_release_id(releases_dir: Path, as_of: str) -> str:
    """The id for a new release of `as_of`: the date itself, then `.2`, `.3` … past existing folders."""
    if parse_release_id(as_of) != (as_of, 1):
        raise ValueError(f"as_of must be a date YYYY-MM-DD, got {as_of!r}")
    taken = [release_sort_key(rid)[1] for rid in list_release_ids(releases_dir) if rid.split(".")[0] == as_of]
    if not taken:
        return as_of
    return f"{as_of}.{max(taken) + 1}"


def list_release_ids(releases_dir: Path) -> list[str]:
    """Release folders present (temporary `.tmp-*` folders and other names ignored), oldest first."""
    if not releases_dir.is_dir():
        return []
    ids = [p.name for p in releases_dir.iterdir() if p.is_dir() and parse_release_id(p.name)]
    return sorted(ids, key=release_sort_key)


def current_release(publish_root: Path) -> str | None:
    """The release id in `publish_root/LATEST`, or None when nothing has been published."""
    try:
        text = (publish_root / LATEST_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text if parse_release_id(text) else None


def release_in_effect_on(publish_root: Path, as_of: str) -> str | None:
    """The release a run of `as_of` is measured against: `LATEST`, or for a back-dated run the newest
    release of that day or before."""
    latest = current_release(publish_root)
    if latest is None or release_sort_key(latest)[0] <= as_of:
        return latest
    earlier = [rid for rid in list_release_ids(publish_root / RELEASES_DIR) if release_sort_key(rid)[0] <= as_of]
    return earlier[-1] if earlier else None
