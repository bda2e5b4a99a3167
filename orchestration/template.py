"""The blank XLSX submission template (SPEC §3.2), written from the column registry.

Layout, which `orchestration.io.readers.read_submission` reads back: on the sheets `products` and
`activities`, row 1 holds the English column names (the header), row 2 the Chinese labels (the
reader recognises and skips such a label row), and data starts on row 3. Coded columns get drop-down
lists; every column shows its description when a cell is selected; the sheet `instructions 说明`
explains every column and the rules in English and Chinese. The file is byte-for-byte the same each
time it is written from the same registry and seeds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from orchestration.home import DBT_PROJECT_DIR
from orchestration.inputs import ACTIVITY_COLUMNS, PRODUCT_COLUMNS, InputColumn

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
PRODUCTS_SHEET = "products"
ACTIVITIES_SHEET = "activities"
INSTRUCTIONS_SHEET = "instructions 说明"
LISTS_SHEET = "lists"
HEADER_ROW, LABEL_ROW, DATA_FIRST_ROW = 1, 2, 3
LAST_ROW = 1_048_576  # validations cover the whole column below the header

_PRODUCT_CODE = next(column for column in PRODUCT_COLUMNS if column.name == "product_code")
SHEET_COLUMNS: dict[str, tuple[InputColumn, ...]] = {
    PRODUCTS_SHEET: PRODUCT_COLUMNS,
    ACTIVITIES_SHEET: (_PRODUCT_CODE,) + ACTIVITY_COLUMNS,
}
# Typed as text so Excel keeps leading zeros and writes dates exactly as typed.
TEXT_COLUMNS = frozenset(
    {
        "company_uscc",
        "product_code",
        "hs_code",
        "activity_code",
        "factor_id",
        "supplier_product",
        "reporting_period_start",
        "reporting_period_end",
        "verification_date",
        "export_markets",
    }
)
# Drop-down lists read from dbt seeds: column -> (seed file, seed column).
SEED_CHOICES = {
    "product_category": ("product_categories.csv", "category_code"),
    "declared_unit": ("units.csv", "unit"),
    "unit": ("units.csv", "unit"),
}
FIXED_TIME = dt.datetime(2024, 1, 1)
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)

RULES: tuple[tuple[str, str], ...] = (
    (
        "One file holds one company's inventories for one or more products.",
        "一个文件填报一家企业的一个或多个产品的清单数据。",
    ),
    (
        "Sheet 'products': one row per product. Sheet 'activities': one row per activity, linked to its "
        "product by product_code.",
        "“products”工作表：每个产品一行；“activities”工作表：每项活动一行，通过产品编码（product_code）关联到产品。",
    ),
    (
        "Row 1 holds the column names, row 2 the Chinese labels; enter data from row 3. Do not rename "
        "columns; headers may be the English names or the Chinese labels.",
        "第1行为列名，第2行为中文名称，请从第3行开始填写。请勿修改列名；表头可使用英文列名或中文名称。",
    ),
    ("Columns marked required must be filled in on every row.", "标为必填的列每行都必须填写。"),
    ("Dates are written YYYY-MM-DD, e.g. 2024-12-31.", "日期格式为 YYYY-MM-DD，例如 2024-12-31。"),
    (
        "company_uscc is the 18-character Unified Social Credit Code; its last character is checked "
        "(GB 32100-2015).",
        "统一社会信用代码为18位，末位校验码将按 GB 32100-2015 校验。",
    ),
    (
        "production_volume is the number of declared units made in the reporting period (> 0); "
        "product_mass_kg is required when the declared unit is 'piece'.",
        "产量为报告期内以声明单位计的产量（大于0）；声明单位为“件”（piece）时须填写单位产品质量（kg）。",
    ),
    (
        "amount is the period total for the whole production (>= 0), in the unit given in 'unit'.",
        "数量为报告期内全部产量对应的活动数据总量（不小于0），单位见“单位”列。",
    ),
    (
        "Give exactly one of activity_code, factor_id and supplier_product on each activity row; "
        "supplier_product is written <uscc>/<product_code>.",
        "每行活动须且只能填写活动代码、因子编号、供应商产品中的一项；供应商产品写作“统一社会信用代码/产品编码”。",
    ),
    ("allocation_share is between 0 (excluded) and 1; empty means 1.", "分配比例大于0且不大于1，不填视为1。"),
    (
        "The lifecycle stages must lie inside the system boundary: cradle_to_gate covers raw_materials "
        "and production.",
        "生命周期阶段须在系统边界之内：从摇篮到大门（cradle_to_gate）包含原材料和生产阶段。",
    ),
    (
        "export_markets lists ISO 3166 alpha-2 codes separated by ';', e.g. DE;FR; export_volume must "
        "not exceed production_volume.",
        "出口市场填写 ISO 3166 两字母代码，以“;”分隔，例如 DE;FR；出口量不得超过产量。",
    ),
    (
        "activity_name is confidential and never published; disclosure sets what is published about the "
        "product.",
        "活动名称保密，不予公开；披露级别决定产品信息的公开范围。",
    ),
    (
        "A later submission for the same company, product and reporting period replaces the earlier one. "
        "A product with any rejected row is not published until it is resubmitted whole.",
        "同一企业、产品和报告期的后续报送将替代之前的报送。产品只要有一行被拒绝，须整体重新报送后方可发布。",
    ),
)

_BOLD = Font(bold=True)
_LABEL = Font(italic=True, color="595959")
_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
_OPTIONAL_FILL = PatternFill("solid", fgColor="E7E6E6")


def write_template(path: Path, seeds_dir: Path = SEEDS_DIR) -> None:
    """Write the blank submission workbook to `path` (byte-deterministic for the same inputs)."""
    choices = _choices(seeds_dir)
    workbook = Workbook()
    workbook.remove(workbook.active)
    lists = _lists_sheet(workbook, choices)
    for title, columns in SHEET_COLUMNS.items():
        _data_sheet(workbook.create_sheet(title), columns, lists)
    _instructions_sheet(workbook.create_sheet(INSTRUCTIONS_SHEET), choices)
    workbook.move_sheet(LISTS_SHEET, offset=len(workbook.sheetnames) - 1)
    workbook.active = 0
    properties = workbook.properties
    properties.creator = properties.lastModifiedBy = "PCF pilot"
    properties.title = "Product carbon footprint submission template / 产品碳足迹报送模板"
    Path(path).write_bytes(_deterministic(workbook))


def _choices(seeds_dir: Path) -> dict[str, tuple[str, ...]]:
    """Allowed values per column: registry choices, plus seed lists when the seed files exist."""
    choices = {column.name: column.choices for column in PRODUCT_COLUMNS + ACTIVITY_COLUMNS if column.choices}
    for name, (file_name, seed_column) in SEED_CHOICES.items():
        seed = seeds_dir / file_name
        if seed.is_file():
            with seed.open(encoding="utf-8-sig", newline="") as handle:
                values = [(row.get(seed_column) or "").strip() for row in csv.DictReader(handle)]
            if any(values):
                choices[name] = tuple(dict.fromkeys(value for value in values if value))
    return choices


def _lists_sheet(workbook: Workbook, choices: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """A hidden sheet with one column per list; returns column name -> range formula."""
    sheet = workbook.create_sheet(LISTS_SHEET)
    sheet.sheet_state = "hidden"
    ranges = {}
    for index, (name, values) in enumerate(sorted(choices.items()), start=1):
        letter = get_column_letter(index)
        sheet.cell(1, index, name).font = _BOLD
        for row, value in enumerate(values, start=2):
            sheet.cell(row, index, value)
        ranges[name] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _data_sheet(sheet: Worksheet, columns: tuple[InputColumn, ...], lists: dict[str, str]) -> None:
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        fill = _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        header = sheet.cell(HEADER_ROW, index, column.name)
        header.font, header.fill = _BOLD, fill
        label = sheet.cell(LABEL_ROW, index, column.label_zh)
        label.font, label.fill = _LABEL, fill
        sheet.column_dimensions[letter].width = max(len(column.name), 2 * len(column.label_zh), 10) + 2
        if column.name in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
        sheet.add_data_validation(
            _validation(column, lists.get(column.name), f"{letter}{DATA_FIRST_ROW}:{letter}{LAST_ROW}")
        )
    sheet.freeze_panes = sheet.cell(DATA_FIRST_ROW, 1)


def _validation(column: InputColumn, formula: str | None, cells: str) -> DataValidation:
    """A drop-down for listed columns (strict for registry choices), a help prompt for every column."""
    required = "required 必填" if column.required else "optional 选填"
    validation = DataValidation(
        type="list" if formula else None,
        formula1=formula,
        allow_blank=True,
        showInputMessage=True,
        promptTitle=column.name[:32],
        prompt=f"{column.description_en}\n{column.description_zh}\n({required})"[:255],
    )
    if formula:
        validation.showErrorMessage = True
        validation.errorStyle = "stop" if column.choices else "warning"
        validation.errorTitle = column.name[:32]
        validation.error = "Choose a value from the list. 请从下拉列表中选择。"
    validation.add(cells)
    return validation


def _instructions_sheet(sheet: Worksheet, choices: dict[str, tuple[str, ...]]) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append(["Product carbon footprint submission template", "产品碳足迹报送模板"])
    sheet.append([])
    sheet.append(["Rules", "填报规则"])
    for english, chinese in RULES:
        sheet.append([english, chinese])
    sheet.append([])
    table_header = [
        "sheet 工作表",
        "column 列名",
        "label 中文名称",
        "required 必填",
        "allowed values 取值",
        "description",
        "说明",
    ]
    sheet.append(table_header)
    header_row = sheet.max_row
    for title, columns in SHEET_COLUMNS.items():
        for column in columns:
            allowed = ", ".join(choices.get(column.name, ()))
            sheet.append(
                [
                    title,
                    column.name,
                    column.label_zh,
                    "yes 是" if column.required else "no 否",
                    allowed,
                    column.description_en,
                    column.description_zh,
                ]
            )
    for row in (1, 3, header_row):
        for cell in sheet[row]:
            cell.font = _BOLD
    for letter, width in zip("ABCDEFG", (60, 60, 18, 12, 30, 60, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = wrap


def _deterministic(workbook: Workbook) -> bytes:
    """The workbook as XLSX bytes with fixed timestamps (document properties and ZIP entries)."""
    buffer = io.BytesIO()
    workbook.save(buffer)  # sets properties.modified to now; replaced below
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    core = tostring(workbook.properties.to_tree())
    output = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = core if info.filename == "docProps/core.xml" else source.read(info.filename)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, data)
    return output.getvalue()
