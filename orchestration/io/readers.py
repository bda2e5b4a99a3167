"""Landing files (CSV, XLSX) read into Arrow tables of strings, one column per registry column.

Nothing here judges values: every cell comes out as a stripped string or null, with the row number
and sheet a person sees, so the validation rules can point at the exact cell. A file that cannot be
read at all raises `FileRejected` with the reason code that is quarantined with it (SPEC §7).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import load_workbook

from orchestration.inputs import (
    ACTIVITY_COLUMNS,
    FACTOR_COLUMNS,
    PRODUCT_COLUMNS,
    SUBMISSION_COLUMNS,
    InputColumn,
    header_aliases,
    normalise_header,
)
from orchestration.problems import FileRejected, Problem

DEFAULT_MAX_BYTES = 50 * 1024 * 1024

# Sheet names a workbook may use (compared after `normalise_header`); the template writes the first.
PRODUCT_SHEETS = ("products", "产品")
ACTIVITY_SHEETS = ("activities", "活动数据", "活动")
FACTOR_SHEETS = ("factors", "因子")

# Columns of the activities sheet: the activity columns plus the key of the product row they belong to.
_BY_NAME = {column.name: column for column in SUBMISSION_COLUMNS}
ACTIVITY_SHEET_COLUMNS: tuple[InputColumn, ...] = (
    replace(_BY_NAME["company_uscc"], required=False),
    _BY_NAME["product_code"],
) + ACTIVITY_COLUMNS

Row = list[str]  # cells as text, '' when empty


@dataclass
class TableRead:
    """What a reader found: the cells as strings, how they were encoded, and warnings."""

    table: pa.Table
    encoding: str | None
    format: str  # 'csv' or 'xlsx'
    warnings: list[Problem] = field(default_factory=list)


# --- encodings ---------------------------------------------------------------------------------

_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16/32: text, but not an accepted encoding
_CONTROL_BYTES = bytes(byte for byte in range(32) if byte not in b"\t\n\r\f") + b"\x7f"
_MAX_CONTROL_SHARE = 0.01
_NON_ASCII = re.compile(r"[\x00-\x7f]+")


def detect_encoding(raw: bytes) -> str:
    """'utf-8-sig', 'utf-8' or 'gb18030' for the bytes of a text file; never a silent guess.

    Raises FileRejected('FILE_NOT_TEXT') for binary content (NUL bytes, many control bytes) and
    FileRejected('FILE_ENCODING') for text that is neither clean UTF-8 nor plausible GB18030/GBK.
    """
    return _decode(raw)[1]


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(_UTF8_BOM):
        try:
            return raw[len(_UTF8_BOM) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise FileRejected("FILE_ENCODING", value=f"invalid UTF-8 at byte {error.start + 3}") from None
    if raw.startswith(_OTHER_BOMS):
        raise FileRejected("FILE_ENCODING", value="UTF-16")
    if b"\x00" in raw or len(raw) - len(raw.translate(None, _CONTROL_BYTES)) > _MAX_CONTROL_SHARE * len(raw):
        raise FileRejected("FILE_NOT_TEXT")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(raw):
        raise FileRejected("FILE_ENCODING", value="UTF-8 with invalid bytes")
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise FileRejected("FILE_ENCODING", value="neither UTF-8 nor GB18030") from None
    if not _plausible_gb18030(text):
        raise FileRejected("FILE_ENCODING", value="not plausible GB18030 text")
    return text, "gb18030"


def _mostly_utf8(raw: bytes) -> bool:
    """UTF-8 with a few broken bytes: at least as many valid multi-byte characters as invalid bytes.

    Chinese GBK text seen as UTF-8 is mostly invalid (a GBK pair is valid UTF-8 about one time in
    seven), so this tells a damaged UTF-8 file from a GBK one.
    """
    text = raw.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid = len(text) - len(text.encode("ascii", errors="ignore")) - invalid
    return valid > 0 and valid >= invalid


def _plausible_gb18030(text: str) -> bool:
    """Does GB18030-decoded text look like Chinese text rather than another 8-bit encoding?

    GB18030 decodes almost any byte sequence. Genuine GBK text uses mostly GB2312 characters (both
    bytes >= 0xA1); Latin-1 or Windows-1252 text misread as GBK gives GBK-extension characters whose
    second byte is an ASCII letter, private-use characters, or four-byte sequences outside CJK.
    Judged on the distinct non-ASCII characters: at most as many rare ones as common ones.
    """
    common = rare = 0
    for char in set(_NON_ASCII.sub("", text)):
        encoded = char.encode("gb18030")
        if len(encoded) == 2 and encoded[0] >= 0xA1 and encoded[1] >= 0xA1:
            if unicodedata.category(char) in ("Co", "Cn"):
                return False  # user-defined area: never in real submissions
            common += 1
        elif len(encoded) == 2 or (len(encoded) == 4 and 0x20000 <= ord(char) <= 0x3FFFF):
            rare += 1  # GBK extension, or CJK extension B and later: rare but genuine
        else:
            return False
    return rare <= common


# --- cells -------------------------------------------------------------------------------------


def cell_text(value: Any) -> str | None:
    """A cell as a stripped string, None when empty; dates as YYYY-MM-DD, numbers without '.0'.

    Floats are written with their shortest round-trip digits in plain notation (1e6 -> '1000000',
    1e-05 -> '0.00001'), so the same workbook always gives the same strings.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip() or None


