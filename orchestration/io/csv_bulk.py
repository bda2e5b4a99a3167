"""A night's plain CSV submissions read together by DuckDB, with the rows `read_submission` gives.

`readers.read_submission` reads one file at a time in Python; at a million lines that is most of a
night. Most files are plain: a header of known columns on line 1, one record per line, one kind of
line ending, no unusual control characters. `CsvBatch` collects such files and reads them all with
one DuckDB `read_csv` per batch of about `CHUNK_LINES` lines, straight into a table of the
warehouse (`raw_csv.rows_<batch>`), trimming cells and marking blank rows exactly as the Python
reader does; the view raw.submission_rows numbers each row by its line. A file that DuckDB does
not read line for line (a ragged row, a cell with a line break, a blank line) is handed back,
whole, to the Python reader, which gives the precise reason. Whatever the path, the received rows
are the same (tests/unit/test_csv_bulk.py).

DuckDB keeps the order of many small files slowly: its ordered insert merges every file's rows
as a batch of its own (900k lines in 1,800 files of 500: 4.1 s into a table, 2.3 s from the same
lines in 57 files). The processes that examine a night's files therefore also write them one
after another into a few part files (`PartWriter`), each line headed by the file's number, which
DuckDB reads in place of the files.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import duckdb
import pyarrow as pa

from orchestration.inputs import SUBMISSION_COLUMNS, InputColumn
from orchestration.io.readers import FileRejected, _decode, _Header, _is_label_row, _map_header
from orchestration.warehouse import csv_batch_table, next_csv_batch_id, rebuild_submission_rows_view

# What both Python's str.isspace and Arrow's utf8_trim_whitespace call white space.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(chr(code) for code in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
# White space other than the space: a file without any is trimmed by DuckDB's fast `trim(x)`.
_OTHER_WHITESPACE = WHITESPACE.replace(" ", "").replace("\n", "").replace("\r", "")
# Control bytes (the Python reader tolerates a few; DuckDB may not read them alike), and a quote
# next to a space or tab (Python keeps ` "x"` as text, DuckDB unquotes it).
_ODD_BYTES = bytes(byte for byte in range(32) if byte not in b"\t\n\r") + b"\x7f"
_QUOTE_NEXT_TO_SPACE = (b' "', b'" ', b'\t"', b'"\t')
# Lines read into one batch table: bounds the memory of a read at any size of night.
CHUNK_LINES = 500_000


@dataclass(frozen=True)
class PlainCsv:
    """A CSV file DuckDB can read as the Python reader would, and what that reading needs to know."""

    encoding: str
    columns: tuple[str, ...]  # registry column of each field, in file order
    data_lines: int  # lines after the header
    label_line: int  # 2 when line 2 repeats the column names or labels, else 0
    only_spaces: bool  # no white space but the space (and line ends) anywhere in the file


@dataclass(frozen=True)
class ReceivedFile:
    """A file DuckDB read line for line: one row of raw.csv_batch_files."""

    batch_id: int
    file_index: int  # position of the file in its batch's read
    submission_id: str
    row_offset: int  # rowid of the file's line 2 in the batch table
    label_line: int


@dataclass(frozen=True)
class Part:
    """Plain CSV files of one header in one UTF-8 file (`PartWriter`): every data line of each
    member, in order, headed by the member's number and a comma; line endings made LF."""

    path: Path
    columns: tuple[str, ...]
    only_spaces: bool
    members: tuple[tuple[int, str], ...]  # (number, submission_id) of each file, in order
    lines: int  # data lines of all members


@dataclass
class _PartBeingWritten:
    path: Path
    handle: BinaryIO
    members: list[tuple[int, str]] = field(default_factory=list)
    lines: int = 0


