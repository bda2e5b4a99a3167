"""A night reads a landing file for its sha256 only when the hash recorded for it no longer holds."""

from __future__ import annotations

import hashlib
import os
from datetime import date

from orchestration.home import Home
from orchestration.ingest.archive import HASH_TRUSTED_AFTER_NS, KnownHash, known_hashes, landed_files
from tests.conftest import FIXTURES

FAKE = "f" * 64


def _home(tmp_path) -> Home:
    home = Home(tmp_path / "home").ensure()
    for name, text in (("a.csv", "first file\n"), ("b.csv", "second file\n")):
        (home.landing / "submissions" / name).write_text(text, encoding="utf-8")
    return home


def _settled(found, sha256: str = FAKE, after_ns: int = HASH_TRUSTED_AFTER_NS) -> KnownHash:
    """What a night would have recorded for this file had it read it `after_ns` after its last change."""
    return KnownHash(found.known.stat_key, sha256, found.known.stat_key[2] + after_ns)


def test_files_are_read_unless_a_settled_record_vouches_for_them(tmp_path):
    home = _home(tmp_path)
    first = {f.landing_path: f for f in landed_files(home, "submissions")}
    assert first["submissions/a.csv"].sha256 == hashlib.sha256(b"first file\n").hexdigest()
    assert first["submissions/b.csv"].known.stat_key[0] == len("second file\n")

    # a record made long enough after the file's last change is taken as it is: the file is not read
    trusted = {"submissions/a.csv": _settled(first["submissions/a.csv"])}
    again = {f.landing_path: f.sha256 for f in landed_files(home, "submissions", trusted)}
    assert again == {"submissions/a.csv": FAKE, "submissions/b.csv": first["submissions/b.csv"].sha256}

    # made within the file system's timestamp granularity of the change: read again
    recent = {"submissions/a.csv": _settled(first["submissions/a.csv"], after_ns=HASH_TRUSTED_AFTER_NS - 1)}
    assert landed_files(home, "submissions", recent)[0].sha256 == first["submissions/a.csv"].sha256

    # the same size, other bytes: the file's times change, and it is read again
    path = home.landing / "submissions" / "a.csv"
    path.write_text("other file\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, first["submissions/a.csv"].known.stat_key[1] + 1_000_000_000))
    changed = landed_files(home, "submissions", trusted)
    assert changed[0].sha256 == hashlib.sha256(b"other file\n").hexdigest()

    # a record of another path says nothing about this one
    elsewhere = {"submissions/c.csv": _settled(first["submissions/a.csv"])}
    assert FAKE not in {f.sha256 for f in landed_files(home, "submissions", elsewhere)}


def test_a_night_records_what_it_read_and_the_next_night_uses_it(tmp_path):
    """The warehouse holds each landing file's hash after ingest; a file replaced in place under
    the same name is received as a new submission; a record that vouches for a file is what the
    no-input check goes by."""
    import duckdb

    from orchestration.ingest.submissions import ingest_submissions
    from orchestration.provenance import has_new_landing_files
    from orchestration.warehouse import connect

    home = Home(tmp_path / "home").ensure()
    source = sorted((FIXTURES / "corpus" / "landing" / "submissions").glob("*.csv"))[:3]
    for path in source:
        (home.landing / "submissions" / path.name).write_bytes(path.read_bytes())
    with connect(home.root) as connection:
        assert ingest_submissions(connection, home, date(2026, 1, 15)).files_new == 3
        recorded = connection.sql(
            """select h.landing_path, h.file_sha256 = f.file_sha256
               from pipeline.landed_file_hashes h left join raw.files f using (landing_path) order by 1"""
        ).fetchall()
        assert recorded == [(f"submissions/{p.name}", True) for p in source]

        replaced = home.landing / "submissions" / source[0].name
        replaced.write_bytes(source[0].read_bytes().replace(b"\n", b"\r\n", 1))
        summary = ingest_submissions(connection, home, date(2026, 1, 16))
        assert (summary.files_seen, summary.files_new) == (3, 1)
        assert known_hashes(connection, "submissions")[f"submissions/{source[0].name}"].sha256 == hashlib.sha256(
            replaced.read_bytes()
        ).hexdigest()

        received = {row[0] for row in connection.execute("select file_sha256 from raw.files").fetchall()}
        hashes = known_hashes(connection, "submissions")
    assert not has_new_landing_files(home, received, hashes)
    # were the record trusted with another hash, the file would count as new: the record, not the file, is read
    name = f"submissions/{source[1].name}"
    hashes[name] = KnownHash(hashes[name].stat_key, FAKE, hashes[name].stat_key[2] + HASH_TRUSTED_AFTER_NS)
    assert has_new_landing_files(home, received, hashes)
    with duckdb.connect(str(home.duckdb), read_only=True) as connection:
        assert known_hashes(connection, "shipments") == {}
