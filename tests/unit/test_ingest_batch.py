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


def test_company_consistency_reads_only_products_with_two_usccs():
    """Only a product whose rows name two USCCs (or none on a row) is read again: the same rows are
    flagged as when the most common USCC of every product is computed."""
    import duckdb

    from orchestration.ingest.rules import _company_consistency_sql, load_reference_tables

    good, other = "91370211MA0000007M", "91370211MA0000015G"
    rows = [
        ("s1", 2, good, "SAME"), ("s1", 3, good, "SAME"),
        ("s1", 4, good, "TYPO"), ("s1", 5, good, "TYPO"), ("s1", 6, good[:-1] + "X", "TYPO"),
        ("s1", 7, good, "EMPTY"), ("s1", 8, None, "EMPTY"),
        ("s1", 9, "NOT-A-USCC", "INVALID"), ("s1", 10, "NOT-A-USCC", "INVALID"),
        ("s2", 2, good, "TIE"), ("s2", 3, other, "TIE"),
        ("s2", 4, None, "NONE"),
    ]
    every_product = """
        with modal as (
            select submission_id, product_code, mode(company_uscc order by company_uscc) as expected
            from night_rows
            where product_code is not null
                and pcf_uscc_format_ok(company_uscc) and company_uscc[18] = pcf_uscc_expected(company_uscc)
            group by all
        )
        select received.submission_id, received.source_row
        from night_rows as received join modal using (submission_id, product_code)
        where modal.expected is not null and received.company_uscc is distinct from modal.expected
        order by all"""
    with duckdb.connect() as connection:
        load_reference_tables(connection)
        connection.execute(
            "create temp table night_rows (submission_id varchar, source_sheet varchar, source_row bigint, "
            "company_uscc varchar, product_code varchar)"
        )
        connection.executemany("insert into night_rows values (?, '', ?, ?, ?)", rows)
        found = connection.sql(
            f"select submission_id, source_row from ({_company_consistency_sql('night_rows')}) order by all"
        ).fetchall()
        assert found == connection.sql(every_product).fetchall()
    assert found == [("s1", 6), ("s1", 8), ("s2", 3)]
