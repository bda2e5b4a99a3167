"""A night's submissions give the same raw rows and problems however the batch is chunked."""

from __future__ import annotations

from tests.conftest import FIXTURES, ingest_night

CORPUS_LANDING = FIXTURES / "corpus" / "landing"


def test_chunked_batch_equals_one_insert(tmp_path):
    one = ingest_night(tmp_path / "one", CORPUS_LANDING, flush_rows=10_000_000)
    chunked = ingest_night(tmp_path / "chunked", CORPUS_LANDING, flush_rows=1)
    assert one[0].files_new > 10 and len(one[1]) > 100 and one[2]
    assert one == chunked