def _is_blank(row: Sequence[str]) -> bool:
    """No cell holds more than white space (stops at the first filled cell)."""
    for cell in row:
        if cell and not cell.isspace():
            return False
    return True


# --- headers -----------------------------------------------------------------------------------


@dataclass
class _Header:
    positions: dict[str, int]  # column name -> index in the row
    warnings: list[Problem]

    @property
    def width(self) -> int:
        return max(self.positions.values()) + 1


def _map_header(
    cells: Sequence[str], columns: tuple[InputColumn, ...], row: int, sheet: str | None
) -> _Header:
    """Match header cells to registry columns (English name or Chinese label, any case)."""
    aliases = header_aliases(columns)
    positions: dict[str, int] = {}
    unknown: dict[str, None] = {}
    for index, cell in enumerate(cells):
        text = cell.strip()
        if not text:
            continue
        name = aliases.get(normalise_header(text))
        if name is None:
            unknown[text] = None
        elif name in positions:
            _reject("FILE_DUPLICATE_COLUMN", sheet, column=name)
        else:
            positions[name] = index
    if not positions:
        _reject("FILE_NO_HEADER", sheet)
    missing = [column.name for column in columns if column.required and column.name not in positions]
    if missing:
        _reject("FILE_MISSING_COLUMNS", sheet, value=", ".join(missing))
    problems = [Problem("UNKNOWN_COLUMN", row=row, column=text, sheet=sheet) for text in unknown]
    return _Header(positions, problems)


def _is_label_row(cells: Sequence[str], header: _Header, columns: tuple[InputColumn, ...]) -> bool:
    """A row under the header that repeats each column's name or Chinese label (the template's row 2)."""
    by_name = {column.name: column for column in columns}
    filled = 0
    for name, index in header.positions.items():
        cell = cells[index].strip() if index < len(cells) else ""
        if cell:
            column = by_name[name]
            if normalise_header(cell) not in (
                normalise_header(column.name),
                normalise_header(column.label_zh),
            ):
                return False
            filled += 1
    return filled > 0 and filled == sum(1 for cell in cells if cell.strip())


def _reject(code: str, sheet: str | None, column: str | None = None, **details: Any) -> NoReturn:
    """Raise FileRejected naming the sheet (XLSX) the problem is on."""
    error = FileRejected(code, column=column, **details)
    error.problem.sheet = sheet
    raise error


# --- tables ------------------------------------------------------------------------------------


