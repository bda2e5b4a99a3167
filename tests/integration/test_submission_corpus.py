"""A corpus of bad (and a few good) submission files through ONE real nightly run (SPEC §3.2, §7).

`tests/fixtures/corpus/landing/` holds the committed files; files that are binary or huge are
written here, into the temporary home, before the run (`GENERATED`). `tests/fixtures/corpus/
expected.json` says, per file, the status of its feedback, every problem it must report (code, row,
column, product), how many rows it must count received and accepted, and which products must and
must not be published. Rows are spreadsheet rows: the header is row 1; a null row is a file- or
product-level problem.

Nothing lost: every file gets a report (a byte-identical copy is the same submission), every report
adds up (received = accepted + quarantined), a readable file's rows are all counted, and the good
products beside the bad ones publish.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from orchestration.ingest.archive import sha256_of
from orchestration.ingest.submissions import MAX_FILE_BYTES
from orchestration.io.readers import ACTIVITY_SHEET_COLUMNS
from orchestration.inputs import PRODUCT_COLUMNS

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
EXPECTED: dict[str, Any] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
FILES: dict[str, dict[str, Any]] = EXPECTED["files"]
AS_OF = date.fromisoformat(EXPECTED["as_of"])
GOOD_STEEL = "good_steel_qingdao.csv"

# The published footprint of the resubmitted product (tiny factors, Qingdao grid 0.5 kg/kWh):
# iron ore 1600 t × 20 + electricity 400 000 kWh × 0.5 + natural gas 20 000 GJ × 56.1571, per 1000 t.
RESUBMITTED_PER_T = (1600 * 20 + 400_000 * 0.5 + 20_000 * (56.1 + 0.001 * 29.8 + 0.0001 * 273)) / 1000


# --- the files the test writes ------------------------------------------------------------------


def _utf16(folder: Path, name: str) -> None:
    text = (folder / GOOD_STEEL).read_bytes().decode("utf-8")
    (folder / name).write_bytes(text.replace("STEEL-", "UTF16-").encode("utf-16"))


def _binary_junk(folder: Path, name: str) -> None:
    (folder / name).write_bytes(b"PK\x00\x00" + random.Random(20260115).randbytes(4096))


def _too_large(folder: Path, name: str) -> None:
    """A well-formed CSV just over the limit: the good steel file's rows repeated, then cut."""
    lines = (folder / GOOD_STEEL).read_bytes().splitlines(keepends=True)
    header, body = lines[0], b"".join(lines[1:])
    with (folder / name).open("wb") as handle:
        handle.write(header)
        written = len(header)
        while written <= MAX_FILE_BYTES:
            handle.write(body)
            written += len(body)
        handle.truncate(MAX_FILE_BYTES + 1)


def _corrupt_workbook(folder: Path, name: str) -> None:
    (folder / name).write_bytes(random.Random(6).randbytes(2048))


def _unknown_sheets(folder: Path, name: str) -> None:
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    workbook.active.append(["company_uscc", "product_code"])
    workbook.create_sheet("汇总").append(["合计", 1])
    workbook.save(folder / name)


def _chinese_workbook(folder: Path, name: str) -> None:
    """Sheets 产品 / 活动数据 with the template's Chinese column labels; one steel product (Jinan)."""
    uscc = FILES[name]["company_uscc"]
    code = FILES[name]["published"][0].split("/", 1)[1]
    product = {
        "company_uscc": uscc, "company_name": "济南示例钢铁有限公司", "product_code": code,
        "product_name": "热轧带钢", "product_category": "steel.hot_rolled", "hs_code": "720839",
        "declared_unit": "t", "reporting_period_start": date(2025, 1, 1), "reporting_period_end": date(2025, 12, 31),
        "production_volume": 800, "system_boundary": "cradle_to_gate", "disclosure": "public",
    }
    activities = [
        {"lifecycle_stage": "raw_materials", "activity_name": "铁矿石", "amount": 1300, "unit": "t",
         "activity_code": "iron_ore", "data_source": "secondary"},
        {"lifecycle_stage": "production", "activity_name": "外购电力", "amount": 400000, "unit": "kWh",
         "activity_code": "electricity.grid", "data_source": "primary"},
        {"lifecycle_stage": "production", "activity_name": "天然气", "amount": 16000, "unit": "GJ",
         "factor_id": "T.NG", "data_source": "primary", "allocation_share": 1},
    ]
    workbook = Workbook()
    products = workbook.active
    products.title = "产品"
    products.append([column.label_zh for column in PRODUCT_COLUMNS])
    products.append([product.get(column.name) for column in PRODUCT_COLUMNS])
    sheet = workbook.create_sheet("活动数据")
    sheet.append([column.label_zh for column in ACTIVITY_SHEET_COLUMNS])
    for activity in activities:
        row = {"company_uscc": uscc, "product_code": code, **activity}
        sheet.append([row.get(column.name) for column in ACTIVITY_SHEET_COLUMNS])
    workbook.save(folder / name)


