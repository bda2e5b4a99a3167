"""The DuckDB warehouse: where it is, how to open it, and the raw tables ingestion writes.

The `raw` schema is the boundary between Python ingestion and dbt: ingestion appends to these tables
(never edits what is there, so history is kept), dbt reads them as sources. DuckDB allows one
read-write process at a time, so every connection here is opened for one short piece of work and
closed before dbt runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration.inputs import FACTOR_COLUMNS, SUBMISSION_COLUMNS

_SUBMISSION_TEXT_COLUMNS = ",\n    ".join(f"{c.name} varchar" for c in SUBMISSION_COLUMNS)
_FACTOR_TEXT_COLUMNS = ",\n    ".join(f"{c.name} varchar" for c in FACTOR_COLUMNS)

RAW_DDL = f"""
create schema if not exists raw;

-- the as-of date and GWP set of the dbt build under way, one row, written before each build
create schema if not exists pipeline;
create table if not exists pipeline.run_settings (
    as_of date not null,
    gwp_set varchar not null
);

-- the digest of the dbt project's files at the last build that succeeded: a build with other files
-- rebuilds the incrementally built models whole (orchestration/transform/project.py); and the
-- last received_seq of raw.files it read: the tests of received rows check those after it
create table if not exists pipeline.dbt_builds (
    project_digest varchar not null,
    built_at timestamptz not null,
    files_through bigint
);
alter table pipeline.dbt_builds add column if not exists files_through bigint;

-- what the last night found of each file in landing/: its sha256, and what stat() said of it just
-- before it was read; a night reads again only a file whose size, times, inode or device changed
-- (orchestration/ingest/archive.py, landed_files)
create table if not exists pipeline.landed_file_hashes (
    folder varchar not null,            -- submissions | shipments
    landing_path varchar not null,      -- relative to landing/
    size_bytes bigint not null,
    mtime_ns bigint not null,
    ctime_ns bigint not null,
    inode ubigint not null,
    device ubigint not null,
    file_sha256 varchar not null,
    checked_at_ns bigint not null       -- wall clock when the file was read, ns since the epoch
);

-- one row per input file ever received (by content): the archive's catalogue
create table if not exists raw.files (
    file_sha256 varchar primary key,
    submission_id varchar not null,
    kind varchar not null,              -- factor_release | submission | shipment
    file_name varchar not null,         -- as it was named in landing/ (data, never a path to write to)
    landing_path varchar not null,      -- relative to landing/
    archive_path varchar not null,      -- relative to the home
    size_bytes bigint not null,
    received_date date not null,
    received_seq bigint not null,       -- order of receipt, for supersession within a day
    format varchar,
    encoding varchar,
    file_status varchar not null,       -- read | quarantined
    reason_code varchar
);

-- factor releases as published (release.json), with the outcome of their validation
create table if not exists raw.factor_releases (
    release_id varchar primary key,
    publisher varchar,
    published_date date,
    license varchar,
    release_type varchar,
    description varchar,
    metadata_sha256 varchar not null,
    factors_sha256 varchar,
    received_date date not null,
    release_status varchar not null,    -- accepted | rejected
    rows_received bigint not null
);

-- every row of every accepted factor release, as text (typing happens in staging)
create table if not exists raw.factor_rows (
    release_id varchar not null,
    source_row bigint not null,
    {_FACTOR_TEXT_COLUMNS}
);

-- every row of every submission file that could be read, exactly as received, is in the view
-- raw.submission_rows (`create_raw_schema`): the rows the Python reader gave are here, the
-- rows DuckDB read from plain CSV files are in raw_csv.rows_<batch> tables, stored as read
create table if not exists raw.parsed_submission_rows (
    submission_id varchar not null,
    source_sheet varchar not null,
    source_row bigint not null,
    {_SUBMISSION_TEXT_COLUMNS}
);

-- the files of each raw_csv.rows_<batch> table whose rows were received: the rows of
-- file_index, line = rowid - row_offset + 2, the line label_line (if not 0) left out
create schema if not exists raw_csv;
create table if not exists raw.csv_batch_files (
    batch_id integer not null,
    file_index integer not null,
    submission_id varchar not null,
    row_offset bigint not null,
    label_line bigint not null
);