class PartWriter:
    """Writes plain files into part files, one per kind of header (in a worker process)."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder, self.name = folder, name
        self._parts: dict[tuple[tuple[str, ...], bool], _PartBeingWritten] = {}

    def add(self, number: int, submission_id: str, text: str, shape: PlainCsv) -> None:
        """Append a plain file (its decoded text and shape from `plain_csv`) to its part."""
        key = (shape.columns, shape.only_spaces)
        part = self._parts.get(key)
        if part is None:
            path = self.folder / f"{self.name}-{len(self._parts)}.csv"
            part = self._parts[key] = _PartBeingWritten(path, path.open("wb"))
            part.handle.write((",".join(("file", *shape.columns)) + "\n").encode())
        body = text.split("\n", 1)[1]
        if "\r" in body:
            body = body.replace("\r\n", "\n")  # `plain_csv`: every CR is part of a CRLF
        if not body.endswith("\n"):
            body += "\n"
        prefix = f"{number},"
        part.handle.write((prefix + body[:-1].replace("\n", "\n" + prefix) + "\n").encode("utf-8"))
        part.members.append((number, submission_id))
        part.lines += shape.data_lines

    def close(self) -> list[Part]:
        """Close every part file; returns the parts."""
        parts = []
        for (columns, only_spaces), part in self._parts.items():
            part.handle.close()
            parts.append(Part(part.path, columns, only_spaces, tuple(part.members), part.lines))
        self._parts = {}
        return parts


@dataclass(frozen=True)
class _Queued:
    landed: Path
    read_path: Path  # UTF-8 without BOM: the landed file itself, or a transcoded copy
    shape: PlainCsv


@dataclass(frozen=True)
class _Read:
    """One file DuckDB reads for a batch: a queued file, or a part holding several."""

    path: Path
    columns: tuple[str, ...]
    only_spaces: bool
    members: tuple[tuple[int, str, PlainCsv], ...]  # (number in a part, submission_id, shape)
    lines: int
    numbered: bool = False  # a part: each line headed by its file's number


def _record(line: str) -> list[str] | None:
    try:
        records = list(csv.reader([line], strict=True))
    except csv.Error:
        return None
    return records[0] if len(records) == 1 else None


@lru_cache(maxsize=64)
def _header(line: str, columns: tuple[InputColumn, ...]) -> _Header | None:
    """The header of a plain file: every cell a known column, no warnings; None otherwise."""
    cells = _record(line)
    if not cells or any(not cell.strip() for cell in cells):
        return None
    try:
        header = _map_header(cells, columns, 1, None)
    except FileRejected:
        return None
    return header if not header.warnings and len(header.positions) == len(cells) else None


def plain_csv(raw: bytes, columns: tuple[InputColumn, ...] = SUBMISSION_COLUMNS) -> tuple[str, PlainCsv] | None:
    """The decoded text and shape of a plain CSV file, or None when only the Python reader can tell.

    Only whole-file byte checks and the first two lines are looked at here, never every row:
    whether each line is one well-formed record is for DuckDB to show (`CsvBatch.load`).
    """
    if not raw or len(raw.translate(None, _ODD_BYTES)) != len(raw):
        return None
    if b"\r" in raw and raw.count(b"\r") != raw.count(b"\r\n"):
        return None
    if b'"' in raw and any(pair in raw for pair in _QUOTE_NEXT_TO_SPACE if b"\t" not in pair or b"\t" in raw):
        return None
    try:
        text, encoding = _decode(raw)
    except FileRejected:
        return None
    lines = text.split("\n", 2)
    if len(lines) < 2:
        return None
    header = _header(lines[0].removesuffix("\r"), columns)
    second = _record(lines[1].removesuffix("\r"))
    if header is None or second is None or not "".join(second).strip():
        return None
    names = tuple(sorted(header.positions, key=header.positions.__getitem__))
    data_lines = text.count("\n") - (1 if text.endswith("\n") else 0)
    label = 2 if _is_label_row(second, header, columns) else 0
    if text.isascii():
        only_spaces = "\t" not in text
    else:
        only_spaces = not any(char in text for char in _OTHER_WHITESPACE)
    return text, PlainCsv(encoding, names, data_lines, label, only_spaces)


def is_candidate(path: Path, max_bytes: int) -> bool:
    """A file DuckDB may read: a .csv within the size limit (anything else is for the Python reader)."""
    return path.suffix.lower() == ".csv" and path.stat().st_size <= max_bytes


# Every byte but the quote and the line feed (neither is ever part of a GB18030 or UTF-8 character).
_ALL_BUT_QUOTE_AND_LF = bytes(byte for byte in range(256) if byte not in b'"\n')


def quotes_close_on_their_line(raw: bytes) -> bool:
    """Does every line hold an even number of quotes? Then no quoted cell runs on to the next
    line, and DuckDB starts every record of a part at the start of a line, on its file's number."""
    return b'"' not in raw or b'"' not in raw.translate(None, _ALL_BUT_QUOTE_AND_LF).replace(b'""', b"")


def examine(raw: bytes, transcoded: Path, into: tuple[PartWriter, int, str] | None = None) -> PlainCsv | None:
    """`plain_csv` of a file's bytes. A plain file goes into its part when `into` gives the part
    writer, the file's number and its submission_id (unless a quoted cell may run on to the next
    line: that file is read on its own); otherwise its UTF-8 copy is written to `transcoded` when
    it is not UTF-8."""
    found = plain_csv(raw)
    if found is None:
        return None
    text, shape = found
    if into is not None and quotes_close_on_their_line(raw):
        parts, number, submission_id = into
        parts.add(number, submission_id, text, shape)
    elif shape.encoding != "utf-8":
        transcoded.write_text(text, encoding="utf-8", newline="")
    return shape