@dataclass
class _Sheet:
    """Data rows of one table (each at least as wide as the header) with their row numbers."""

    rows: list[Row]
    row_numbers: list[int]
    header: _Header
    name: str | None

    def __post_init__(self) -> None:
        # Transposed once; rows may differ in length but all reach the header's width.
        self._columns = list(zip(*self.rows, strict=False))

    def array(self, name: str) -> pa.Array:
        """The column's cells stripped, empty cells null; all null when the column is absent."""
        index = self.header.positions.get(name)
        if index is None or not self.rows:
            return pa.nulls(len(self.rows), pa.string())
        trimmed = pc.utf8_trim_whitespace(pa.array(self._columns[index], pa.string()))
        return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)

    def values(self, name: str) -> list[str | None]:
        return self.array(name).to_pylist()


def _parse_rows(
    numbered: Iterable[tuple[int, Row]], columns: tuple[InputColumn, ...], sheet: str | None
) -> _Sheet:
    """Find the header (the first row), then keep the data rows, skipping a label row under the header.

    `numbered` holds the non-blank rows only.
    """
    rows: list[Row] = []
    numbers: list[int] = []
    header: _Header | None = None
    width = 0
    first_data = True
    for number, cells in numbered:
        if header is None:
            header = _map_header(cells, columns, number, sheet)
            width = header.width
            continue
        if first_data:
            first_data = False
            if _is_label_row(cells, header, columns):
                continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        rows.append(cells)
        numbers.append(number)
    if header is None:
        _reject("FILE_NO_HEADER", sheet)
    return _Sheet(rows, numbers, header, sheet)


def _arrow_table(
    columns: tuple[InputColumn, ...], arrays: dict[str, Any], rows: list[int], sheets: list[str]
) -> pa.Table:
    """The reader's output shape: every column of `columns` as strings, then source_row, source_sheet."""
    data = {
        column.name: pa.array(arrays[column.name], pa.string())
        if column.name in arrays
        else pa.nulls(len(rows), pa.string())
        for column in columns
    }
    data["source_row"] = pa.array(rows, pa.int64())
    data["source_sheet"] = pa.array(sheets, pa.string())
    return pa.table(data)


def _sheet_table(sheet: _Sheet, columns: tuple[InputColumn, ...]) -> pa.Table:
    if not sheet.rows:
        raise FileRejected("FILE_NO_ROWS")
    arrays = {column.name: sheet.array(column.name) for column in columns}
    return _arrow_table(columns, arrays, sheet.row_numbers, [sheet.name or ""] * len(sheet.rows))


# --- CSV ---------------------------------------------------------------------------------------


