"""CSV as the public reads it in a spreadsheet: UTF-8 with BOM, RFC 4180, formula cells made inert.

Cell rules (the same in every published CSV):
- header row of column names; CRLF line ends; a cell is quoted (`"` doubled) only when it holds a
  comma, a quote, CR or LF;
- text cells that begin with `=`, `+`, `-`, `@`, tab or CR get a leading `'` so spreadsheets show
  them instead of running them (OWASP "CSV injection"); numeric cells are never touched, so -1.5
  stays -1.5;
- floats use Python's shortest round-trip `repr` (0.1, 1e-05, 2.0), NaN / INF / -INF as Table Schema
  spells them; decimals in plain notation; nulls as empty; booleans `true`/`false`; dates ISO
  `YYYY-MM-DD`; timestamps ISO 8601 (UTC as `Z` when the column has a time zone).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

BOM = "\ufeff"
LINE_END = "\r\n"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = (",", '"', "\r", "\n")
_BATCH_ROWS = 65_536


def quote(cell: str) -> str:
    """RFC 4180 quoting: only when needed, with inner quotes doubled."""
    if any(ch in cell for ch in _NEEDS_QUOTES):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def neutralise(text: str) -> str:
    """Make a text cell inert for spreadsheets by prefixing `'` when it could start a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def format_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    return repr(value)


def _format_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        text = value.astimezone(timezone.utc).replace(tzinfo=None).isoformat()
        return text + "Z"
    return value.isoformat()


def _is_text(data_type: pa.DataType) -> bool:
    if pa.types.is_dictionary(data_type):
        return _is_text(data_type.value_type)
    return pa.types.is_string(data_type) or pa.types.is_large_string(data_type) or pa.types.is_string_view(data_type)


def _formatter(data_type: pa.DataType) -> Callable[[Any], str]:
    """The cell formatter for one Arrow type (non-null values only)."""
    if _is_text(data_type):
        return lambda v: quote(neutralise(v))
    if pa.types.is_boolean(data_type):
        return lambda v: "true" if v else "false"
    if pa.types.is_integer(data_type):
        return str
    if pa.types.is_floating(data_type):
        return lambda v: format_float(float(v))
    if pa.types.is_decimal(data_type):
        return lambda v: format(v, "f") if isinstance(v, Decimal) else str(v)
    if pa.types.is_date(data_type):
        return lambda v: v.isoformat()
    if pa.types.is_timestamp(data_type):
        return _format_datetime
    raise TypeError(f"no CSV representation for Arrow type {data_type}")


def _format_column(array: pa.Array, fmt: Callable[[Any], str]) -> list[str]:
    return ["" if v is None else fmt(v) for v in array.to_pylist()]


def csv_bytes_iter(table: pa.Table):
    """Yield the encoded CSV (BOM and header first) in batches, so large tables stream to disk."""
    formatters = [_formatter(f.type) for f in table.schema]
    header = ",".join(quote(name) for name in table.column_names)
    yield (BOM + header + LINE_END).encode("utf-8")
    for batch in table.to_batches(max_chunksize=_BATCH_ROWS):
        if batch.num_rows == 0:
            continue
        columns = [_format_column(batch.column(i), fmt) for i, fmt in enumerate(formatters)]
        lines = [",".join(row) for row in zip(*columns)]
        yield (LINE_END.join(lines) + LINE_END).encode("utf-8")


def write_csv(table: pa.Table, path: Path) -> None:
    """Write `table` as a published CSV file (rules in the module docstring) and fsync it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        for chunk in csv_bytes_iter(table):
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