def _duplicate(folder: Path, name: str) -> None:
    shutil.copyfile(folder / FILES[name]["duplicate_of"], folder / name)


GENERATED: dict[str, Callable[[Path, str], None]] = {
    "file_utf16_encoding.csv": _utf16,
    "file_binary_junk.csv": _binary_junk,
    "file_too_large.csv": _too_large,
    "file_corrupt_workbook.xlsx": _corrupt_workbook,
    "file_xlsx_unknown_sheets.xlsx": _unknown_sheets,
    "good_xlsx_chinese_sheets_and_headers.xlsx": _chinese_workbook,
    "good_steel_qingdao_sent_again.csv": _duplicate,
}

# The good products: published, whatever else is in the corpus (taken from expected.json).
GOOD_PRODUCTS = sorted({key for spec in FILES.values() for key in spec.get("published", [])})
BAD_PRODUCTS = sorted({key for spec in FILES.values() for key in spec.get("not_published", [])})


# --- one home, one run --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    """The whole corpus in one home, run once through the real nightly job: (home, outcome)."""
    from orchestration.home import Home
    from orchestration.runner import run_nightly

    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS / "landing", root / "landing")
    submissions = root / "landing" / "submissions"
    assert set(GENERATED) == {name for name, spec in FILES.items() if spec.get("generated")}
    for name, write in GENERATED.items():
        write(submissions, name)
    assert sorted(p.name for p in submissions.iterdir()) == sorted(FILES)
    home = Home(root).ensure()
    return home, run_nightly(home, as_of=AS_OF)


@pytest.fixture(scope="module")
def reports(corpus_run) -> dict[str, dict[str, Any]]:
    """Feedback reports by file name."""
    home, _ = corpus_run
    found = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(home.feedback.glob("*.json"))]
    by_name = {r["file_name"]: r for r in found if "submission_id" in r}
    assert len(by_name) == len([r for r in found if "submission_id" in r]), "two reports name the same file"
    return by_name


@pytest.fixture(scope="module")
def published(corpus_run) -> dict[str, dict[str, Any]]:
    """Rows of the released product_footprints, by <uscc>/<product_code>."""
    home, outcome = corpus_run
    assert outcome.release_id, outcome.errors or outcome.failed_checks
    table = pq.read_table(home.publish / "releases" / outcome.release_id / "product_footprints.parquet")
    return {f"{row['company_uscc']}/{row['product_code']}": row for row in table.to_pylist()}


def _data_rows(path: Path) -> list[list[str]]:
    """The non-blank records after the header of a committed CSV (UTF-8 or GB18030)."""
    raw = path.read_bytes()
    text = raw.decode("gb18030") if "gb18030" in path.name else raw.decode("utf-8-sig")
    records = [r for r in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in r)]
    return records[1:]


def _matches(problem: dict[str, Any], wanted: dict[str, Any]) -> bool:
    fields = ("code", "row", "column", "product", "severity")
    return all(problem.get(field) == wanted[field] for field in fields if field in wanted)


WHOLE_FILE_REJECTS = sorted(n for n, spec in FILES.items() if "rows" not in spec and "duplicate_of" not in spec)


# --- the run as a whole -------------------------------------------------------------------------


