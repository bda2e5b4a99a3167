"""The release's PACT exports, built only for the footprints whose rows changed since the last release.

Building a PACT footprint is Python per row (about 70 µs): 1.5 s of a million-line release, 14 s
of a ten-million-line one. What the last release built for each row is kept beside the warehouse
(`Home.pact_footprints`, a Parquet file) with a digest of the row's values, under a digest of the
code that built it (`pact.exporter_digest`); tonight a row with the same digests takes its
footprint from there, with tonight's `created`, and the files have the same bytes as building
every row (tests/unit/test_pact.py). The kept footprints stay in this file's Arrow chunks up to
the export files (`pact.Kept`): a night that builds few reads, finds and joins the others without
a Python object each. The file is derived data: without it, or when it cannot be read, every
footprint is built.
"""

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration import pact
from orchestration.publish.files import temporary_sibling

WRITE_ROWS = 20_000
_SCHEMA = pa.schema([
    ("version", pa.string()),
    ("row_digest", pa.string()),
    ("footprint", pa.large_binary()),  # its lines in the export file; null when the row was left out
    ("skipped_reason", pa.string()),
])


def earlier_footprints(path: Path, exporter: str) -> pact.Built:
    """What the last release built, if it was built by the code of digest `exporter` (else {})."""
    try:
        file = pq.ParquetFile(path)
        if (file.schema_arrow.metadata or {}).get(b"exporter_digest") != exporter.encode():
            return {}
        # a chunk a row group: ParquetFile.read would put each column in one new buffer (2-5x as long)
        table = pa.Table.from_batches(list(file.iter_batches(batch_size=WRITE_ROWS)), schema=file.schema_arrow)
    except (OSError, pa.ArrowException):
        return {}
    built: pact.Built = {}
    versions = table.column("version")
    for version in pc.unique(versions).to_pylist():
        first, count = pc.index(versions, version).as_py(), pc.sum(pc.equal(versions, version)).as_py()
        rows = table.slice(first, count)  # written one version after the other: no copy
        if pc.any(pc.not_equal(rows.column("version"), version)).as_py():
            rows = table.filter(pc.equal(versions, version))
        built[version] = pact.Kept(rows.column("row_digest"), rows.column("footprint"), rows.column("skipped_reason"))
    return built


def remember_footprints(path: Path, exporter: str, built: pact.Built) -> None:
    """Keep what tonight's exports built or took, for tonight's rows only, a chunk of `Kept`'s pool at
    a time (a large night's footprints are hundreds of MB; LZ4 reads them back three times as fast
    as zstd, at twice the size)."""
    tmp = temporary_sibling(path)
    try:
        with pq.ParquetWriter(tmp, _SCHEMA.with_metadata({"exporter_digest": exporter}), compression="lz4") as writer:
            for version, entries in built.items():
                for digests, footprints, reasons in pact.Kept.of(entries).parts():
                    versions = pa.array([version] * len(digests), pa.string())
                    part = pa.table([versions, digests, footprints, reasons], schema=_SCHEMA)
                    writer.write_table(part, row_group_size=WRITE_ROWS)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
