"""Company submissions: landing/submissions/* → archive + raw.submission_rows / raw.pact_footprints.

Every received row is stored exactly as received; every problem found is stored beside it. A file
that cannot be read at all is quarantined whole with one file-level problem. Nothing here can stop
a run: whatever a file holds, the outcome is a record, never an exception.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration import pact
from orchestration.home import Home
from orchestration.ingest.archive import LandedFile, archive, known_hashes, landed_files, remember_hashes
from orchestration.ingest.rules import PACT_RULES, PRODUCT_LEVEL, add_row_problems, load_reference_tables
from orchestration.io.csv_bulk import CsvBatch, Part, PartWriter, PlainCsv, examine, is_candidate
from orchestration.io.readers import check_size, read_submission
from orchestration.problems import FileRejected, Problem
from orchestration.processes import cores, spawned_pool
from orchestration.warehouse import compact_csv_batches, drop_unrecorded_csv_batches, received_files_through

MAX_FILE_BYTES = 50 * 1024 * 1024
PACT_COLUMNS = (
    "pact_id", "spec_version", "company_uscc", "company_name", "product_code", "product_name",
    "product_category", "hs_code", "declared_unit", "product_mass_kg", "reporting_period_start",
    "reporting_period_end", "pcf_excl_biogenic_kgco2e_per_unit", "pcf_incl_biogenic_kgco2e_per_unit",
    "primary_data_share_pct", "dqr", "gwp_set",
)


@dataclass(frozen=True)
class ParsedSubmission:
    """What one file holds: rows of a tabular file, or footprints of a PACT file, and warnings."""

    format: str
    encoding: str | None
    rows: pa.Table | None = None
    footprints: list[dict] | None = None
    warnings: tuple[Problem, ...] = ()


def parse_submission(path: Path, max_bytes: int = MAX_FILE_BYTES) -> ParsedSubmission:
    """Read a submission file of any accepted kind; raises FileRejected for a file that can't be read."""
    check_size(path, max_bytes)  # one limit and one message for every kind of file
    suffix = path.suffix.lower()
    if suffix == ".json":
        return ParsedSubmission("json", "utf-8", footprints=pact.read_pact_file(path, max_bytes=max_bytes))
    read = read_submission(path, max_bytes=max_bytes)
    return ParsedSubmission(read.format, read.encoding, rows=read.table, warnings=tuple(read.warnings))


def _insert_problem(connection: duckdb.DuckDBPyConnection, submission_id: str, problem: Problem) -> None:
    connection.execute(
        "insert into raw.problems values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            submission_id,
            problem.sheet,
            problem.row,
            problem.column,
            problem.product,
            problem.code,
            problem.severity,
            problem.message_en,
            problem.message_zh,
        ],
    )


def _store_rows(connection: duckdb.DuckDBPyConnection, submission_id: str, rows: pa.Table) -> None:
    """Store one file's rows and check them (`pcf check`); a night's files go through NightBatch."""
    connection.register("incoming_rows", rows)
    connection.execute(
        "insert into raw.parsed_submission_rows by name select ? as submission_id, * from incoming_rows",
        [submission_id],
    )
    connection.unregister("incoming_rows")
    check_stored_rows(connection, [submission_id])


def check_stored_rows(connection: duckdb.DuckDBPyConnection, submission_ids: list[str]) -> int:
    """Run the row rules once over every stored row and PACT footprint of `submission_ids`.

    The rules are SQL grouped by submission, so a night's files are checked in one pass instead of
    one query per file. They read the stored rows through a view: copying a night's rows into a
    table of their own first took longer than the rules (10M lines: 6–7 s to copy, then 30–35 s
    of rules on the copy against 16–17 s on the view). Returns how many problems were found.
    """
    if not submission_ids:
        return 0
    connection.register("checked_ids", pa.table({"submission_id": pa.array(submission_ids, pa.string())}))
    try:
        connection.execute(
            "create or replace temp view new_rows as select * from raw.submission_rows "
            "where submission_id in (select submission_id from checked_ids)"
        )
        found = add_row_problems(connection, "new_rows", product_columns=PRODUCT_LEVEL)
        connection.execute(
            """create or replace temp view new_rows as
               select submission_id, '' as source_sheet, source_row, company_uscc, product_code, product_category,
                      declared_unit, hs_code, reporting_period_start, reporting_period_end
               from raw.pact_footprints where submission_id in (select submission_id from checked_ids)"""
        )
        found += add_row_problems(connection, "new_rows", rules=PACT_RULES, consistency=False, product_columns=PRODUCT_LEVEL)
        connection.execute("drop view new_rows")  # it reads checked_ids, which goes next
    finally:
        connection.unregister("checked_ids")
    return found