-- footprints received as PACT JSON: already computed, one row per footprint
create table if not exists raw.pact_footprints (
    submission_id varchar not null,
    source_row bigint not null,          -- position in the file's list, from 1
    pact_id varchar,
    spec_version varchar,
    company_uscc varchar,
    company_name varchar,
    product_code varchar,
    product_name varchar,
    product_category varchar,
    hs_code varchar,
    declared_unit varchar,
    product_mass_kg double,
    reporting_period_start varchar,
    reporting_period_end varchar,
    pcf_excl_biogenic_kgco2e_per_unit double,
    pcf_incl_biogenic_kgco2e_per_unit double,
    primary_data_share_pct double,
    dqr double,
    gwp_set varchar
);

-- every problem found at ingestion, file- or row-level
create table if not exists raw.problems (
    submission_id varchar not null,
    source_sheet varchar,
    source_row bigint,
    column_name varchar,
    product_key varchar,                 -- <uscc>/<product_code> when known
    code varchar not null,
    severity varchar not null,           -- error | warning
    message_en varchar not null,
    message_zh varchar not null
);
"""


_SUBMISSION_ROW_COLUMNS = ("submission_id", "source_sheet", "source_row", *(c.name for c in SUBMISSION_COLUMNS))


def csv_batch_table(batch_id: int) -> str:
    """The table holding one batch of plain CSV files as DuckDB read them (`io.csv_bulk`)."""
    return f"raw_csv.rows_{batch_id:06d}"


def csv_batch_ids(connection: duckdb.DuckDBPyConnection) -> list[int]:
    """The batches whose rows were received (named by raw.csv_batch_files), in order."""
    return [row[0] for row in connection.execute("select distinct batch_id from raw.csv_batch_files order by 1").fetchall()]


def csv_batch_rows_sql(batch_id: int) -> str:
    """The received rows of one CSV batch, in the columns of raw.submission_rows.

    A batch table keeps the rows as DuckDB read them, in file order: a row's line is its rowid
    minus its file's first rowid, plus 2 (the header is line 1). Blank rows, a repeated label row
    and every row of a file raw.csv_batch_files does not name (one DuckDB did not read line for
    line) are left out.
    """
    line = "batch.rowid - files.row_offset + 2"
    return (
        f"select files.submission_id, '' as source_sheet, {line} as source_row, "
        + ", ".join(f"batch.{column.name}" for column in SUBMISSION_COLUMNS)
        + f" from {csv_batch_table(batch_id)} as batch"
        f" inner join raw.csv_batch_files as files on files.batch_id = {batch_id} and files.file_index = batch.file_index"
        f" where not batch.is_blank and {line} <> files.label_line"
    )


def submission_rows_view_sql(batch_ids: list[int]) -> str:
    """raw.submission_rows: the rows the Python reader stored, then each CSV batch's received rows."""
    parts = [f"select {', '.join(_SUBMISSION_ROW_COLUMNS)} from raw.parsed_submission_rows"]
    parts += [csv_batch_rows_sql(batch_id) for batch_id in batch_ids]
    return "create or replace view raw.submission_rows as\n" + "\nunion all\n".join(parts)


def rebuild_submission_rows_view(connection: duckdb.DuckDBPyConnection) -> None:
    """Define raw.submission_rows over the batches raw.csv_batch_files names (inside the caller's transaction)."""
    connection.execute(submission_rows_view_sql(csv_batch_ids(connection)))