def _csv_rows(text: str) -> Iterable[tuple[int, Row]]:
    """Non-blank records of RFC 4180 text, numbered as a spreadsheet shows them.

    The number counts records (blank lines included), so a cell with a line break stays one row,
    as in Excel; a broken or ragged record is reported with its physical line in the text.
    Trailing empty cells beyond the header's width (Excel exports) are dropped.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    width: int | None = None
    record = line = 0
    try:
        for cells in reader:
            record += 1
            start, line = line + 1, reader.line_num
            if _is_blank(cells):
                continue
            if width is None:
                while cells and not cells[-1].strip():
                    cells.pop()  # trailing empty header cells are not columns
                width = len(cells)
            elif len(cells) != width:
                if len(cells) < width or any(cell.strip() for cell in cells[width:]):
                    where = f"line {start}" if record == start else f"row {record} (line {start})"
                    raise FileRejected(
                        "FILE_BAD_CSV", value=f"{where} has {len(cells)} fields, the header has {width}"
                    )
                del cells[width:]
            yield record, cells
    except csv.Error as error:
        raise FileRejected("FILE_BAD_CSV", value=f"line {reader.line_num}: {error}") from None


def _read_csv(path: Path, columns: tuple[InputColumn, ...], max_bytes: int) -> TableRead:
    raw = _read_bytes(path, max_bytes)
    text, encoding = _decode(raw)
    if not text.strip():
        raise FileRejected("FILE_EMPTY")
    sheet = _parse_rows(_csv_rows(text), columns, None)
    return TableRead(_sheet_table(sheet, columns), encoding, "csv", sheet.header.warnings)


# --- XLSX --------------------------------------------------------------------------------------

SheetRows = tuple[str, list[tuple[int, Row]]]  # sheet title, its non-blank rows


def _xlsx_rows(worksheet: Any) -> list[tuple[int, Row]]:
    """Non-blank rows with their worksheet row numbers; the stored dimension is ignored (it can be wrong)."""
    worksheet.reset_dimensions()
    rows = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        cells = [cell_text(value) or "" for value in values]
        if any(cells):
            rows.append((number, cells))
    return rows


def _sheet_named(titles: list[str], names: tuple[str, ...]) -> str | None:
    wanted = {normalise_header(name) for name in names}
    return next((title for title in titles if normalise_header(title) in wanted), None)


def _read_sheets(path: Path, max_bytes: int, choose: Callable[[list[str]], list[str]]) -> list[SheetRows]:
    """The rows of the sheets `choose` picks from the workbook's sheet titles.

    A damaged workbook is FILE_BAD_XLSX, never a crash (SPEC §7): openpyxl and the zip and XML
    parsers under it raise many exception types, so all of them are caught while reading.
    """
    check_size(path, max_bytes)
    if path.stat().st_size == 0:
        raise FileRejected("FILE_EMPTY")
    if not zipfile.is_zipfile(path):
        raise FileRejected("FILE_BAD_XLSX", value="not a ZIP-based .xlsx workbook")
    workbook = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about Excel extensions it drops; irrelevant here
            workbook = load_workbook(path, read_only=True, data_only=True)
        return [(title, _xlsx_rows(workbook[title])) for title in choose(workbook.sheetnames)]
    except FileRejected:
        raise
    except Exception as error:
        message = str(error).splitlines()[0][:200] if str(error) else ""
        raise FileRejected("FILE_BAD_XLSX", value=f"{type(error).__name__}: {message}".rstrip(": ")) from None
    finally:
        if workbook is not None:
            workbook.close()


def _submission_sheets(titles: list[str]) -> list[str]:
    products, activities = _sheet_named(titles, PRODUCT_SHEETS), _sheet_named(titles, ACTIVITY_SHEETS)
    if products is None or activities is None:
        raise FileRejected("FILE_UNKNOWN_SHEET", value=", ".join(titles))
    return [products, activities]


def _factor_sheets(titles: list[str]) -> list[str]:
    return [_sheet_named(titles, FACTOR_SHEETS) or titles[0]]


def _read_xlsx_submission(path: Path, max_bytes: int) -> TableRead:
    (products_title, products_rows), (activities_title, activities_rows) = _read_sheets(
        path, max_bytes, _submission_sheets
    )
    if not products_rows and not activities_rows:
        raise FileRejected("FILE_EMPTY")
    products = _parse_rows(products_rows, PRODUCT_COLUMNS, products_title)
    activities = _parse_rows(activities_rows, ACTIVITY_SHEET_COLUMNS, activities_title)
    table = _long_table(products, activities)
    if table.num_rows == 0:
        raise FileRejected("FILE_NO_ROWS")
    return TableRead(table, None, "xlsx", products.header.warnings + activities.header.warnings)


def _long_table(products: _Sheet, activities: _Sheet) -> pa.Table:
    """One row per activity with its product's columns, then products that have no activity.

    An activity joins the first product row with its product_code (and company_uscc, when the
    activity gives one). Product rows no activity joined (including repeated product rows) become
    rows of their own with empty activity columns, so nothing on the products sheet is lost.
    """
    product_values = {column.name: products.values(column.name) for column in PRODUCT_COLUMNS}
    by_key: dict[tuple[str | None, str | None], int] = {}
    by_code: dict[str | None, int] = {}
    for index, (code, uscc) in enumerate(
        zip(product_values["product_code"], product_values["company_uscc"], strict=True)
    ):
        by_key.setdefault((code, uscc), index)
        by_code.setdefault(code, index)

    activity_codes = activities.values("product_code")
    activity_usccs = activities.values("company_uscc")
    matches: list[int | None] = [
        by_key.get((code, uscc)) if uscc is not None else by_code.get(code)
        for code, uscc in zip(activity_codes, activity_usccs, strict=True)
    ]
    joined = set(matches)
    lonely = [index for index in range(len(products.rows)) if index not in joined]

    values: dict[str, list[str | None]] = {}
    for column in PRODUCT_COLUMNS:
        own = product_values[column.name]
        values[column.name] = [None if match is None else own[match] for match in matches] + [
            own[i] for i in lonely
        ]
    for key, from_activity in (("product_code", activity_codes), ("company_uscc", activity_usccs)):
        values[key][: len(matches)] = [
            joined_value if joined_value is not None else mine
            for joined_value, mine in zip(values[key][: len(matches)], from_activity, strict=True)
        ]
    for column in ACTIVITY_COLUMNS:
        values[column.name] = activities.values(column.name) + [None] * len(lonely)
    rows = activities.row_numbers + [products.row_numbers[i] for i in lonely]
    sheets = [activities.name or ""] * len(matches) + [products.name or ""] * len(lonely)
    return _arrow_table(SUBMISSION_COLUMNS, values, rows, sheets)


def _read_xlsx_factors(path: Path, max_bytes: int) -> TableRead:
    [(title, rows)] = _read_sheets(path, max_bytes, _factor_sheets)
    if not rows:
        raise FileRejected("FILE_EMPTY")
    sheet = _parse_rows(rows, FACTOR_COLUMNS, title)
    return TableRead(_sheet_table(sheet, FACTOR_COLUMNS), None, "xlsx", sheet.header.warnings)


# --- files -------------------------------------------------------------------------------------


def _mb(size: int, round_up: bool = False) -> str:
    """MiB with at most two decimals; rounded up for a file's size, so one byte over 50 reads 50.01."""
    megabytes = size / 1024 / 1024
    if round_up:
        megabytes = math.ceil(megabytes * 100) / 100
    return f"{megabytes:.2f}".rstrip("0").rstrip(".")


