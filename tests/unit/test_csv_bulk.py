"""CSV files read together by DuckDB give exactly what the Python reader gives, file for file.

Every case is ingested twice, into two warehouses: once with plain CSV files read together
(`CsvBatch`), once with every file read in Python. Rows, row numbers, problems and file outcomes
must be identical, including for files the DuckDB read hands back to the Python reader.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.home import Home
from orchestration.inputs import SUBMISSION_COLUMNS
from orchestration.io import csv_bulk
from orchestration.io.csv_bulk import CsvBatch, plain_csv
from orchestration.warehouse import connect
from tests.conftest import FIXTURES, ingest_night

HEADER = ",".join(column.name for column in SUBMISSION_COLUMNS)
LABELS = ",".join(column.label_zh for column in SUBMISSION_COLUMNS)
ROW = (
    "91370211MA00000013,\"Qingdao Haida Iron and Steel Co., Ltd.\",P001,Hot-rolled coil,steel.hot_rolled,720860,t,,"
    "2025-01-01,2025-12-31,150428,cradle_to_gate,private,,,,,raw_materials,coke,{amount},t,,GEN.coke.CN.2023,,primary,"
)


def rows(*amounts: str) -> list[str]:
    return [ROW.format(amount=amount) for amount in amounts]


def text(*lines: str, end: str = "\n") -> str:
    return end.join(lines) + end


# name -> file content (str is written as UTF-8; bytes as they are)
CASES: dict[str, str | bytes] = {
    "plain.csv": text(HEADER, *rows("1", "2.5", "3")),
    "no_final_newline.csv": text(HEADER, *rows("1", "2")).rstrip("\n"),
    "crlf.csv": text(HEADER, *rows("1", "2"), end="\r\n"),
    "bom.csv": "\ufeff" + text(HEADER, *rows("4", "5")),
    "gb18030.csv": text(HEADER, ROW.format(amount="7").replace("Hot-rolled coil", "热轧卷板")).encode("gb18030"),
    "label_row.csv": text(HEADER, LABELS, *rows("1", "2")),
    "blank_line.csv": text(HEADER, rows("1")[0], "", rows("2")[0]),
    "whitespace_row.csv": text(HEADER, rows("1")[0], " ," * 25 + " ", rows("2")[0]),
    "other_whitespace_row.csv": text(HEADER, rows("1")[0], "\t,\u3000," + "," * 23 + "\u00a0", rows("2")[0]),
    "spaces_in_cells.csv": text(HEADER, *rows("  8  ", " 9")),
    "tab_and_ideographic_space.csv": text(HEADER, *rows("\t10\u3000", "\u300011")),
    "ragged_short.csv": text(HEADER, rows("1")[0], "a,b,c"),
    "ragged_long_blank_extra.csv": text(HEADER, rows("1")[0] + ",,", rows("2")[0]),
    "ragged_long_filled_extra.csv": text(HEADER, rows("1")[0] + ",x", rows("2")[0]),
    "line_break_in_cell.csv": text(HEADER, rows("1")[0], rows("2")[0].replace("Hot-rolled coil", '"Hot-rolled\ncoil"')),
    "quote_after_space.csv": text(HEADER, rows("1")[0].replace("Hot-rolled coil", ' "Hot-rolled coil"')),
    "lone_carriage_return.csv": text(HEADER, rows("1")[0]) + "\r" + text(rows("2")[0]),
    "header_only.csv": text(HEADER),
    "reordered_header.csv": text(
        ",".join(reversed(HEADER.split(","))), *[",".join(reversed(row.split(","))) for row in rows("1")]
    ).replace('Ltd.",' + '"Qingdao', "x"),
    "unknown_column.csv": text(HEADER + ",remarks", *[row + ",note" for row in rows("1")]),
    "optional_column_absent.csv": text(HEADER.rsplit(",", 1)[0], *[row.removesuffix(",") for row in rows("1", "2")]),
    "control_byte.csv": text(HEADER, rows("1\x01")[0]),
    "escaped_quote.csv": text(HEADER, rows("1")[0].replace("Hot-rolled coil", '"Hot-rolled ""coil"""')),
    "latin1.csv": text(HEADER, rows("1")[0].replace("Hot-rolled coil", "Bl\xe9")).encode("latin-1"),
    "quotes_inside_cell.csv": text(HEADER, *rows("1", "2")[:1], rows("2")[0].replace("Hot-rolled coil", 'Hot"rolled"coil')),
    "unclosed_quote.csv": text(HEADER, rows("1")[0].replace("Hot-rolled coil", '"Hot-rolled coil'), *rows("2", "3")),
    "plain_after_unclosed_quote.csv": text(HEADER, *rows("6", "7")),
}


