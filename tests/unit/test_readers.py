"""orchestration.io.readers on small real files written to tmp_path."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from orchestration.codes import make_uscc
from orchestration.inputs import FACTOR_COLUMNS, SUBMISSION_COLUMNS
from orchestration.io.readers import cell_text, detect_encoding, read_factor_table, read_submission
from orchestration.problems import FileRejected

PRODUCT = {
    "company_uscc": "91370200163562681G",
    "company_name": "青岛示例电器有限公司",
    "product_code": "FR-01",
    "product_name": "冰箱 BCD-500",
    "product_category": "appliance.refrigerator",
    "declared_unit": "piece",
    "product_mass_kg": "65",
    "reporting_period_start": "2024-01-01",
    "reporting_period_end": "2024-12-31",
    "production_volume": "1000",
    "system_boundary": "cradle_to_gate",
    "disclosure": "public",
}
ACTIVITY = {
    "lifecycle_stage": "raw_materials",
    "activity_name": "冷轧钢板",
    "amount": "52.5",
    "unit": "t",
    "activity_code": "steel.cold_rolled",
    "data_source": "secondary",
}
REQUIRED = [column.name for column in SUBMISSION_COLUMNS if column.required]
LABELS = {column.name: column.label_zh for column in SUBMISSION_COLUMNS}


def csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return buffer.getvalue()


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def rejected(path: Path, reader=read_submission, **kwargs) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        reader(path, **kwargs)
    return caught.value


def activity_rows(count: int) -> list[dict[str, str]]:
    return [{**PRODUCT, **ACTIVITY, "amount": str(index + 1)} for index in range(count)]


# --- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, expected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030")],
)
def test_csv_encodings_with_chinese_text(tmp_path: Path, encoding: str, expected: str) -> None:
    path = write(tmp_path, "s.csv", csv_text(REQUIRED, activity_rows(2)), encoding)
    read = read_submission(path)
    assert read.encoding == expected and read.format == "csv" and read.warnings == []
    assert read.table.column("company_name").to_pylist() == ["青岛示例电器有限公司"] * 2
    assert read.table.column("activity_name").to_pylist() == ["冷轧钢板"] * 2
    assert read.table.column("source_row").to_pylist() == [2, 3]
    assert read.table.column("source_sheet").to_pylist() == ["", ""]


def test_detect_encoding() -> None:
    assert detect_encoding(b"a,b\r\n1,2\r\n") == "utf-8"
    assert detect_encoding("名称,数量\n钢,1\n".encode("utf-8-sig")) == "utf-8-sig"
    assert detect_encoding("企业名称,产品名称\n青岛示例电器有限公司,冰箱\n".encode("gbk")) == "gb18030"
    # GBK-only characters (喆, 镕) among common GB2312 ones are fine ...
    assert detect_encoding("企业名称\n青岛喆镕钢铁有限公司\n".encode("gbk")) == "gb18030"
    # ... but text that is mostly GBK-extension characters is not taken for Chinese (see the refusals).
    with pytest.raises(FileRejected):
        detect_encoding("喆镕,张\n".encode("gbk"))


@pytest.mark.parametrize(
    "raw, code",
    [
        (bytes(range(256)) * 4, "FILE_NOT_TEXT"),  # binary junk with NUL bytes
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "FILE_NOT_TEXT"),  # a zip (an .xlsx renamed .csv)
        (b"a,b\n" + b"\x01\x02\x03\x04\x05\x06" * 20, "FILE_NOT_TEXT"),  # control characters
        ("name,city\nMüller GmbH,Zürich\n".encode("latin-1"), "FILE_ENCODING"),  # Latin-1 seen as GBK
        (
            "名称,数量\n钢材,1\n".encode("utf-8") + b"\xff" + "电力,2\n".encode("utf-8"),
            "FILE_ENCODING",
        ),  # damaged UTF-8
        ("名称\n".encode("utf-16"), "FILE_ENCODING"),
        ("\ufeff名称".encode("utf-8")[:-1], "FILE_ENCODING"),  # BOM, then broken UTF-8
    ],
)
def test_detect_encoding_refuses(raw: bytes, code: str) -> None:
    with pytest.raises(FileRejected) as caught:
        detect_encoding(raw)
    assert caught.value.problem.code == code


def test_binary_file_named_csv_is_quarantined(tmp_path: Path) -> None:
    path = write(tmp_path, "junk.csv", bytes(range(256)) * 10)
    assert rejected(path).problem.code == "FILE_NOT_TEXT"


# --- structure ---------------------------------------------------------------------------------


def test_empty_and_blank_files(tmp_path: Path) -> None:
    assert rejected(write(tmp_path, "a.csv", b"")).problem.code == "FILE_EMPTY"
    assert rejected(write(tmp_path, "b.csv", "\ufeff\r\n  \r\n", "utf-8")).problem.code == "FILE_EMPTY"


def test_header_only(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", csv_text(REQUIRED, []) + ",,,\r\n\r\n")
    assert rejected(path).problem.code == "FILE_NO_ROWS"


def test_no_header(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", "hello,world\n1,2\n")
    assert rejected(path).problem.code == "FILE_NO_HEADER"
    semicolons = write(tmp_path, "t.csv", ";".join(REQUIRED) + "\n")
    assert rejected(semicolons).problem.code == "FILE_NO_HEADER"


def test_missing_required_columns(tmp_path: Path) -> None:
    header = [name for name in REQUIRED if name not in ("amount", "company_uscc")]
    error = rejected(write(tmp_path, "s.csv", csv_text(header, activity_rows(1))))
    assert error.problem.code == "FILE_MISSING_COLUMNS"
    assert error.problem.details["value"] == "company_uscc, amount"  # registry order
    assert "company_uscc, amount" in error.problem.message_zh


def test_duplicate_column_even_through_its_chinese_label(tmp_path: Path) -> None:
    header = REQUIRED + [LABELS["amount"]]
    error = rejected(write(tmp_path, "s.csv", csv_text(header, activity_rows(1))))
    assert error.problem.code == "FILE_DUPLICATE_COLUMN" and error.problem.column == "amount"


def test_extra_column_is_ignored_with_a_warning(tmp_path: Path) -> None:
    rows = [{**row, "Remarks 备注": "x"} for row in activity_rows(1)]
    read = read_submission(write(tmp_path, "s.csv", csv_text(REQUIRED + ["Remarks 备注"], rows)))
    assert [(p.code, p.column, p.row, p.severity) for p in read.warnings] == [
        ("UNKNOWN_COLUMN", "Remarks 备注", 1, "warning")
    ]
    assert read.table.column_names == [column.name for column in SUBMISSION_COLUMNS] + [
        "source_row",
        "source_sheet",
    ]


def test_chinese_headers_in_any_order_and_case(tmp_path: Path) -> None:
    header = list(reversed(REQUIRED))
    written = [LABELS[name] if index % 2 else f"  {name.upper()} " for index, name in enumerate(header)]
    text = csv_text(header, activity_rows(1)).split("\r\n", 1)[1]
    path = write(tmp_path, "s.csv", ",".join(written) + "\r\n" + text, "gb18030")
    read = read_submission(path)
    assert read.table.column("company_uscc").to_pylist() == [PRODUCT["company_uscc"]]
    assert read.table.column("amount").to_pylist() == ["1"]


def test_cells_are_stripped_and_empty_cells_null(tmp_path: Path) -> None:
    rows = [{**row, "activity_name": "  钢材\u3000", "unit": "   "} for row in activity_rows(1)]
    read = read_submission(write(tmp_path, "s.csv", csv_text(REQUIRED + ["hs_code"], rows)))
    record = read.table.to_pylist()[0]
    assert record["activity_name"] == "钢材" and record["unit"] is None and record["hs_code"] is None
    assert record["export_markets"] is None  # optional column absent from the file
    assert read.table.schema.field("export_markets").type == "string"
    assert read.table.schema.field("source_row").type == "int64"


def test_blank_lines_skipped_and_rows_numbered_as_seen(tmp_path: Path) -> None:
    body = csv_text(REQUIRED, activity_rows(2)).split("\r\n")
    text = "\r\n".join([body[0], "", body[1], ",,,,", body[2], ""]) + "\r\n"
    read = read_submission(write(tmp_path, "s.csv", text))
    assert read.table.column("source_row").to_pylist() == [3, 5]


def test_quoted_newlines_are_one_row(tmp_path: Path) -> None:
    rows = activity_rows(2)
    rows[0]["activity_name"] = "钢板\n第二行"
    read = read_submission(write(tmp_path, "s.csv", csv_text(REQUIRED, rows)))
    assert read.table.column("activity_name").to_pylist() == ["钢板\n第二行", "冷轧钢板"]
    assert read.table.column("source_row").to_pylist() == [2, 3]  # spreadsheet rows, as Excel shows them


def test_trailing_empty_fields_are_tolerated(tmp_path: Path) -> None:
    lines = csv_text(REQUIRED, activity_rows(1)).split("\r\n")
    text = f"{lines[0]},,\r\n{lines[1]},,,\r\n"
    assert read_submission(write(tmp_path, "s.csv", text)).table.num_rows == 1


@pytest.mark.parametrize("damage, where", [("short", "line 3"), ("long", "line 3"), ("quote", "line 3")])
def test_broken_csv_rows(tmp_path: Path, damage: str, where: str) -> None:
    lines = csv_text(REQUIRED, activity_rows(2)).split("\r\n")
    lines[2] = {
        "short": lines[2].rsplit(",", 2)[0],
        "long": lines[2] + ",extra",
        "quote": '"unterminated,' + lines[2],
    }[damage]
    error = rejected(write(tmp_path, "s.csv", "\r\n".join(lines)))
    assert error.problem.code == "FILE_BAD_CSV"
    assert where in error.problem.details["value"]


def test_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", bytes(range(256)) * 8)  # binary: reading it would say FILE_NOT_TEXT
    error = rejected(path, max_bytes=1024)
    assert error.problem.code == "FILE_TOO_LARGE"
    assert error.problem.details["size_bytes"] == 2048 and error.problem.details["limit_bytes"] == 1024
    big = rejected(path, max_bytes=1024, reader=read_factor_table)
    assert big.problem.code == "FILE_TOO_LARGE"


@pytest.mark.parametrize("name", ["s.json", "s.xls", "s.txt", "noextension"])
def test_unsupported_types(tmp_path: Path, name: str) -> None:
    error = rejected(write(tmp_path, name, "{}"))
    assert error.problem.code == "FILE_UNSUPPORTED_TYPE"


# --- XLSX --------------------------------------------------------------------------------------


def workbook_file(tmp_path: Path, sheets: dict[str, list[list[object]]], name: str = "s.xlsx") -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


PRODUCT_HEADER = [column.name for column in SUBMISSION_COLUMNS[:17]]
ACTIVITY_HEADER = [
    "product_code",
    "lifecycle_stage",
    "activity_name",
    "amount",
    "unit",
    "activity_code",
    "data_source",
]


def product_row(code: str, **changes: object) -> list[object]:
    values = {**PRODUCT, "product_code": code, **changes}
    return [values.get(name) for name in PRODUCT_HEADER]


def test_xlsx_joins_products_and_activities(tmp_path: Path) -> None:
    path = workbook_file(
        tmp_path,
        {
            "products": [PRODUCT_HEADER, product_row("A"), product_row("B"), [], product_row("LONELY")],
            "activities": [
                ACTIVITY_HEADER,
                ["B", "production", "电力", 1200.0, "kWh", "electricity.grid", "primary"],
                ["A", "raw_materials", "钢", 1e6, "t", "steel", "secondary"],
                [None, None, None, None, None, None, None],
                ["MISSING", "production", "水", 3, "m3", "water", "primary"],
            ],
        },
    )
    read = read_submission(path)
    records = read.table.to_pylist()
    assert read.format == "xlsx" and read.encoding is None
    assert [(r["source_sheet"], r["source_row"], r["product_code"], r["amount"]) for r in records] == [
        ("activities", 2, "B", "1200"),
        ("activities", 3, "A", "1000000"),
        ("activities", 5, "MISSING", "3"),
        ("products", 5, "LONELY", None),
    ]
    assert records[0]["company_name"] == PRODUCT["company_name"]
    assert records[2]["company_name"] is None and records[2]["company_uscc"] is None
    assert records[3]["lifecycle_stage"] is None and records[3]["production_volume"] == "1000"


def test_xlsx_join_uses_company_uscc_when_given(tmp_path: Path) -> None:
    other = make_uscc("91370211MA3C00001")
    path = workbook_file(
        tmp_path,
        {
            "products": [
                PRODUCT_HEADER,
                product_row("A"),
                product_row("A", company_uscc=other, product_name="另一"),
            ],
            "activities": [
                ["company_uscc"] + ACTIVITY_HEADER,
                [other, "A", "production", "电力", 1, "kWh", "electricity.grid", "primary"],
            ],
        },
    )
    records = read_submission(path).table.to_pylist()
    assert [(r["source_sheet"], r["product_name"]) for r in records] == [
        ("activities", "另一"),
        ("products", "冰箱 BCD-500"),
    ]


def test_xlsx_chinese_sheet_names_and_headers(tmp_path: Path) -> None:
    path = workbook_file(
        tmp_path,
        {
            "产品": [[LABELS[name] for name in PRODUCT_HEADER], product_row("A")],
            "活动数据": [
                [LABELS[name] for name in ACTIVITY_HEADER],
                ["A", "production", "电力", 1, "kWh", "e", "primary"],
            ],
        },
    )
    records = read_submission(path).table.to_pylist()
    assert records[0]["source_sheet"] == "活动数据" and records[0]["company_uscc"] == PRODUCT["company_uscc"]


def test_xlsx_cell_values_become_deterministic_strings(tmp_path: Path) -> None:
    path = workbook_file(
        tmp_path,
        {
            "products": [
                PRODUCT_HEADER,
                product_row(
                    "A",
                    reporting_period_start=dt.datetime(2024, 1, 1),
                    reporting_period_end=dt.date(2024, 12, 31),
                    production_volume=1e6,
                    product_mass_kg=0.00001,
                    hs_code=8418102000,
                ),
            ],
            "activities": [ACTIVITY_HEADER],
        },
    )
    record = read_submission(path).table.to_pylist()[0]
    assert record["reporting_period_start"] == "2024-01-01" and record["reporting_period_end"] == "2024-12-31"
    assert record["production_volume"] == "1000000" and record["product_mass_kg"] == "0.00001"
    assert record["hs_code"] == "8418102000"


def test_cell_text() -> None:
    assert cell_text(None) is None and cell_text("  ") is None and cell_text(" x ") == "x"
    assert cell_text(3.0) == "3" and cell_text(2.5) == "2.5" and cell_text(0.1 + 0.2) == "0.30000000000000004"
    assert cell_text(1e22) == "10000000000000000000000" and cell_text(-1.5e-7) == "-0.00000015"
    assert cell_text(12) == "12" and cell_text(True) == "true"
    assert cell_text(dt.datetime(2024, 3, 1, 8, 30)) == "2024-03-01 08:30:00"
    assert cell_text(dt.date(2024, 3, 1)) == "2024-03-01"


def test_xlsx_missing_sheet(tmp_path: Path) -> None:
    path = workbook_file(tmp_path, {"products": [PRODUCT_HEADER, product_row("A")], "Sheet2": []})
    error = rejected(path)
    assert error.problem.code == "FILE_UNKNOWN_SHEET" and error.problem.details["value"] == "products, Sheet2"


def test_xlsx_missing_column_names_the_sheet(tmp_path: Path) -> None:
    path = workbook_file(
        tmp_path,
        {"products": [PRODUCT_HEADER, product_row("A")], "activities": [ACTIVITY_HEADER[:-1], ["A"]]},
    )
    error = rejected(path)
    assert error.problem.code == "FILE_MISSING_COLUMNS" and error.problem.sheet == "activities"
    assert error.problem.details["value"] == "data_source"


def test_xlsx_empty_and_header_only(tmp_path: Path) -> None:
    assert rejected(workbook_file(tmp_path, {"products": [], "activities": []})).problem.code == "FILE_EMPTY"
    header_only = workbook_file(
        tmp_path, {"products": [PRODUCT_HEADER], "activities": [ACTIVITY_HEADER]}, "h.xlsx"
    )
    assert rejected(header_only).problem.code == "FILE_NO_ROWS"
    assert rejected(write(tmp_path, "zero.xlsx", b"")).problem.code == "FILE_EMPTY"


def test_corrupt_workbooks(tmp_path: Path) -> None:
    good = workbook_file(
        tmp_path, {"products": [PRODUCT_HEADER, product_row("A")], "activities": [ACTIVITY_HEADER]}
    )
    truncated = write(tmp_path, "truncated.xlsx", good.read_bytes()[:-200])
    assert rejected(truncated).problem.code == "FILE_BAD_XLSX"
    not_zip = write(tmp_path, "text.xlsx", "this is not a workbook")
    assert rejected(not_zip).problem.code == "FILE_BAD_XLSX"
    junk = write(tmp_path, "junk.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4)
    assert rejected(junk).problem.code == "FILE_BAD_XLSX"


# --- factor tables -----------------------------------------------------------------------------

FACTOR = {
    "factor_id": "CN.grid.2023",
    "activity_code": "electricity.grid",
    "name_en": "Grid electricity",
    "name_zh": "电网电力",
    "geography": "CN",
    "reference_year": "2023",
    "activity_unit": "kWh",
    "co2e_kg": "0.5366",
    "gwp_basis": "AR5",
    "lca_scope": "cradle_to_gate",
    "dq_technological": "2",
    "dq_geographical": "1",
    "dq_temporal": "1",
    "dq_precision": "2",
    "source": "MEE 2023",
    "status": "active",
}


def test_factor_csv(tmp_path: Path) -> None:
    read = read_factor_table(write(tmp_path, "factors.csv", csv_text(list(FACTOR), [FACTOR]), "gb18030"))
    assert read.table.column_names == [column.name for column in FACTOR_COLUMNS] + [
        "source_row",
        "source_sheet",
    ]
    record = read.table.to_pylist()[0]
    assert record["name_zh"] == "电网电力" and record["co2_fossil_kg"] is None and record["source_row"] == 2


def test_factor_xlsx_prefers_sheet_named_factors(tmp_path: Path) -> None:
    row = [FACTOR[name] for name in FACTOR]
    path = workbook_file(tmp_path, {"readme": [["notes"]], "factors": [list(FACTOR), row]})
    record = read_factor_table(path).table.to_pylist()[0]
    assert record["source_sheet"] == "factors" and record["factor_id"] == "CN.grid.2023"
    first = workbook_file(tmp_path, {"Sheet1": [list(FACTOR), row]}, "first.xlsx")
    assert read_factor_table(first).table.column("source_sheet").to_pylist() == ["Sheet1"]
    missing = workbook_file(tmp_path, {"factors": [list(FACTOR)[1:], row[1:]]}, "missing.xlsx")
    assert rejected(missing, reader=read_factor_table).problem.details["value"] == "factor_id"