def check_size(path: Path, max_bytes: int) -> None:
    """Raise FileRejected('FILE_TOO_LARGE') for a file over `max_bytes`, before reading any of it."""
    size = path.stat().st_size
    if size > max_bytes:
        raise FileRejected(
            "FILE_TOO_LARGE",
            size_mb=_mb(size, round_up=True),
            limit_mb=_mb(max_bytes),
            size_bytes=size,
            limit_bytes=max_bytes,
        )


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    check_size(path, max_bytes)
    raw = path.read_bytes()
    if not raw:
        raise FileRejected("FILE_EMPTY")
    return raw


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise FileRejected("FILE_UNSUPPORTED_TYPE", value=suffix.lstrip(".") or path.name)
    return suffix


def read_submission(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> TableRead:
    """A company submission (.csv long table, or .xlsx with sheets products + activities).

    Grain: one row per activity row of the file, plus one per product row without activities.
    Columns: SUBMISSION_COLUMNS in registry order (strings), source_row, source_sheet.
    """
    path = Path(path)
    if _suffix(path) == ".csv":
        return _read_csv(path, SUBMISSION_COLUMNS, max_bytes)
    return _read_xlsx_submission(path, max_bytes)


def read_factor_table(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> TableRead:
    """A factor release's factors.csv or factors.xlsx (sheet 'factors', else the first sheet).

    Grain: one row per factor row of the file. Columns: FACTOR_COLUMNS (strings), source_row, source_sheet.
    """
    path = Path(path)
    if _suffix(path) == ".csv":
        return _read_csv(path, FACTOR_COLUMNS, max_bytes)
    return _read_xlsx_factors(path, max_bytes)