@pytest.fixture(scope="module")
def cases_landing(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("cases") / "landing"
    folder = landing / "submissions"
    folder.mkdir(parents=True)
    for name, content in CASES.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_bytes(content.encode("utf-8"))
    return landing


def test_tricky_files_read_together_equal_python(tmp_path, cases_landing):
    together = ingest_night(tmp_path / "together", cases_landing, read_plain_csv_together=True)
    alone = ingest_night(tmp_path / "alone", cases_landing, read_plain_csv_together=False)
    assert together[0] == alone[0]
    assert together[3] == alone[3]
    assert together[1] == alone[1]
    assert together[2] == alone[2]
    statuses = {row[3]: row[11] for row in together[3]}  # raw.files: file_name, file_status
    assert statuses["plain.csv"] == statuses["gb18030.csv"] == statuses["label_row.csv"] == "read"
    assert statuses["ragged_short.csv"] == "quarantined"
    assert len(together[1]) > 20


def test_files_examined_in_worker_processes_equal_python(tmp_path, cases_landing, monkeypatch):
    """A night of many files is archived and examined in a process per core: same outcome, same copies."""
    from orchestration.ingest import submissions

    monkeypatch.setattr(submissions, "PARALLEL_RECEIVE_FILES", 2)
    examined_first: list[bool] = []
    add = CsvBatch.add

    def add_and_note(self, submission_id, path, max_bytes):
        examined_first.append(submission_id in self._examined)
        return add(self, submission_id, path, max_bytes)

    monkeypatch.setattr(CsvBatch, "add", add_and_note)
    together = ingest_night(tmp_path / "together", cases_landing, read_plain_csv_together=True)
    assert examined_first and all(examined_first)
    assert together == ingest_night(tmp_path / "alone", cases_landing, read_plain_csv_together=False)

    def copies(home):
        return {path.relative_to(home): path.read_bytes() for path in (home / "archive").rglob("*.csv")}

    assert copies(tmp_path / "together") == copies(tmp_path / "alone")
    assert len(copies(tmp_path / "together")) == len(CASES)


@pytest.mark.parametrize("task_files", [3, 32])
def test_files_read_from_part_files_equal_python(tmp_path, cases_landing, monkeypatch, task_files):
    """The workers write the plain files into part files, which DuckDB reads in their place: the
    same rows as the Python reader, and a broken file among them costs only itself."""
    from orchestration.ingest import submissions

    monkeypatch.setattr(submissions, "PARALLEL_RECEIVE_FILES", 2)
    monkeypatch.setattr(submissions, "_TASK_FILES", task_files)
    parts: list[csv_bulk.Part] = []
    examined_into = CsvBatch.examined_into

    def note_parts(self, written):
        parts.extend(written)
        return examined_into(self, written)

    monkeypatch.setattr(CsvBatch, "examined_into", note_parts)
    together = ingest_night(tmp_path / "together", cases_landing, read_plain_csv_together=True)
    assert together == ingest_night(tmp_path / "alone", cases_landing, read_plain_csv_together=False)

    in_parts = {submission_id for part in parts for _, submission_id in part.members}
    assert len(parts) > 1 and max(len(part.members) for part in parts) > 1
    names = {row[1]: row[3] for row in together[3]}  # raw.files: submission_id → file_name
    # A quoted cell that may run on to the next line keeps its file out of the parts.
    assert {names[sid] for sid in in_parts}.isdisjoint({"line_break_in_cell.csv", "unclosed_quote.csv"})
    with connect(tmp_path / "together") as connection:
        read_by_duckdb = {names[sid] for (sid,) in connection.sql("select submission_id from raw.csv_batch_files").fetchall()}
    # Every plain file that shared a part with a ragged file was still read by DuckDB.
    assert {"plain.csv", "crlf.csv", "bom.csv", "gb18030.csv", "label_row.csv", "plain_after_unclosed_quote.csv"} <= read_by_duckdb
    assert "ragged_short.csv" in {names[sid] for sid in in_parts} and "ragged_short.csv" not in read_by_duckdb


@pytest.mark.parametrize(
    ("raw", "closes"),
    [
        (b"a,b\n1,2\n", True),
        (b'a,b\n"1,x",2\n"3",""""\n', True),
        (b'a,b\n"1\n2",3\n', False),
        (b'a,b\n"1,2\n3,4\n', False),
        (b'a,b\n1,2"\n"3,4\n', False),
    ],
)
def test_quotes_close_on_their_line(raw, closes):
    assert csv_bulk.quotes_close_on_their_line(raw) is closes


def test_corpus_read_together_equals_python(tmp_path):
    landing = FIXTURES / "corpus" / "landing"
    together = ingest_night(tmp_path / "together", landing, read_plain_csv_together=True)
    assert together == ingest_night(tmp_path / "alone", landing, read_plain_csv_together=False)


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("plain.csv", True),
        ("crlf.csv", True),
        ("bom.csv", True),
        ("gb18030.csv", True),
        ("label_row.csv", True),
        ("tab_and_ideographic_space.csv", True),
        ("quote_after_space.csv", False),
        ("lone_carriage_return.csv", False),
        ("unknown_column.csv", False),
        ("control_byte.csv", False),
        ("header_only.csv", False),
        ("latin1.csv", False),
    ],
)
def test_which_files_are_plain(name, plain):
    content = CASES[name]
    raw = content if isinstance(content, bytes) else content.encode("utf-8")
    assert (plain_csv(raw) is not None) is plain