def _store_footprints(connection: duckdb.DuckDBPyConnection, submission_id: str, footprints: list[dict], check: bool = True) -> None:
    records = [
        {"submission_id": submission_id, "source_row": index, **{key: record.get(key) for key in PACT_COLUMNS}}
        for index, record in enumerate(footprints, start=1)
    ]
    table = pa.Table.from_pylist(records)
    connection.register("incoming_footprints", table)
    connection.execute("insert into raw.pact_footprints by name select * from incoming_footprints")
    connection.unregister("incoming_footprints")
    if check:
        check_stored_rows(connection, [submission_id])


@dataclass(frozen=True)
class FileRecord:
    """One row of raw.files, in its column order."""

    file_sha256: str
    submission_id: str
    kind: str
    file_name: str
    landing_path: str
    archive_path: str
    size_bytes: int
    received_date: date
    received_seq: int
    format: str | None
    encoding: str | None
    file_status: str
    reason_code: str | None


def insert_file_records(connection: duckdb.DuckDBPyConnection, *records: FileRecord) -> None:
    """Insert rows of raw.files: one statement for any number of files."""
    if not records:
        return
    connection.register("incoming_files", pa.Table.from_pylist([asdict(record) for record in records]))
    try:
        connection.execute("insert into raw.files by name select * from incoming_files")
    finally:
        connection.unregister("incoming_files")


class NightBatch:
    """The store of a night's batch, checked once by `check_stored_rows` after the last file.

    Plain CSV files are read together by DuckDB (`CsvBatch`) before the night's transaction
    begins (`read_plain_files`); every other file, and a plain one DuckDB did not read line for
    line, is parsed in Python as it comes, its rows inserted in chunks of `flush_rows`.
    """

    def __init__(self, flush_rows: int = 250_000, read_plain_csv_together: bool = True, scratch: Path | None = None) -> None:
        self.pending: list[pa.Table] = []
        self.pending_rows = 0
        self.flush_rows = flush_rows
        self.plain = CsvBatch(scratch)
        self.read_plain_csv_together = read_plain_csv_together
        self.read_together: dict[str, str] = {}  # encoding of each file DuckDB read, by submission_id
        self.files: list[FileRecord] = []

    def read_plain_files(self, connection: duckdb.DuckDBPyConnection, files: list[LandedFile]) -> None:
        """Read the plain CSV files among `files` with DuckDB, outside any transaction (`CsvBatch.load`).

        Their rows count as received when `finish` records them inside the night's transaction.
        """
        if not self.read_plain_csv_together:
            return
        encodings = {}
        for landed_file in files:
            encoding = self.plain.add(landed_file.submission_id, landed_file.path, MAX_FILE_BYTES)
            if encoding is not None:
                encodings[landed_file.submission_id] = encoding
        handed_back = {submission_id for submission_id, _ in self.plain.load(connection)}
        self.read_together = {sid: encoding for sid, encoding in encodings.items() if sid not in handed_back}

    def record_file(self, connection: duckdb.DuckDBPyConnection, record: FileRecord) -> None:
        """Hold a file's raw.files row: the batch inserts them all when it finishes."""
        self.files.append(record)

    def store(self, connection: duckdb.DuckDBPyConnection, submission_id: str, path: Path) -> tuple[str, str | None]:
        if submission_id in self.read_together:
            return "csv", self.read_together[submission_id]
        return self.parse(connection, submission_id, path)

    def parse(self, connection: duckdb.DuckDBPyConnection, submission_id: str, path: Path) -> tuple[str, str | None]:
        """Read one file in Python and hold its rows for the next insert."""
        parsed = parse_submission(path)
        for warning in parsed.warnings:
            _insert_problem(connection, submission_id, warning)
        if parsed.rows is None:
            _store_footprints(connection, submission_id, parsed.footprints or [], check=False)
        else:
            ids = pa.array([submission_id] * parsed.rows.num_rows, pa.string())
            self.pending.append(parsed.rows.add_column(0, "submission_id", ids))
            self.pending_rows += parsed.rows.num_rows
            if self.pending_rows >= self.flush_rows:
                self.flush(connection)
        return parsed.format, parsed.encoding

    def flush(self, connection: duckdb.DuckDBPyConnection) -> None:
        if self.pending:
            connection.register("incoming_rows", pa.concat_tables(self.pending, promote_options="default"))
            connection.execute("insert into raw.parsed_submission_rows by name select * from incoming_rows")
            connection.unregister("incoming_rows")
        self.pending, self.pending_rows = [], 0

    def finish(self, connection: duckdb.DuckDBPyConnection) -> None:
        """Insert every held row, record the files DuckDB read and every file's raw.files row."""
        self.flush(connection)
        self.plain.record(connection)
        insert_file_records(connection, *self.files)
        self.files = []

    def close(self) -> None:
        self.plain.close()


