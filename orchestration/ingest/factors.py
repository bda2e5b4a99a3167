"""Factor releases: landing/factors/<release_id>/ → archive + raw.factor_releases / raw.factor_rows.

A release is validated whole before it takes effect (SPEC §3.1): one bad row rejects the release,
the factor set in effect stays as it was, and the report goes to feedback/<release_id>.json + .md.
Releases take effect in order of published_date, then release_id; the validity history itself is
built by the dbt model int_factor_versions from the accepted rows kept here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb

from orchestration.home import Home
from orchestration.ingest.archive import archive, sha256_of
from orchestration.ingest.rules import RowRule, _sql_list, _sql_text, add_row_problems, load_reference_tables
from orchestration.inputs import FACTOR_COLUMNS, GAS_COLUMNS, RELEASE_FIELDS, RELEASE_TYPES
from orchestration.io.readers import read_factor_table
from orchestration.problems import FileRejected, Problem

DQ_COLUMNS = ("dq_technological", "dq_geographical", "dq_temporal", "dq_precision")
NUMBER_COLUMNS = GAS_COLUMNS + ("co2e_kg", "uncertainty_gsd", "reference_year") + DQ_COLUMNS


def _factor_rules() -> tuple[RowRule, ...]:
    rules = [RowRule("REQUIRED_MISSING", c.name, f"{c.name} is null") for c in FACTOR_COLUMNS if c.required]
    rules += [
        RowRule("BAD_FACTOR_ID", "factor_id", "factor_id is not null and not regexp_full_match(factor_id, '[A-Za-z0-9._-]+')", value="factor_id"),
        RowRule("DUPLICATE_FACTOR_ID", "factor_id", "_factor_id_count > 1", value="factor_id"),
        RowRule("UNKNOWN_UNIT", "activity_unit", "activity_unit is not null and activity_unit not in (select unit from ref_units)", value="activity_unit"),
        RowRule(
            "BAD_GEOGRAPHY",
            "geography",
            "geography is not null and geography not in (select geography_code from ref_geographies)",
            value="geography",
        ),
    ]
    rules += [RowRule("NOT_A_NUMBER", c, f"not pcf_is_num({c})", value=c) for c in NUMBER_COLUMNS]
    rules += [
        RowRule("NOT_FINITE", c, f"pcf_num({c}) is not null and not isfinite(pcf_num({c}))", value=c)
        for c in NUMBER_COLUMNS
    ]
    rules += [
        RowRule("DQ_SCORE_RANGE", c, f"{c} is not null and coalesce(pcf_num({c}) not in (1, 2, 3, 4, 5), true)", value=c)
        for c in DQ_COLUMNS
    ]
    rules.append(RowRule("UNCERTAINTY_RANGE", "uncertainty_gsd", "pcf_num(uncertainty_gsd) < 1", value="uncertainty_gsd"))
    any_gas = " or ".join(f"{c} is not null" for c in GAS_COLUMNS if c != "co2_biogenic_kg")
    rules.append(
        RowRule(
            "GAS_SPLIT_OR_CO2E",
            "co2e_kg",
            f"status = 'active' and (({any_gas}) = (co2e_kg is not null) or (co2e_kg is not null and gwp_basis is null))",
        )
    )
    for column in (c for c in FACTOR_COLUMNS if c.choices):
        rules.append(
            RowRule(
                "BAD_CHOICE",
                column.name,
                f"{column.name} is not null and not list_contains({_sql_list(column.choices)}, {column.name})",
                value=column.name,
                expected=_sql_text(", ".join(column.choices)),
            )
        )
    rules.append(
        RowRule(
            "WITHDRAWN_UNKNOWN",
            "status",
            "_release_type = 'delta' and status = 'withdrawn' and factor_id not in (select factor_id from factors_in_effect_before)",
            value="factor_id",
        )
    )
    return tuple(rules)


FACTOR_RULES = _factor_rules()


@dataclass
class ReleaseOutcome:
    release_id: str
    status: str  # accepted | rejected | skipped
    rows_received: int = 0
    problems: list[dict] = field(default_factory=list)


def _read_metadata(folder: Path) -> dict:
    path = folder / "release.json"
    if not path.is_file():
        raise FileRejected("RELEASE_METADATA", value="release.json is missing")
    try:
        metadata = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FileRejected("RELEASE_METADATA", value=str(error)) from error
    if not isinstance(metadata, dict):
        raise FileRejected("RELEASE_METADATA", value="expected a JSON object")
    missing = [name for name in RELEASE_FIELDS if name != "description" and not metadata.get(name)]
    if missing:
        raise FileRejected("RELEASE_METADATA", value="missing " + ", ".join(missing))
    if metadata["release_id"] != folder.name:
        raise FileRejected("RELEASE_ID_MISMATCH", value=metadata["release_id"], expected=folder.name)
    if metadata["release_type"] not in RELEASE_TYPES:
        raise FileRejected("RELEASE_METADATA", value=f"release_type must be full or delta, not {metadata['release_type']!r}")
    try:
        metadata["published_date"] = date.fromisoformat(str(metadata["published_date"]))
    except ValueError as error:
        raise FileRejected("RELEASE_METADATA", value=f"published_date: {error}") from error
    return metadata


def _factors_file(folder: Path) -> Path:
    for name in ("factors.csv", "factors.xlsx"):
        if (folder / name).is_file():
            return folder / name
    raise FileRejected("RELEASE_METADATA", value="factors.csv or factors.xlsx is missing")


def factor_ids_in_effect(connection: duckdb.DuckDBPyConnection, before: tuple[date, str]) -> set[str]:
    """Replay the accepted releases published before `before` (date, release_id): the ids in effect."""
    releases = connection.execute(
        """select release_id, release_type from raw.factor_releases
           where release_status = 'accepted' and (published_date, release_id) < (?, ?)
           order by published_date, release_id""",
        list(before),
    ).fetchall()
    in_effect: set[str] = set()
    for release_id, release_type in releases:
        rows = connection.execute(
            "select factor_id, status from raw.factor_rows where release_id = ?", [release_id]
        ).fetchall()
        if release_type == "full":
            in_effect = {factor_id for factor_id, status in rows if status == "active"}
        else:
            for factor_id, status in rows:
                (in_effect.add if status == "active" else in_effect.discard)(factor_id)
    return in_effect


def _validate_rows(connection: duckdb.DuckDBPyConnection, release_id: str, release_type: str) -> list[dict]:
    """Every rule every row of the incoming release breaks, with its filled bilingual message."""
    connection.execute(
        f"""create or replace temp table new_rows as
            select release_id as submission_id, * exclude (source_sheet), '' as source_sheet,
                   {_sql_text(release_type)} as _release_type,
                   count(*) over (partition by factor_id) as _factor_id_count
            from incoming_factor_rows"""
    )
    connection.execute("create or replace temp table release_problems as select * from raw.problems limit 0")
    add_row_problems(connection, "new_rows", target="release_problems", rules=FACTOR_RULES, consistency=False, key_sql="factor_id")
    columns = ("row", "column", "product", "code", "severity", "message_en", "message_zh")
    return [
        dict(zip(columns, record))
        for record in connection.execute(
            """select source_row, column_name, product_key, code, severity, message_en, message_zh
               from release_problems order by source_row, column_name, code"""
        ).fetchall()
    ]


BOUNDARY_SUITE = "factor_release_rows"


def _expectation_problems(connection: duckdb.DuckDBPyConnection, home: Home, release_id: str) -> list[Problem]:
    """The release's rows, typed, through the GX suite at the factor boundary.

    The result is kept per release (validation/factor_release_rows/<release_id>.json): a product
    release's validation report shows the results of the factor releases it is built from, never
    those of whichever release happened to be read last.
    """
    from orchestration.validate.checks import save_result
    from orchestration.validate.worker import validate

    typed = connection.sql(
        """select factor_id, activity_code, activity_unit, geography,
                  try_cast(reference_year as integer) as reference_year, lca_scope,
                  try_cast(dq_technological as integer) as dq_technological,
                  try_cast(dq_geographical as integer) as dq_geographical,
                  try_cast(dq_temporal as integer) as dq_temporal,
                  try_cast(dq_precision as integer) as dq_precision,
                  try_cast(uncertainty_gsd as double) as uncertainty_gsd, status
           from incoming_factor_rows"""
    ).fetch_arrow_table()
    result = replace(validate(BOUNDARY_SUITE, typed), batch=release_id)
    save_result(home, result)
    return [
        Problem("RELEASE_EXPECTATION_FAILED", column=outcome.column, details={"value": outcome.description_en})
        for outcome in result.blocking_failures
    ]


def ingest_release(connection: duckdb.DuckDBPyConnection, home: Home, folder: Path, received_date: date) -> ReleaseOutcome:
    """Validate one release folder and record it accepted or rejected, in one transaction."""
    release_id = folder.name
    outcome = ReleaseOutcome(release_id, "rejected")
    metadata_path = folder / "release.json"
    metadata_sha = sha256_of(metadata_path) if metadata_path.is_file() else ""
    problems: list[dict] = []
    metadata: dict = {}
    factors_sha = None
    try:
        metadata = _read_metadata(folder)
        factors_path = _factors_file(folder)
        factors_sha = sha256_of(factors_path)
        archive(home, metadata_path, metadata_sha)
        archive(home, factors_path, factors_sha)
        read = read_factor_table(factors_path)
        outcome.rows_received = read.table.num_rows
        connection.register("incoming_factor_rows", read.table.append_column("release_id", _constant(release_id, read.table.num_rows)))
        in_effect = factor_ids_in_effect(connection, (metadata["published_date"], release_id))
        connection.execute(
            "create or replace temp table factors_in_effect_before as select unnest(?::varchar[]) as factor_id",
            [sorted(in_effect)],
        )
        row_problems = _validate_rows(connection, release_id, metadata["release_type"])
        problems = [p.as_dict() for p in list(read.warnings) + _expectation_problems(connection, home, release_id)] + row_problems
    except FileRejected as rejected:
        problems = [rejected.problem.as_dict()]
    rejected_whole = any(p["severity"] == "error" for p in problems)
    outcome.status = "rejected" if rejected_whole else "accepted"
    if rejected_whole:
        problems.append(Problem("RELEASE_REJECTED").as_dict())
    outcome.problems = problems
    connection.execute("begin transaction")
    try:
        if outcome.status == "accepted":
            connection.execute(
                "insert into raw.factor_rows by name select * exclude (source_sheet) from incoming_factor_rows"
            )
        connection.execute(
            "insert into raw.factor_releases values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                release_id,
                metadata.get("publisher"),
                metadata.get("published_date"),
                metadata.get("license"),
                metadata.get("release_type"),
                metadata.get("description"),
                metadata_sha,
                factors_sha,
                received_date,
                outcome.status,
                outcome.rows_received,
            ],
        )
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    return outcome


def _constant(value: str, length: int):
    import pyarrow as pa

    return pa.array([value] * length, pa.string())


def ingest_factor_releases(connection: duckdb.DuckDBPyConnection, home: Home, received_date: date) -> list[ReleaseOutcome]:
    """Take in every release folder not received before, in order of publication."""
    root = home.landing / "factors"
    if not root.is_dir():
        return []
    known = {row[0] for row in connection.execute("select release_id from raw.factor_releases").fetchall()}
    folders = [f for f in root.iterdir() if f.is_dir() and not f.name.startswith(".") and f.name not in known]
    if not folders:
        return []
    load_reference_tables(connection)

    def publication_order(folder: Path) -> tuple[str, str]:
        try:
            return (str(_read_metadata(folder)["published_date"]), folder.name)
        except FileRejected:
            return ("", folder.name)

    return [ingest_release(connection, home, folder, received_date) for folder in sorted(folders, key=publication_order)]
