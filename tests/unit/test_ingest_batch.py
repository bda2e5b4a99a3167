"""A night's submissions give the same raw rows and problems however the batch is chunked."""

from __future__ import annotations

from tests.conftest import FIXTURES, ingest_night

CORPUS_LANDING = FIXTURES / "corpus" / "landing"


def test_chunked_batch_equals_one_insert(tmp_path):
    one = ingest_night(tmp_path / "one", CORPUS_LANDING, flush_rows=10_000_000)
    chunked = ingest_night(tmp_path / "chunked", CORPUS_LANDING, flush_rows=1)
    assert one[0].files_new > 10 and len(one[1]) > 100 and one[2]
    assert one == chunked


def test_product_rules_once_per_product_find_the_same_suspects(tmp_path):
    """Rules reading only product columns run once per distinct product: the same suspect rows as
    evaluating every rule on every line, on a corpus that breaks each rule somewhere."""
    import duckdb

    from orchestration.ingest.rules import PRODUCT_LEVEL, ROW_RULES, load_reference_tables, suspects_sql

    ingest_night(tmp_path / "home", CORPUS_LANDING)
    with duckdb.connect(str(tmp_path / "home" / "pcf.duckdb")) as connection:
        load_reference_tables(connection)
        connection.execute("create temp table night_rows as select * from raw.submission_rows")
        keys = "select submission_id, source_sheet, source_row from ({}) order by all"
        every_line = connection.sql(keys.format(suspects_sql("night_rows", ROW_RULES))).fetchall()
        per_product = connection.sql(keys.format(suspects_sql("night_rows", ROW_RULES, PRODUCT_LEVEL))).fetchall()
        # each rule's condition as written, numbers parsed again by every rule
        as_written = "select * from night_rows where " + " or ".join(f"coalesce({rule.when}, false)" for rule in ROW_RULES)
        assert connection.sql(keys.format(as_written)).fetchall() == every_line
        files_with_suspects = {row[0] for row in every_line}
    assert len(files_with_suspects) >= 15
    assert per_product == every_line
    assert "select distinct" in suspects_sql("night_rows", ROW_RULES, PRODUCT_LEVEL)
