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

-- every row of every submission file that could be read, exactly as received
create table if not exists raw.submission_rows (
    submission_id varchar not null,
    source_sheet varchar not null,
    source_row bigint not null,
    {_SUBMISSION_TEXT_COLUMNS}
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
            connection.execute(RAW_DDL)
        yield connection
    finally:
        connection.close()


def table_exists(connection: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    found = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()[0]
    return bool(found and found[0])