def test_run_exits_0_and_publishes(corpus_run):
    _, outcome = corpus_run
    assert outcome.exit_code == 0, outcome.errors or outcome.failed_checks
    assert outcome.published


def test_corpus_is_big_enough():
    """At least 25 files with an error to report (the issue's "Done when")."""
    bad = [n for n, spec in FILES.items() if any(p.get("severity", "error") == "error" for p in spec.get("problems", []))]
    assert len(bad) >= 25


def test_every_file_has_exactly_one_report(reports):
    reported = set(reports)
    duplicates = {name for name, spec in FILES.items() if "duplicate_of" in spec}
    assert reported == set(FILES) - duplicates


def test_byte_identical_copy_is_one_submission(corpus_run, reports):
    """The copy is not read again: one report, one set of rows, and a warning naming the copy."""
    home, _ = corpus_run
    submissions = home.landing / "submissions"
    for name in (n for n, spec in FILES.items() if "duplicate_of" in spec):
        original = FILES[name]["duplicate_of"]
        assert name not in reports
        report = reports[original]
        assert sha256_of(submissions / name)[:16] == report["submission_id"]
        assert report["rows_received"] == len(_data_rows(CORPUS / "landing" / "submissions" / original))
        [warning] = [p for p in report["problems"] if p["code"] == "FILE_DUPLICATE"]
        assert name in warning["message_en"] and name in warning["message_zh"]


def test_every_report_adds_up(reports):
    for name, report in reports.items():
        assert report["rows_received"] == report["rows_accepted"] + report["rows_quarantined"], name


# --- file by file -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(n for n, s in FILES.items() if "duplicate_of" not in s))
def test_report_status(reports, name):
    assert reports[name]["status"] == FILES[name]["status"]


@pytest.mark.parametrize("name", sorted(n for n, s in FILES.items() if "problems" in s))
def test_expected_problems_are_reported(reports, name):
    """Every expected reason, at its row and column, with an English and a Chinese message."""
    problems = reports[name]["problems"]
    for wanted in FILES[name]["problems"]:
        found = [p for p in problems if _matches(p, wanted)]
        assert found, f"{name}: no {wanted} among {[(p['code'], p['row'], p['column']) for p in problems]}"
        for problem in found:
            assert problem["message_en"].strip() and problem["message_zh"].strip(), problem
            assert "{" not in problem["message_en"] + problem["message_zh"], problem


@pytest.mark.parametrize("name", sorted(n for n, s in FILES.items() if "problems" in s))
def test_no_unexpected_errors(reports, name):
    """Each file reports only the errors it was built to have (nothing spurious beside them)."""
    wanted = FILES[name]["problems"]
    unexpected = [
        (p["code"], p["row"], p["column"], p["product"])
        for p in reports[name]["problems"]
        if p["severity"] == "error" and not any(_matches(p, w) for w in wanted)
    ]
    assert not unexpected, name


@pytest.mark.parametrize("name", WHOLE_FILE_REJECTS)
def test_bad_file_is_quarantined_whole(reports, name):
    report = reports[name]
    assert report["status"] == "quarantined"
    assert report["rows_received"] == report["rows_accepted"] == report["rows_quarantined"] == 0
    assert [p["code"] for p in report["problems"]] == [FILES[name]["problems"][0]["code"]]


def test_too_large_file_says_by_how_much(reports):
    """One byte over 50 MiB reads 50.01 MB against the 50 MB limit, never '50 MB; the limit is 50 MB'."""
    [problem] = reports["file_too_large.csv"]["problems"]
    assert "50.01 MB" in problem["message_en"] and "limit is 50 MB" in problem["message_en"]
    assert "50.01 MB" in problem["message_zh"] and "上限 50 MB" in problem["message_zh"]


@pytest.mark.parametrize("name", sorted(n for n, s in FILES.items() if "rows" in s))
def test_every_row_is_counted(reports, name):
    """received = every data row of the file; accepted = the rows of its accepted (or superseded) products."""
    report = reports[name]
    expected = FILES[name]["rows"]
    assert (report["rows_received"], report["rows_accepted"]) == (expected["received"], expected["accepted"])
    if name.endswith(".csv") and not FILES[name].get("generated"):
        assert len(_data_rows(CORPUS / "landing" / "submissions" / name)) == expected["received"]