Store = Callable[[duckdb.DuckDBPyConnection, str, Path], tuple[str, "str | None"]]


def ingest_file(
    connection: duckdb.DuckDBPyConnection,
    home: Home,
    landed: LandedFile,
    received_date: date,
    received_seq: int,
    *,
    store: Store,
    kind: str = "submission",
    record_problem: Callable[[duckdb.DuckDBPyConnection, str, Problem], None] = _insert_problem,
    record_file: Callable[[duckdb.DuckDBPyConnection, FileRecord], None] = insert_file_records,
    own_transaction: bool = True,
    archived: str | None = None,
) -> str:
    """Archive, read and record one new file in one transaction; returns 'read' or 'quarantined'.

    `store` reads the file and writes its rows for its kind; a FileRejected from it quarantines
    the file whole, its reason written by `record_problem`, and `record_file` writes the file's
    row of raw.files (by default, at once). With `own_transaction=False` the caller holds the
    transaction (a whole night's batch commits or rolls back together). `archived`: the archive
    path when the caller has already copied the file there.
    """
    if archived is None:
        archived = archive(home, landed.path, landed.sha256)
    submission_id = landed.submission_id
    status, reason, fmt, encoding = "read", None, None, None
    if own_transaction:
        connection.execute("begin transaction")
    try:
        try:
            fmt, encoding = store(connection, submission_id, landed.path)
        except FileRejected as rejected:
            status, reason = "quarantined", rejected.problem.code
            record_problem(connection, submission_id, rejected.problem)
        record_file(
            connection,
            FileRecord(
                landed.sha256, submission_id, kind, landed.path.name, landed.landing_path, archived,
                landed.size_bytes, received_date, received_seq, fmt, encoding, status, reason,
            ),
        )
        if own_transaction:
            connection.execute("commit")
    except BaseException:
        if own_transaction:
            connection.execute("rollback")
        raise
    return status


# From this many files a night's new files are copied to the archive and examined (`plain_csv`)
# in a process per core, each file read once: one process examining the 20,000 files of a
# 10M-line night took 18 s, and copying them beside it another 10–15 s. A worker takes
# `_TASK_FILES` files at a time and writes the plain ones into part files for DuckDB
# (`csv_bulk.PartWriter`).
PARALLEL_RECEIVE_FILES = 200
_TASK_FILES = 32

_Task = list[tuple[int, str, Path, str, "Path | None"]]  # number, submission_id, path, sha256, transcoded


def _receive_task(root: Path, scratch: Path, task: int, files: _Task) -> tuple[list[tuple[str | None, bool, PlainCsv | None]], list[Part]]:
    """In a worker process, for each file: its archive copy, and its shape when `transcoded` is
    given (a CSV file DuckDB may read), a plain file written into the task's part files in
    `scratch` (`examine`). (None, ...) or (..., False, None): not done, for the night's own
    process to do again, which reports the error if there is one."""
    home = Home(root)
    parts = PartWriter(scratch, f"part-{task:06d}")
    results: list[tuple[str | None, bool, PlainCsv | None]] = []
    for number, submission_id, path, sha256, transcoded in files:
        try:
            data = path.read_bytes()
            archived = archive(home, path, sha256, sync=False, data=data)
        except Exception:  # noqa: BLE001 - archived again in the night's own process
            results.append((None, False, None))
            continue
        if transcoded is None:
            results.append((archived, False, None))
            continue
        try:
            results.append((archived, True, examine(data, transcoded, (parts, number, submission_id))))
        except Exception:  # noqa: BLE001 - examined again in the night's own process
            results.append((archived, False, None))
    try:
        return results, parts.close()
    except Exception:  # noqa: BLE001 - a part not written whole: its files are examined again
        return [(copy, False, None) for copy, _, _ in results], []