def _csv_batch_sizes(connection: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """The estimated rows of every batch table in raw_csv, recorded or not, by batch id."""
    return {
        int(name.removeprefix("rows_")): size
        for name, size in connection.execute(
            "select table_name, estimated_size from duckdb_tables() "
            "where database_name = current_database() and schema_name = 'raw_csv'"
        ).fetchall()
    }


def stored_csv_batches(connection: duckdb.DuckDBPyConnection) -> list[int]:
    """The batch tables in raw_csv, recorded or not."""
    return sorted(_csv_batch_sizes(connection))


def next_csv_batch_id(connection: duckdb.DuckDBPyConnection) -> int:
    """A batch id no table and no record uses yet."""
    return max([*csv_batch_ids(connection), *stored_csv_batches(connection)], default=0) + 1


def drop_unrecorded_csv_batches(connection: duckdb.DuckDBPyConnection) -> int:
    """Drop the batch tables of a night that died before it committed (no record names them); returns how many."""
    recorded = set(csv_batch_ids(connection))
    unrecorded = [batch_id for batch_id in stored_csv_batches(connection) if batch_id not in recorded]
    for batch_id in unrecorded:
        connection.execute(f"drop table {csv_batch_table(batch_id)}")
    return len(unrecorded)


# More batch tables than this and the smallest are folded into raw.parsed_submission_rows, so that
# years of nights are not a view over thousands of tables.
MOST_CSV_BATCHES = 64


def compact_csv_batches(connection: duckdb.DuckDBPyConnection, most: int = MOST_CSV_BATCHES) -> int:
    """Once more than `most` batches are recorded, move the rows of the smallest into
    raw.parsed_submission_rows until half of `most` are left, in one transaction; returns how many
    were folded. raw.submission_rows holds the same rows before and after."""
    batch_ids = csv_batch_ids(connection)
    if len(batch_ids) <= most:
        return 0
    sizes = _csv_batch_sizes(connection)
    folded = sorted(batch_ids, key=lambda batch_id: (sizes.get(batch_id, 0), batch_id))
    folded = sorted(folded[: len(batch_ids) - most // 2])
    connection.execute("begin transaction")
    try:
        rows = "\nunion all\n".join(csv_batch_rows_sql(batch_id) for batch_id in folded)
        connection.execute(f"insert into raw.parsed_submission_rows\n{rows}")
        connection.execute(f"delete from raw.csv_batch_files where batch_id in ({', '.join(map(str, folded))})")
        rebuild_submission_rows_view(connection)
        for batch_id in folded:
            connection.execute(f"drop table {csv_batch_table(batch_id)}")
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    return len(folded)


def create_raw_schema(connection: duckdb.DuckDBPyConnection) -> None:
    """The raw and pipeline schemas and the view raw.submission_rows.

    A warehouse of an earlier version stored every row in a table raw.submission_rows: it becomes
    raw.parsed_submission_rows, which the view reads, and nothing is copied.
    """
    found = connection.execute(
        "select table_type from information_schema.tables where table_schema = 'raw' and table_name = 'submission_rows'"
    ).fetchall()
    kind = found[0][0] if found else None
    if kind == "BASE TABLE":
        connection.execute("alter table raw.submission_rows rename to parsed_submission_rows")
    connection.execute(RAW_DDL)
    if kind != "VIEW":
        rebuild_submission_rows_view(connection)


def duckdb_path(home: Path) -> Path:
    return home / "pcf.duckdb"


def duckdb_memory_limit() -> str:
    """DuckDB's memory ceiling for the pipeline's own connections (`PCF_DUCKDB_MEMORY_LIMIT`,
    default 1GB): beyond it DuckDB spills to disk instead of growing the process."""
    return os.environ.get("PCF_DUCKDB_MEMORY_LIMIT", "1GB")


def dbt_memory_limit(activity_rows: int) -> str:
    """DuckDB's memory ceiling inside dbt: `PCF_DBT_MEMORY_LIMIT`, or by default 1GB per three
    million activity rows in the warehouse, at least 1GB and at most 3GB.

    Under 1GB the activity-level joins of a ten-million-line night spill to disk and take twice
    as long (int_activity_footprints 57 s against 31 s with 3GB); a night of a million lines
    never needs more than 1GB. dbt runs while the pipeline's own connections are closed.
    """
    if "PCF_DBT_MEMORY_LIMIT" in os.environ:
        return os.environ["PCF_DBT_MEMORY_LIMIT"]
    return f"{min(3, max(1, round(activity_rows / 3_000_000)))}GB"


def stored_activity_rows(connection: duckdb.DuckDBPyConnection) -> int:
    """Rows in raw.submission_rows, on a connection that has the raw schema."""
    return connection.execute("select count(*) from raw.submission_rows").fetchall()[0][0]


@contextmanager
def connect(home: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for one piece of work; the raw and pipeline schemas exist afterwards (read-write)."""
    path = duckdb_path(home)
    if read_only and not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `pcf run` first")
    connection = duckdb.connect(str(path), read_only=read_only, config={"memory_limit": duckdb_memory_limit()})
    try:
        if not read_only:
            create_raw_schema(connection)
        yield connection
    finally:
        connection.close()


def table_exists(connection: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    found = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()[0]
    return bool(found and found[0])


def received_files_through(connection: duckdb.DuckDBPyConnection) -> int:
    """The last received_seq of raw.files: what a build that begins now reads (0: none)."""
    return connection.execute("select coalesce(max(received_seq), 0) from raw.files").fetchall()[0][0]