def test_encodings_and_formats_are_recorded(reports):
    assert reports["good_gb18030_chinese_text.csv"]["encoding"] == "gb18030"
    assert reports["good_xlsx_chinese_sheets_and_headers.xlsx"]["format"] == "xlsx"


def test_chinese_text_is_decoded_right(published):
    """GB18030 and XLSX text arrives as the characters the company typed, never mojibake."""
    [gb18030] = FILES["good_gb18030_chinese_text.csv"]["published"]
    assert published[gb18030]["company_name"] == "青岛示例钢铁有限公司"
    assert published[gb18030]["product_name"] == "热轧卷板（示例）"
    [xlsx] = FILES["good_xlsx_chinese_sheets_and_headers.xlsx"]["published"]
    assert published[xlsx]["company_name"] == "济南示例钢铁有限公司"
    # Jinan has no city or Shandong grid factor: the CN one (0.6 kg/kWh) applies.
    expected = (1300 * 20 + 400_000 * 0.6 + 16_000 * (56.1 + 0.001 * 29.8 + 0.0001 * 273)) / 800
    assert abs(published[xlsx]["pcf_excl_biogenic_kgco2e_per_unit"] - expected) <= 1e-9 * expected


def test_product_statuses_in_feedback(reports):
    for name, spec in FILES.items():
        if name not in reports:
            continue
        statuses = {p["product"]: p["status"] for p in reports[name]["products"]}
        for key in spec.get("published", []):
            assert statuses.get(key) == "accepted", (name, key, statuses)
        for key in spec.get("superseded", []):
            assert statuses.get(key) == "superseded", (name, key, statuses)
        for key in spec.get("not_published", []):
            assert statuses.get(key, "quarantined") == "quarantined", (name, key, statuses)


def test_cycle_is_reported_on_every_product_of_it(reports):
    cycle_files = sorted(n for n in FILES if n.startswith("cycle_"))
    cycle_codes = {FILES[n]["not_published"][0].split("/", 1)[1] for n in cycle_files}
    assert cycle_codes == {"CYC-A", "CYC-B", "CYC-C"}
    for name in cycle_files:
        [problem] = [p for p in reports[name]["problems"] if p["code"] == "SUPPLIER_CYCLE"]
        for code in cycle_codes:
            assert code in problem["message_en"] and code in problem["message_zh"], (name, problem)


# --- what is published --------------------------------------------------------------------------


def test_good_products_are_published(published):
    assert len(GOOD_PRODUCTS) >= 25
    missing = [key for key in GOOD_PRODUCTS if key not in published]
    assert not missing


def test_products_with_a_bad_row_are_not_published(published, reports):
    """Unless a later submission of the whole product replaced the one with the bad row."""
    assert not [key for key in BAD_PRODUCTS if key in published]
    for name, report in reports.items():
        current = {p["product"] for p in report["products"] if p["status"] != "superseded"}
        rejected = {p["product"] for p in report["problems"] if p["severity"] == "error" and p["product"]}
        assert not rejected & current & set(published), name


def test_product_resubmitted_whole_after_a_rejection_is_published(published, reports):
    [key] = FILES["resubmission_4_corrects_it_whole.csv"]["published"]
    assert published[key]["submission_id"] == reports["resubmission_4_corrects_it_whole.csv"]["submission_id"]


def test_resubmission_supersedes_the_original(published, reports):
    [key] = FILES["resubmission_2_supersedes_original.csv"]["published"]
    row = published[key]
    assert row["submission_id"] == reports["resubmission_2_supersedes_original.csv"]["submission_id"]
    assert abs(row["pcf_excl_biogenic_kgco2e_per_unit"] - RESUBMITTED_PER_T) <= 1e-9 * RESUBMITTED_PER_T
    [superseded] = [p for p in reports["resubmission_1_original.csv"]["problems"] if p["code"] == "SUPERSEDED"]
    assert reports["resubmission_2_supersedes_original.csv"]["submission_id"] in superseded["message_en"]
