"""orchestration.generate: deterministic synthetic inputs that the real readers and rules accept."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from orchestration.codes import uscc_area_code, uscc_problem
from orchestration.generate import (
    FACTOR_RELEASE_ID,
    UNKNOWN_UNITS,
    add_company,
    categories,
    generate,
    units,
)
from orchestration.inputs import BOUNDARY_STAGES, FACTOR_COLUMNS, SUBMISSION_COLUMNS
from orchestration.io.readers import detect_encoding, read_factor_table, read_submission

COMPANIES, PRODUCTS, LINES = 12, 4, 30


def _digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    return out, generate(out, COMPANIES, PRODUCTS, LINES, seed=7)


def _rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    text = raw.decode("gb18030" if detect_encoding(raw) == "gb18030" else "utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_same_arguments_give_byte_identical_files(generated, tmp_path):
    out, _ = generated
    again = generate(tmp_path / "again", COMPANIES, PRODUCTS, LINES, seed=7)
    assert _digests(out / "landing") == _digests(tmp_path / "again" / "landing")
    assert again.lines == COMPANIES * PRODUCTS * LINES


def test_forked_workers_write_the_same_bytes(generated, tmp_path):
    out, summary = generated
    forked = generate(tmp_path / "forked", COMPANIES, PRODUCTS, LINES, seed=7, workers=3)
    assert _digests(out / "landing") == _digests(tmp_path / "forked" / "landing")
    assert (forked.lines, forked.bad_rows, forked.supplier_links) == (summary.lines, summary.bad_rows, summary.supplier_links)


def test_another_seed_gives_other_submissions_but_the_same_factors(generated, tmp_path):
    out, _ = generated
    generate(tmp_path / "other", COMPANIES, PRODUCTS, LINES, seed=8)
    mine, other = _digests(out / "landing"), _digests(tmp_path / "other" / "landing")
    assert mine.keys() == other.keys()
    factors = f"factors/{FACTOR_RELEASE_ID}/factors.csv"
    assert mine[factors] == other[factors]
    assert any(mine[k] != other[k] for k in mine if k.startswith("submissions/"))


def test_counts_files_rows_and_bad_rows(generated):
    out, summary = generated
    files = sorted((out / "landing" / "submissions").glob("company-*.csv"))
    assert summary.files == len(files) == COMPANIES
    assert summary.products == COMPANIES * PRODUCTS
    assert summary.lines == COMPANIES * PRODUCTS * LINES
    rows = [row for path in files for row in _rows(path)]
    assert len(rows) == summary.lines  # bad rows are among the lines, not extra
    negative = sum(row["amount"].startswith("-") for row in rows)
    unknown_unit = sum(row["unit"] in UNKNOWN_UNITS for row in rows)
    assert negative + unknown_unit == summary.bad_rows
    bad_products = {
        (row["company_uscc"], row["product_code"])
        for row in rows
        if row["amount"].startswith("-") or row["unit"] in UNKNOWN_UNITS
    }
    assert len(bad_products) == summary.bad_products
    per_product: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["company_uscc"], row["product_code"])
        per_product[key] = per_product.get(key, 0) + 1
    assert len(per_product) == summary.products and set(per_product.values()) == {LINES}


def test_bad_rows_at_about_one_in_a_thousand(tmp_path):
    summary = generate(tmp_path, 40, 10, 50)
    assert 0.0003 < summary.bad_rows / summary.lines < 0.003


def test_every_file_parses_with_the_submission_reader(generated):
    out, summary = generated
    encodings = {}
    for path in sorted((out / "landing" / "submissions").glob("*.csv")):
        read = read_submission(path)
        assert read.table.num_rows == PRODUCTS * LINES
        assert read.warnings == []
        assert read.table.column_names[: len(SUBMISSION_COLUMNS)] == [c.name for c in SUBMISSION_COLUMNS]
        encodings[path.name] = read.encoding
    assert encodings["company-00010.csv"] == "gb18030"
    assert summary.gb18030_files == sum(e == "gb18030" for e in encodings.values()) == 1
    assert "utf-8-sig" in encodings.values()
    gb = _rows(out / "landing" / "submissions" / "company-00010.csv")
    assert gb[0]["company_name"].endswith("有限公司")


def test_factor_release_has_the_contract_columns_and_reads(generated):
    out, summary = generated
    folder = out / "landing" / "factors" / FACTOR_RELEASE_ID
    metadata = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    assert metadata["release_type"] == "full" and metadata["release_id"] == FACTOR_RELEASE_ID
    with (folder / "factors.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == [c.name for c in FACTOR_COLUMNS]
    table = read_factor_table(folder / "factors.csv").table
    assert table.num_rows == summary.factors >= 150
    rows = table.to_pylist()
    assert len({r["factor_id"] for r in rows}) == len(rows)
    geographies = {r["geography"] for r in rows}
    assert {"GLO", "CN", "CN-SD", "CN-SD-370200"} <= geographies
    assert any(r["co2e_kg"] for r in rows) and any(r["co2_fossil_kg"] and not r["co2e_kg"] for r in rows)
    assert any((r["co2_biogenic_kg"] or "").startswith("-") for r in rows)
    assert any(r["status"] == "withdrawn" for r in rows)
    assert all(r["activity_unit"] in units() for r in rows)


def test_rows_keep_the_input_contract(generated):
    out, _ = generated
    seeded = categories()
    suppliers_seen = 0
    keys: dict[str, tuple[int, str]] = {}
    rows_by_file = {
        path: _rows(path) for path in sorted((out / "landing" / "submissions").glob("*.csv"))
    }
    for path, rows in rows_by_file.items():
        number = int(path.stem.split("-")[1])
        for row in rows:
            keys[f"{row['company_uscc']}/{row['product_code']}"] = (number, row["declared_unit"])
    for path, rows in rows_by_file.items():
        number = int(path.stem.split("-")[1])
        stages: dict[str, set[str]] = {}
        for row in rows:
            assert uscc_problem(row["company_uscc"]) is None
            assert uscc_area_code(row["company_uscc"])[:2] in {"37", "32", "11"}
            category = seeded[row["product_category"]]
            assert row["declared_unit"] == category.declared_unit
            stages.setdefault(row["product_code"] + row["system_boundary"], set()).add(row["lifecycle_stage"])
            assert row["lifecycle_stage"] in BOUNDARY_STAGES[row["system_boundary"]]
            references = [row["activity_code"], row["factor_id"], row["supplier_product"]]
            assert sum(bool(r) for r in references) == 1
            if row["unit"] not in UNKNOWN_UNITS:
                assert row["unit"] in units()
            if row["supplier_product"]:
                suppliers_seen += 1
                supplier_number, supplier_unit = keys[row["supplier_product"]]
                assert supplier_number < number  # links only go to lower-numbered companies: no cycles
                if row["unit"] not in UNKNOWN_UNITS:
                    assert units()[row["unit"]][0] == units()[supplier_unit][0]
        for product, seen in stages.items():
            boundary = "cradle_to_grave" if product.endswith("cradle_to_grave") else "cradle_to_gate"
            assert seen == set(BOUNDARY_STAGES[boundary])
    assert suppliers_seen > 0


def test_add_company_writes_the_next_file_linking_to_earlier_companies(generated, tmp_path):
    out, _ = generated
    generate(tmp_path, COMPANIES, PRODUCTS, LINES, seed=7)
    path = add_company(tmp_path, COMPANIES + 1, PRODUCTS, LINES, seed=7)
    assert path.name == f"company-{COMPANIES + 1:05d}.csv"
    assert read_submission(path).table.num_rows == PRODUCTS * LINES
    # the same company as a bigger generate would have written
    bigger = generate(tmp_path / "bigger", COMPANIES + 1, PRODUCTS, LINES, seed=7)
    assert bigger.files == COMPANIES + 1
    assert path.read_bytes() == (tmp_path / "bigger" / "landing" / "submissions" / path.name).read_bytes()


def test_rejects_impossible_sizes(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, 0, 1, 10)
    with pytest.raises(ValueError):
        generate(tmp_path, 1, 1, 1)
