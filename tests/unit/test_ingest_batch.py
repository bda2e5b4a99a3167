"""A night's submissions give the same raw rows and problems however the batch is chunked."""

from __future__ import annotations

import shutil
from datetime import date

from orchestration.home import Home
from orchestration.ingest.submissions import ingest_submissions
from orchestration.warehouse import connect
from tests.conftest import FIXTURES

CORPUS_LANDING = FIXTURES / "corpus" / "landing"


def ingest(root, flush_rows: int):
    shutil.copytree(CORPUS_LANDING, root / "landing")
    home = Home(root).ensure()
    with connect(home.root) as connection:
        summary = ingest_submissions(connection, home, date(2026, 1, 15), flush_rows=flush_rows)
        rows = connection.sql("select * exclude (submission_id), submission_id from raw.submission_rows order by all").fetchall()
        problems = connection.sql("select * from raw.problems order by all").fetchall()
        files = connection.sql("select file_sha256, file_status, reason_code from raw.files order by all").fetchall()
    return summary, rows, problems, files


def test_chunked_batch_equals_one_insert(tmp_path):
    one = ingest(tmp_path / "one", flush_rows=10_000_000)
    chunked = ingest(tmp_path / "chunked", flush_rows=1)
    assert one[0].files_new > 10 and len(one[1]) > 100 and one[2]
    assert one == chunked
