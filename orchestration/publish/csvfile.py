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
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

BOM = "\ufeff"
LINE_END = "\r\n"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = (",", '"', "\r", "\n")
_FORMULA_RE = "^[=+\\-@\t\r]"
_QUOTE_RE = '[,"\r\n]'
_CELL = pa.large_string()
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
    return (
        pa.types.is_string(data_type)
        or pa.types.is_large_string(data_type)
        or pa.types.is_string_view(data_type)
    )


def _s(text: str) -> pa.Scalar:
    """A cell-typed scalar (Arrow kernels need matching string types)."""
    return pa.scalar(text, _CELL)


def _text_cells(array: pa.Array) -> pa.Array:
    """Neutralise formula-like text, then quote cells that need it (vectorised in Arrow)."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    text = pc.cast(array, _CELL)
    risky = pc.match_substring_regex(text, _FORMULA_RE)
    text = pc.if_else(risky, pc.binary_join_element_wise(_s("'"), text, _s("")), text)
    needs_quotes = pc.match_substring_regex(text, _QUOTE_RE)
    quoted = pc.binary_join_element_wise(_s('"'), pc.replace_substring(text, '"', '""'), _s('"'), _s(""))
    return pc.if_else(needs_quotes, quoted, text)


def _float_cells(array: pa.Array) -> pa.Array:
    """Python `repr` of every float (shortest round trip); NaN / INF / -INF as Table Schema spells them.

    Where both Python and Arrow write plain decimals (1e-4 <= |x| < 1e10, and zero), Arrow's
    shortest round-trip cast gives the same digits, lacking only the ".0" of whole numbers, so those
    cells are made in Arrow (fast); the rest (exponents, NaN, infinities) go through Python's `repr`.
    `test_publish.py` checks this equivalence on random doubles of every magnitude.
    """
    array = pc.cast(array, pa.float64())
    text = pc.cast(array, _CELL)
    text = pc.if_else(
        pc.match_substring(text, "."), text, pc.binary_join_element_wise(text, _s(".0"), _s(""))
    )
    magnitude = pc.abs(array)
    plain = pc.or_(pc.and_(pc.greater_equal(magnitude, 1e-4), pc.less(magnitude, 1e10)), pc.equal(array, 0.0))
    others = pc.indices_nonzero(pc.invert(pc.fill_null(plain, True)))
    if len(others) == 0:
        return text
    cells = text.to_pylist()
    for index, value in zip(others.to_pylist(), array.take(others).to_pylist(), strict=True):
        cells[index] = format_float(value)
    return pa.array(cells, _CELL)


def _cells(array: pa.Array) -> pa.Array:
    """One column as CSV cell text (nulls still null; the caller makes them empty)."""
    data_type = array.type
    if _is_text(data_type):
        return _text_cells(array)
    if pa.types.is_boolean(data_type):
        return pc.if_else(array, _s("true"), _s("false"))
    if pa.types.is_floating(data_type):
        return _float_cells(array)
    if pa.types.is_integer(data_type) or pa.types.is_decimal(data_type) or pa.types.is_date(data_type):
        return pc.cast(array, _CELL)
    if pa.types.is_timestamp(data_type):
        return pa.array([None if v is None else _format_datetime(v) for v in array.to_pylist()], _CELL)
    raise TypeError(f"no CSV representation for Arrow type {data_type}")


def check_types(schema: pa.Schema) -> None:
    """Raise TypeError for a column type that has no CSV representation."""
    for field in schema:
        _cells(pa.array([], field.type))


def csv_bytes_iter(table: pa.Table):
    """Yield the encoded CSV (BOM and header first) in batches, so large tables stream to disk."""
    check_types(table.schema)
    header = ",".join(quote(name) for name in table.column_names)
    yield (BOM + header + LINE_END).encode("utf-8")
    for batch in table.to_batches(max_chunksize=_BATCH_ROWS):
        if batch.num_rows == 0:
            continue
        columns = [pc.fill_null(_cells(column), _s("")) for column in batch.columns]
        lines = pc.binary_join_element_wise(*columns, _s(",")) if len(columns) > 1 else columns[0]
        yield (LINE_END.join(lines.to_pylist()) + LINE_END).encode("utf-8")


def write_csv(table: pa.Table, path: Path) -> None:
    """Write `table` as a published CSV file (rules in the module docstring) and fsync it."""
    check_types(table.schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        for chunk in csv_bytes_iter(table):
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