def test_files_not_read_line_for_line_are_handed_back(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("plain.csv", "blank_line.csv", "ragged_short.csv", "line_break_in_cell.csv", "gb18030.csv"):
        content = CASES[name]
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    batch = CsvBatch()
    for index, path in enumerate(sorted(folder.iterdir())):
        assert batch.add(f"s{index}", path, 1 << 20) is not None
    home = Home(tmp_path / "home").ensure()
    with connect(home.root) as connection:
        handed_back = {path.name for _, path in batch.load(connection)}
        assert connection.sql("select count(*) from raw.submission_rows").fetchall()[0][0] == 0  # not recorded yet
        batch.record(connection)
        kept = connection.sql("select count(*) from raw.submission_rows").fetchall()[0][0]
    assert handed_back == {"blank_line.csv", "ragged_short.csv", "line_break_in_cell.csv"}
    assert kept == 3 + 1  # plain.csv and gb18030.csv
    assert batch._tmp is None  # the transcoded copy is gone


def test_a_read_error_hands_files_back_and_keeps_the_transaction(tmp_path):
    """DuckDB aborts a transaction on a read error: the files are counted on a connection of their own."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("plain.csv", "crlf.csv"):
        (folder / name).write_bytes(CASES[name].encode("utf-8"))
    batch = CsvBatch()
    for index, path in enumerate(sorted(folder.iterdir())):
        assert batch.add(f"s{index}", path, 1 << 20) is not None
    (folder / "plain.csv").unlink()  # gone between queueing and reading: the read fails
    home = Home(tmp_path / "home").ensure()
    with connect(home.root) as connection:
        connection.execute("begin transaction")
        connection.execute("insert into raw.problems values ('x', null, null, null, null, 'FILE_EMPTY', 'error', 'e', 'z')")
        handed_back = {path.name for _, path in batch.load(connection)}
        connection.execute("commit")
        kept = connection.sql("select count(*) from raw.problems").fetchall()[0][0]
    assert handed_back == {"plain.csv", "crlf.csv"}
    assert kept == 1


def _received_rows(connection) -> list[tuple]:
    return connection.sql("select * from raw.submission_rows order by all").fetchall()


def test_a_night_that_dies_after_reading_leaves_nothing_received(tmp_path, cases_landing, monkeypatch):
    """The batch tables are written before the night's transaction: a night that dies before it
    commits leaves tables no record names; the next night drops them and reads the files again."""
    from datetime import date

    from orchestration.ingest import submissions
    from orchestration.warehouse import stored_csv_batches

    expected = ingest_night(tmp_path / "once", cases_landing)
    home = Home(tmp_path / "home").ensure()
    for path in (cases_landing / "submissions").iterdir():
        (home.landing / "submissions" / path.name).write_bytes(path.read_bytes())

    def dies(connection, submission_ids):
        raise KeyboardInterrupt

    with connect(home.root) as connection:
        with monkeypatch.context() as patched:
            patched.setattr(submissions, "check_stored_rows", dies)
            with pytest.raises(KeyboardInterrupt):
                submissions.ingest_submissions(connection, home, date(2026, 1, 15))
        assert stored_csv_batches(connection)  # read, not received
        assert _received_rows(connection) == []
        assert connection.sql("select count(*) from raw.files").fetchall()[0][0] == 0
    with connect(home.root) as connection:
        submissions.ingest_submissions(connection, home, date(2026, 1, 15))
        assert _received_rows(connection) == expected[1]
        recorded = {row[0] for row in connection.sql("select distinct batch_id from raw.csv_batch_files").fetchall()}
        assert set(stored_csv_batches(connection)) == recorded  # the dead night's tables are gone


def test_batches_folded_into_one_table_keep_every_row(tmp_path, cases_landing):
    """Past `most` batch tables, the smallest are folded into raw.parsed_submission_rows: the view
    raw.submission_rows holds the same rows, line numbers included."""
    from datetime import date, timedelta

    from orchestration.ingest.submissions import ingest_submissions
    from orchestration.warehouse import compact_csv_batches, csv_batch_ids, stored_csv_batches

    home = Home(tmp_path / "home").ensure()
    names = sorted(path.name for path in (cases_landing / "submissions").iterdir())
    with connect(home.root) as connection:
        for night, name in enumerate(names):  # one file a night: a batch table per plain file
            (home.landing / "submissions" / name).write_bytes((cases_landing / "submissions" / name).read_bytes())
            ingest_submissions(connection, home, date(2026, 1, 1) + timedelta(days=night))
        assert compact_csv_batches(connection, most=len(names)) == 0  # under the limit: nothing to do
        before = _received_rows(connection)
        batches = csv_batch_ids(connection)
        assert len(batches) >= 10
        assert compact_csv_batches(connection, most=4) == len(batches) - 2
        assert len(csv_batch_ids(connection)) == 2
        assert stored_csv_batches(connection) == csv_batch_ids(connection)
        assert _received_rows(connection) == before


def test_a_warehouse_that_stored_rows_in_a_table_keeps_them(tmp_path):
    """An earlier warehouse kept every row in the table raw.submission_rows: it becomes
    raw.parsed_submission_rows, read by the view, and nothing is copied or lost."""
    import duckdb

    from orchestration.warehouse import RAW_DDL

    home = Home(tmp_path / "home").ensure()
    columns = ", ".join(f"{column.name} varchar" for column in SUBMISSION_COLUMNS)
    with duckdb.connect(str(home.duckdb)) as connection:
        connection.execute(RAW_DDL.split("-- every row of every submission file")[0])
        connection.execute(
            f"create table raw.submission_rows (submission_id varchar not null, source_sheet varchar not null, "
            f"source_row bigint not null, {columns})"
        )
        connection.execute("insert into raw.submission_rows (submission_id, source_sheet, source_row, amount) values ('s1', '', 2, '1.5')")
    with connect(home.root) as connection:
        kinds = dict(connection.sql(
            "select table_name, table_type from information_schema.tables where table_schema = 'raw'"
        ).fetchall())
        assert kinds["submission_rows"] == "VIEW" and kinds["parsed_submission_rows"] == "BASE TABLE"
        assert connection.sql("select submission_id, source_row, amount from raw.submission_rows").fetchall() == [("s1", 2, "1.5")]
    with connect(home.root) as connection:  # and again: nothing more to do
        assert connection.sql("select count(*) from raw.submission_rows").fetchall()[0][0] == 1


def test_a_killed_nights_scratch_is_removed_by_the_next(tmp_path, cases_landing, monkeypatch):
    """A night keeps its part files in the home's scratch folder and removes them once read; the
    next night removes what a killed one left there."""
    from orchestration.ingest import submissions

    monkeypatch.setattr(submissions, "PARALLEL_RECEIVE_FILES", 2)
    left = tmp_path / "night" / "scratch" / "pcf-csv-killed"
    left.mkdir(parents=True)
    (left / "part-000000-0.csv").write_text("file,a\n")
    made: list[Path] = []
    scratch = CsvBatch.scratch

    def note_scratch(self):
        made.append(scratch(self))
        return made[-1]

    monkeypatch.setattr(CsvBatch, "scratch", note_scratch)
    ingest_night(tmp_path / "night", cases_landing, read_plain_csv_together=True)
    assert made and all(path.parent == tmp_path / "night" / "scratch" for path in made)
    assert not left.exists() and not any(path.exists() for path in made)