class CsvBatch:
    """Plain CSV files of one night, read by DuckDB into `raw.submission_rows` in one pass per header."""

    def __init__(self, folder: Path | None = None) -> None:
        self.files: dict[str, _Queued] = {}  # by submission_id
        self.received: list[ReceivedFile] = []  # files `load` read line for line, for `record`
        self.folder = folder  # where `scratch` makes its folder (the home's; None: the system's)
        self._tmp: Path | None = None
        self._examined: dict[str, PlainCsv | None] = {}  # by submission_id, from `examined`
        self._parts: list[Part] = []  # from `examined_into`

    def scratch(self) -> Path:
        """The batch's temporary folder in `folder` (removed with the batch): UTF-8 copies and
        part files."""
        if self._tmp is None:
            if self.folder is not None:
                self.folder.mkdir(parents=True, exist_ok=True)
            self._tmp = Path(tempfile.mkdtemp(prefix="pcf-csv-", dir=self.folder))
        return self._tmp

    def transcoded_path(self, submission_id: str) -> Path:
        """Where the UTF-8 copy of a file that is not UTF-8 goes (removed with the batch)."""
        return self.scratch() / f"{submission_id}.csv"

    def examined(self, submission_id: str, shape: PlainCsv | None) -> None:
        """What `examine` found for a file (in a process of its own, `transcoded_path`): `add` uses it."""
        self._examined[submission_id] = shape

    def examined_into(self, parts: list[Part]) -> None:
        """Part files a process of its own wrote in `scratch` (`PartWriter`), their members' shapes
        given to `examined`: `load` reads each part in place of its members."""
        self._parts += parts

    def add(self, submission_id: str, path: Path, max_bytes: int) -> str | None:
        """Queue `path` when it is plain and returns its encoding; None means: read it in Python."""
        if not is_candidate(path, max_bytes):
            return None
        transcoded = self.transcoded_path(submission_id)
        if submission_id in self._examined:
            shape = self._examined.pop(submission_id)
        else:
            shape = examine(path.read_bytes(), transcoded)
        if shape is None:
            return None
        self.files[submission_id] = _Queued(path, path if shape.encoding == "utf-8" else transcoded, shape)
        return shape.encoding

    def _reads(self) -> list[_Read]:
        """What `load` reads: each part, and each queued file in none. A member `add` did not queue
        (its file changed since a worker examined it) is left out of its part's reading: its
        rows there are named by no received file, and the Python reader reads it."""
        reads: list[_Read] = []
        in_parts: set[str] = set()
        for part in self._parts:
            members = tuple((number, sid, self.files[sid].shape) for number, sid in part.members if sid in self.files)
            reads.append(_Read(part.path, part.columns, part.only_spaces, members, part.lines, numbered=True))
            in_parts.update(sid for _, sid in part.members)
        for submission_id, queued in self.files.items():
            if submission_id not in in_parts:
                shape = queued.shape
                reads.append(_Read(queued.read_path, shape.columns, shape.only_spaces, ((0, submission_id, shape),), shape.data_lines))
        return reads

    def load(self, connection: duckdb.DuckDBPyConnection) -> list[tuple[str, Path]]:
        """Read every queued file into batch tables; returns (submission_id, path) of files not read line for line.

        Each batch table is written and committed on a connection of its own (`cursor()`): a read
        error aborts nothing of the caller's, and a transaction the caller begins afterwards sees
        the tables. Their rows count as received only once `record` has named their files inside
        the night's transaction; a night that dies before leaves tables no record names, which
        `drop_unrecorded_csv_batches` removes.
        """
        not_plain: list[tuple[str, Path]] = []
        groups: dict[tuple[tuple[str, ...], bool, bool], list[_Read]] = {}
        for read in self._reads():
            groups.setdefault((read.columns, read.only_spaces, read.numbered), []).append(read)
        cursor = connection.cursor()
        try:
            batch_id = next_csv_batch_id(cursor)
            for (columns, only_spaces, numbered), members in groups.items():
                for chunk in _chunks(members, CHUNK_LINES):
                    received, rejected = _load_chunk(cursor, batch_id, columns, only_spaces, chunk, numbered)
                    self.received += received
                    batch_id += bool(received)
                    not_plain += [(submission_id, self.files[submission_id].landed) for submission_id in rejected]
        finally:
            cursor.close()
            self.close()
        return not_plain

    def record(self, connection: duckdb.DuckDBPyConnection) -> None:
        """Name the files read by `load` in raw.csv_batch_files and add their batches to the view
        raw.submission_rows, inside the caller's transaction."""
        if not self.received:
            return
        connection.register("csv_batch_received", pa.Table.from_pylist([asdict(file) for file in self.received]))
        try:
            connection.execute("insert into raw.csv_batch_files by name select * from csv_batch_received")
        finally:
            connection.unregister("csv_batch_received")
        rebuild_submission_rows_view(connection)
        self.received = []

    def close(self) -> None:
        self.files = {}
        self._examined = {}
        self._parts = []
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def _read_csv(columns: tuple[str, ...], numbered: bool = False) -> str:
    fields = ", ".join([*(["'file': 'VARCHAR'"] if numbered else []), *(f"'f{index}': 'VARCHAR'" for index in range(len(columns)))])
    return (
        "read_csv($paths, header = true, auto_detect = false, all_varchar = true, columns = {" + fields + "}, "
        "delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
        "ignore_errors = true, max_line_size = 131072, buffer_size = 262144, encoding = 'utf-8')"
    )


