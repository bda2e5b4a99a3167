"""Parquet as published: typed, zstd, and byte-for-byte reproducible from the same table.

Every writer option that affects the bytes is fixed here (codec, level, row-group size, format
version, page settings), Arrow writes no timestamps, and pandas' schema metadata (which carries the
pandas version) is dropped, so the same table always gives the same file.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.publish.files import write_bytes_synced

COMPRESSION = "zstd"
COMPRESSION_LEVEL = 9
ROW_GROUP_SIZE = 262_144
DATA_PAGE_SIZE = 1 << 20
FORMAT_VERSION = "2.6"


def parquet_bytes(table: pa.Table) -> bytes:
    """Encode `table` as Parquet bytes with the fixed, deterministic writer settings."""
    metadata = dict(table.schema.metadata or {})
    metadata.pop(b"pandas", None)
    table = table.replace_schema_metadata(metadata or None)
    sink = pa.BufferOutputStream()
    pq.write_table(
        table,
        sink,
        compression=COMPRESSION,
        compression_level=COMPRESSION_LEVEL,
        row_group_size=ROW_GROUP_SIZE,
        data_page_size=DATA_PAGE_SIZE,
        version=FORMAT_VERSION,
        use_dictionary=True,
        write_statistics=True,
        store_schema=True,
    )
    return sink.getvalue().to_pybytes()


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write `table` to `path` as zstd Parquet with deterministic bytes, and fsync it."""
    write_bytes_synced(path, parquet_bytes(table))