def receive_files(home: Home, files: list[LandedFile], plain: CsvBatch | None) -> list[str]:
    """Copy each file to the archive (not yet synced) and return the copies' paths; with `plain`,
    examine each CSV file DuckDB may read for it (`CsvBatch.examined`).

    From `PARALLEL_RECEIVE_FILES` files on two cores or more this runs in a process per core,
    each file read once for both, and the plain files are written into part files for DuckDB
    (`CsvBatch.examined_into`); what a worker could not do is done here. Fewer files: only the
    copies here, and `CsvBatch.add` examines each file itself. Either way a file gets the same
    copy and the same shape.
    """
    archived: list[str] = []
    if plain is not None and len(files) >= PARALLEL_RECEIVE_FILES and cores() >= 2:
        numbered: _Task = [
            (
                number, landed.submission_id, landed.path, landed.sha256,
                plain.transcoded_path(landed.submission_id) if is_candidate(landed.path, MAX_FILE_BYTES) else None,
            )
            for number, landed in enumerate(files)
        ]
        tasks = [numbered[start : start + _TASK_FILES] for start in range(0, len(numbered), _TASK_FILES)]
        pool = spawned_pool(cores())
        try:
            done = pool.map(_receive_task, [home.root] * len(tasks), [plain.scratch()] * len(tasks), range(len(tasks)), tasks)
            try:
                for task, (results, parts) in zip(tasks, done):
                    for (_, submission_id, path, sha256, _), (copy, examined, shape) in zip(task, results):
                        archived.append(copy or archive(home, path, sha256, sync=False))
                        if examined:
                            plain.examined(submission_id, shape)
                    plain.examined_into(parts)
            except BrokenProcessPool:
                pass  # a worker died (out of memory?): the rest are done below
        finally:
            pool.shutdown(cancel_futures=True)  # a failed night does not wait for the rest
    return archived + [archive(home, landed.path, landed.sha256, sync=False) for landed in files[len(archived):]]


@dataclass(frozen=True)
class IngestSummary:
    files_seen: int
    files_new: int
    files_quarantined: int


def note_duplicates(connection: duckdb.DuckDBPyConnection, landed: list[LandedFile]) -> int:
    """A FILE_DUPLICATE warning, once, for every landed file whose bytes were received under another name.

    The copy is the same submission (SPEC §3.2): it is not read again, but the company finds it
    named in that submission's feedback instead of hearing nothing. Returns how many were noted.
    """
    received = dict(
        connection.execute("select file_sha256, landing_path from raw.files where kind = 'submission'").fetchall()
    )
    noted = 0
    for copy in landed:
        first = received.get(copy.sha256)
        if first is None or first == copy.landing_path:
            continue
        warning = Problem(
            "FILE_DUPLICATE",
            details={"file_name": copy.path.name, "value": copy.submission_id, "expected": Path(first).name},
        )
        known = connection.execute(
            "select count(*) from raw.problems where submission_id = ? and code = 'FILE_DUPLICATE' and message_en = ?",
            [copy.submission_id, warning.message_en],
        ).fetchone()[0]
        if not known:
            _insert_problem(connection, copy.submission_id, warning)
            noted += 1
    return noted


def next_received_seq(connection: duckdb.DuckDBPyConnection) -> int:
    return received_files_through(connection) + 1


def ingest_submissions(
    connection: duckdb.DuckDBPyConnection,
    home: Home,
    received_date: date,
    flush_rows: int = 250_000,
    read_plain_csv_together: bool = True,
) -> IngestSummary:
    """Take in every submission file in landing/ not received before (by content).

    `read_plain_csv_together=False` reads every file in Python: the same outcome, slower (tests
    compare the two).
    """
    landed = landed_files(home, "submissions", known_hashes(connection, "submissions"))
    known = {row[0] for row in connection.execute("select file_sha256 from raw.files").fetchall()}
    new = [f for f in landed if f.sha256 not in known]
    # The same bytes under two names in one night are one submission.
    unique = list({f.sha256: f for f in reversed(new)}.values())[::-1]
    if unique:
        load_reference_tables(connection)
    seq = next_received_seq(connection)
    quarantined = 0
    drop_unrecorded_csv_batches(connection)  # read by a night that died before it committed
    shutil.rmtree(home.scratch, ignore_errors=True)  # part files of a night killed while reading
    # One transaction for the night's batch: every file is stored, then the row rules run once over
    # all of them; a crash part-way leaves none recorded, so the next run reads them all again.
    batch = NightBatch(flush_rows, read_plain_csv_together, home.scratch)
    try:
        archived = receive_files(home, unique, batch.plain if read_plain_csv_together else None)
        batch.read_plain_files(connection, unique)
        connection.execute("begin transaction")
        try:
            for offset, landed_file in enumerate(unique):
                status = ingest_file(
                    connection, home, landed_file, received_date, seq + offset,
                    store=batch.store, record_file=batch.record_file, own_transaction=False, archived=archived[offset],
                )
                quarantined += status == "quarantined"
            os.sync()  # every archived copy on disk before the batch that names them commits
            batch.finish(connection)
            check_stored_rows(connection, [f.submission_id for f in unique])
            connection.execute("commit")
        except BaseException:
            connection.execute("rollback")
            raise
    finally:
        batch.close()
    compact_csv_batches(connection)
    note_duplicates(connection, landed)
    remember_hashes(connection, "submissions", landed)
    return IngestSummary(len(landed), len(unique), quarantined)