def _chunks(reads: list[_Read], lines: int) -> list[list[_Read]]:
    """Consecutive runs of reads of about `lines` lines each, so a read holds a bounded number of rows."""
    chunks: list[list[_Read]] = []
    held = 0
    for read in reads:
        if not chunks or held + read.lines > lines:
            chunks.append([])
            held = 0
        chunks[-1].append(read)
        held += read.lines
    return chunks


def _load_chunk(
    cursor: duckdb.DuckDBPyConnection,
    batch_id: int,
    columns: tuple[str, ...],
    only_spaces: bool,
    reads: list[_Read],
    numbered: bool = False,
) -> tuple[list[ReceivedFile], list[str]]:
    """Read the files into the table of batch `batch_id`; returns the files read one row per line, and
    the submission_ids of the others.

    The scan keeps the order of the files and of the rows in each (DuckDB's order preservation),
    so the table's rowids are consecutive in read order. A row's file is the position of its
    file in the read, or in a part the number heading its line. A file is kept when DuckDB read
    as many rows as it has data lines, on consecutive rowids: the first is then the rowid of its
    line 2. A batch none of whose files is kept is dropped at once.
    """
    paths = [str(read.path) for read in reads]
    if numbered:
        members = [member for read in reads for member in read.members]
        file_index = "try_cast(file as integer) as file_index"
    else:
        members = [(index, submission_id, shape) for index, read in enumerate(reads) for _, submission_id, shape in read.members]
        file_index = "file_index"
    fields = [f"f{index}" for index in range(len(columns))]
    # trim(x, chars) costs about three times trim(x): used only for files with other white space.
    # Most cells have no space at either end: testing for one is cheaper than trimming (500k lines
    # read in 1.7 s against 2.0 s).
    trim = (
        "if(starts_with({0}, ' ') or ends_with({0}, ' '), trim({0}), {0})"
        if only_spaces else "trim({0}, '" + WHITESPACE + "')"
    )
    cells = [f"nullif({trim.format(field)}, '') as {name}" for field, name in zip(fields, columns, strict=True)]
    # Every batch table has every column of a submission: those the files lack are null.
    cells += [f"null::varchar as {column.name}" for column in SUBMISSION_COLUMNS if column.name not in columns]
    # A blank row: every trimmed cell empty (cheaper than trimming the row's cells concatenated).
    is_blank = "coalesce(" + ", ".join(columns) + ") is null"
    table = csv_batch_table(batch_id)
    try:
        cursor.execute(
            f"create table {table} as select file_index::integer as file_index, {is_blank} as is_blank, "
            f"* exclude (file_index) from (select {file_index}, {', '.join(cells)} from {_read_csv(columns, numbered)})",
            {"paths": paths},
        )
    except duckdb.Error:
        return [], [submission_id for _, submission_id, _ in members]  # the Python reader says why
    read = {
        file_index: (rows, first)
        for file_index, rows, first, last in cursor.execute(
            f"select file_index, count(*), min(rowid), max(rowid) from {table} group by file_index"
        ).fetchall()
        if last - first + 1 == rows
    }
    received: list[ReceivedFile] = []
    rejected: list[str] = []
    for file_index, submission_id, shape in members:
        rows, first = read.get(file_index, (0, 0))
        if rows == shape.data_lines:
            received.append(ReceivedFile(batch_id, file_index, submission_id, first, shape.label_line))
        else:
            rejected.append(submission_id)
    if not received:
        cursor.execute(f"drop table {table}")
    return received, rejected
