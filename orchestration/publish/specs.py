"""What a release is made of: dataset and field metadata, release metadata, charts.

One `DatasetSpec` per published dataset drives everything downstream: the column order and types the
writers enforce, the Table Schema in `datapackage.json`, the data dictionary on the release page and
the field metadata stored in the Parquet file. `conform_table` is the single place where a table is
checked against its spec and put in its deterministic published shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

FIELD_TYPES = ("string", "number", "integer", "boolean", "date", "datetime")
ACCESS_LEVELS = ("public", "restricted")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class FieldSpec:
    """One column of a published dataset (a Table Schema field)."""

    name: str
    type: str  # frictionless types: one of FIELD_TYPES
    description_en: str
    description_zh: str
    unit: str | None = None  # e.g. 'kgCO2e per declared unit'

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name!r}: type {self.type!r} is not one of {FIELD_TYPES}")


@dataclass(frozen=True)
class DatasetSpec:
    """One published dataset: file stem, bilingual titles, grain, primary key and fields."""

    name: str  # file stem, e.g. 'product_footprints'
    title_en: str
    title_zh: str
    description_en: str  # states the grain: "one row per ..."
    description_zh: str
    primary_key: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    access: str = "public"  # 'public' or 'restricted'

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name):
            raise ValueError(f"dataset name {self.name!r} must match {_NAME_RE.pattern}")
        if self.access not in ACCESS_LEVELS:
            raise ValueError(f"dataset {self.name!r}: access {self.access!r} is not one of {ACCESS_LEVELS}")
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"dataset {self.name!r}: duplicate field names")
        missing = [k for k in self.primary_key if k not in names]
        if missing:
            raise ValueError(f"dataset {self.name!r}: primary key columns {missing} are not fields")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@dataclass(frozen=True)
class ReleaseInfo:
    """Release-level metadata: identity, date, licence, sources and the summary counts shown to users."""

    release_id: str  # e.g. '2026-11-23' or '2026-11-23.2'
    as_of: str  # YYYY-MM-DD
    previous_release_id: str | None
    title_en: str
    title_zh: str
    license: dict  # {'name': 'CC-BY-4.0', 'path': 'https://...', 'title': ...}
    sources: list[dict]  # frictionless sources: [{'title': ..., 'path': ...}]
    summary: dict  # free-form counts for the README and the portal
    gwp_set: str = "AR6"
    package_name: str = "shandong-pcf-open-data"


@dataclass(frozen=True)
class Chart:
    """A ready-made inline SVG chart with bilingual captions, shown on the release page."""

    key: str
    title_en: str
    title_zh: str
    svg: str
    caption_en: str = ""
    caption_zh: str = ""


# Arrow type predicates accepted for each Table Schema type, and the type an all-null column becomes.
_ACCEPTS: dict[str, Callable[[pa.DataType], bool]] = {
    "string": lambda t: (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_string_view(t)
        or (pa.types.is_dictionary(t) and pa.types.is_string(t.value_type))
    ),
    "integer": pa.types.is_integer,
    "number": lambda t: pa.types.is_floating(t) or pa.types.is_decimal(t) or pa.types.is_integer(t),
    "boolean": pa.types.is_boolean,
    "date": pa.types.is_date,
    "datetime": pa.types.is_timestamp,
}
#: The Arrow type of each field type (all-null columns are cast to it).
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us", tz="UTC"),
}


def field_metadata(spec: FieldSpec) -> dict[bytes, bytes]:
    """Field-level Parquet metadata: the same descriptions and unit the datapackage carries."""
    meta = {b"description": spec.description_en.encode(), b"description_zh": spec.description_zh.encode()}
    if spec.unit:
        meta[b"unit"] = spec.unit.encode()
    return meta


def conform_table(spec: DatasetSpec, table: pa.Table) -> pa.Table:
    """Return `table` in its published shape, or raise if it does not match `spec`.

    Columns must be exactly the spec's fields (a missing or undocumented column raises: nothing
    unreviewed is ever published); they are put in spec order, all-null columns get the spec's
    type, field metadata comes from the spec, primary-key values must be non-null and unique, and
    rows are sorted by the primary key (all columns when there is none) so output is deterministic.
    """
    names = set(table.column_names)
    missing = [n for n in spec.field_names if n not in names]
    extra = sorted(names - set(spec.field_names))
    if missing or extra:
        raise ValueError(f"dataset {spec.name!r}: missing columns {missing}, undocumented columns {extra}")
    arrays, fields = [], []
    for fs in spec.fields:
        column = table.column(fs.name)
        if pa.types.is_null(column.type):
            column = column.cast(ARROW_TYPES[fs.type])
        if not _ACCEPTS[fs.type](column.type):
            raise TypeError(
                f"dataset {spec.name!r}: column {fs.name!r} is {column.type}, spec says {fs.type}"
            )
        arrays.append(column)
        fields.append(pa.field(fs.name, column.type, nullable=True, metadata=field_metadata(fs)))
    conformed = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    _check_primary_key(spec, conformed)
    keys = list(spec.primary_key) or list(spec.field_names)
    if conformed.num_rows > 1:
        conformed = conformed.take(pc.sort_indices(conformed, sort_keys=[(k, "ascending") for k in keys]))
    return conformed.combine_chunks()


def _check_primary_key(spec: DatasetSpec, table: pa.Table) -> None:
    if not spec.primary_key or table.num_rows == 0:
        return
    for key in spec.primary_key:
        nulls = table.column(key).null_count
        if nulls:
            raise ValueError(f"dataset {spec.name!r}: primary key column {key!r} has {nulls} null values")
    counts = table.select(list(spec.primary_key)).group_by(list(spec.primary_key)).aggregate([])
    if counts.num_rows != table.num_rows:
        dupes = table.num_rows - counts.num_rows
        raise ValueError(f"dataset {spec.name!r}: {dupes} rows repeat a primary key {spec.primary_key}")
