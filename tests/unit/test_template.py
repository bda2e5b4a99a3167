"""The XLSX template: layout, drop-downs, instructions, determinism, and a round trip through the reader."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from orchestration.inputs import ACTIVITY_COLUMNS, PRODUCT_COLUMNS, SYSTEM_BOUNDARIES
from orchestration.io.readers import read_submission
from orchestration.template import (
    ACTIVITIES_SHEET,
    DATA_FIRST_ROW,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    PRODUCTS_SHEET,
    write_template,
)


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "units.csv").write_text("unit,dimension\nkg,mass\nkWh,energy\npiece,piece\n", encoding="utf-8")
    (folder / "product_categories.csv").write_text(
        "category_code,name_en\nsteel.rebar,Rebar\ncement.opc,Cement\n", encoding="utf-8"
    )
    return folder


@pytest.fixture
def template(tmp_path: Path, seeds: Path) -> Path:
    path = tmp_path / "template.xlsx"
    write_template(path, seeds_dir=seeds)
    return path


def list_validations(path: Path, sheet: str) -> dict[str, str]:
    """Column name -> list formula of the drop-downs on a data sheet."""
    worksheet = load_workbook(path)[sheet]
    names = {cell.column_letter: cell.value for cell in worksheet[1]}
    found = {}
    for validation in worksheet.data_validations.dataValidation:
        if validation.type == "list":
            letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
            found[names[letter]] = validation.formula1
    return found


def test_layout(template: Path) -> None:
    workbook = load_workbook(template)
    assert workbook.sheetnames == [PRODUCTS_SHEET, ACTIVITIES_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET]
    assert workbook[LISTS_SHEET].sheet_state == "hidden"
    products = workbook[PRODUCTS_SHEET]
    assert [cell.value for cell in products[1]] == [column.name for column in PRODUCT_COLUMNS]
    assert [cell.value for cell in products[2]] == [column.label_zh for column in PRODUCT_COLUMNS]
    activities = workbook[ACTIVITIES_SHEET]
    assert [cell.value for cell in activities[1]] == ["product_code"] + [
        column.name for column in ACTIVITY_COLUMNS
    ]
    assert products.freeze_panes == f"A{DATA_FIRST_ROW}"


def test_instructions_explain_every_column_in_both_languages(template: Path) -> None:
    sheet = load_workbook(template)[INSTRUCTIONS_SHEET]
    text = "\n".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value)
    for column in PRODUCT_COLUMNS + ACTIVITY_COLUMNS:
        assert column.name in text and column.description_en in text and column.description_zh in text
    assert "YYYY-MM-DD" in text and "supplier_product" in text and "整体重新报送" in text


def test_drop_downs_from_registry_and_seeds(template: Path) -> None:
    products = list_validations(template, PRODUCTS_SHEET)
    activities = list_validations(template, ACTIVITIES_SHEET)
    assert set(products) == {"system_boundary", "disclosure", "product_category", "declared_unit"}
    assert set(activities) == {"lifecycle_stage", "data_source", "unit"}
    lists = load_workbook(template)[LISTS_SHEET]
    columns = {
        column[0].value: [cell.value for cell in column[1:] if cell.value] for column in lists.iter_cols()
    }
    assert columns["system_boundary"] == list(SYSTEM_BOUNDARIES)
    assert columns["product_category"] == ["steel.rebar", "cement.opc"]
    assert columns["unit"] == ["kg", "kWh", "piece"]
    letter = lists.cell(1, list(columns).index("unit") + 1).column_letter
    assert activities["unit"] == f"'{LISTS_SHEET}'!${letter}$2:${letter}$4"


def test_without_seeds_the_seeded_columns_are_free_text(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_template(path, seeds_dir=tmp_path / "no-seeds")
    assert set(list_validations(path, PRODUCTS_SHEET)) == {"system_boundary", "disclosure"}


def test_byte_deterministic(tmp_path: Path, seeds: Path, template: Path) -> None:
    again = tmp_path / "again.xlsx"
    write_template(again, seeds_dir=seeds)
    assert again.read_bytes() == template.read_bytes()
    with zipfile.ZipFile(template) as archive:  # no clock in the file: the bytes do not depend on when
        assert {info.date_time for info in archive.infolist()} == {(2024, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert (
        "2024-01-01T00:00:00Z</dcterms:created>" in core and "2024-01-01T00:00:00Z</dcterms:modified>" in core
    )


def test_round_trip_through_read_submission(template: Path) -> None:
    workbook = load_workbook(template)
    product = {
        "company_uscc": "91370200163562681G",
        "company_name": "青岛示例电器有限公司",
        "product_code": "007",
        "product_name": "冰箱",
        "product_category": "steel.rebar",
        "declared_unit": "piece",
        "product_mass_kg": 65.5,
        "reporting_period_start": "2024-01-01",
        "reporting_period_end": "2024-12-31",
        "production_volume": 1000,
        "system_boundary": "cradle_to_gate",
        "disclosure": "public",
        "export_markets": "DE;FR",
    }
    workbook[PRODUCTS_SHEET].append([product.get(column.name) for column in PRODUCT_COLUMNS])
    activity = {
        "product_code": "007",
        "lifecycle_stage": "production",
        "activity_name": "用电",
        "amount": 12000,
        "unit": "kWh",
        "activity_code": "electricity.grid",
        "data_source": "primary",
        "allocation_share": 0.5,
    }
    order = ["product_code"] + [column.name for column in ACTIVITY_COLUMNS]
    for _ in range(2):
        workbook[ACTIVITIES_SHEET].append([activity.get(name) for name in order])
    workbook.save(template)

    read = read_submission(template)
    assert read.warnings == [] and read.format == "xlsx"
    records = read.table.to_pylist()
    assert [(r["source_sheet"], r["source_row"]) for r in records] == [("activities", 3), ("activities", 4)]
    first = records[0]
    assert first["product_code"] == "007" and first["company_name"] == "青岛示例电器有限公司"
    assert first["product_mass_kg"] == "65.5" and first["production_volume"] == "1000"
    assert (
        first["amount"] == "12000"
        and first["allocation_share"] == "0.5"
        and first["export_markets"] == "DE;FR"
    )


def test_blank_template_has_no_rows(template: Path) -> None:
    from orchestration.problems import FileRejected

    with pytest.raises(FileRejected) as caught:
        read_submission(template)
    assert caught.value.problem.code == "FILE_NO_ROWS"
