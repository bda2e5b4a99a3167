"""The release's PACT exports, built only for the footprints whose rows changed since the last release.

Building a PACT footprint is Python per row (about 70 µs): 1.5 s of a million-line release, 14 s
of a ten-million-line one. What the last release built for each row is kept beside the warehouse
(`Home.pact_footprints`, a Parquet file) with a digest of the row's values, under a digest of the
code that built it (`pact.exporter_digest`); tonight a row with the same digests takes its
footprint from there, with tonight's `created`, and the files have the same bytes as building
every row (tests/unit/test_pact.py). The file is derived data: without it, or when it cannot be
read, every footprint is built.
"""

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration import pact
from orchestration.publish.files import temporary_sibling

WRITE_ROWS = 20_000
_SCHEMA = pa.schema([
    ("version", pa.string()),
    ("row_digest", pa.string()),
    ("footprint", pa.binary()),  # its lines in the export file; null when the row was left out
    ("skipped_reason", pa.string()),
])


def earlier_footprints(path: Path, exporter: str) -> pact.Built:
    """What the last release built, if it was built by the code of digest `exporter`."""
    try:
        file = pq.ParquetFile(path)
        if (file.schema_arrow.metadata or {}).get(b"exporter_digest") != exporter.encode():
            return {}
        table = file.read()
    except (OSError, pa.ArrowException):
        return {}
    built: pact.Built = {}
    for version, digest, footprint, reason in zip(*(table.column(name).to_pylist() for name in _SCHEMA.names)):
        built.setdefault(version, {})[digest] = (footprint, reason)
    return built


def remember_footprints(path: Path, exporter: str, built: pact.Built) -> None:
    """Keep what tonight's exports built (written in parts: a large night's footprints are hundreds of MB)."""
    entries = [(version, digest, *kept) for version, rows in built.items() for digest, kept in rows.items()]
    tmp = temporary_sibling(path)
    try:
        with pq.ParquetWriter(tmp, _SCHEMA.with_metadata({"exporter_digest": exporter}), compression="zstd") as writer:
            for start in range(0, len(entries), WRITE_ROWS):
                part = entries[start:start + WRITE_ROWS]
                writer.write_table(pa.table([pa.array([entry[i] for entry in part], _SCHEMA.field(i).type) for i in range(4)], schema=_SCHEMA))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
