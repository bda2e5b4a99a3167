"""`datapackage.json`: a Frictionless Data Package v2 describing every data file of a release.

Each dataset is two resources: `<name>` (Parquet) and `<name>-csv` (CSV). Both carry the Table
Schema (types, English `description`, `description_zh`, `unit`, `primaryKey`), `bytes`, `hash`
(`sha256:<hex>`) and a `row_count`.

The CSV resource is a full tabular resource (`"type": "table"`, with the standard `rows`), so
`frictionless validate datapackage.json` checks its bytes, hash, row count, types and primary key.
The Parquet resource is declared `"type": "file"`: frictionless 5.21 reads Parquet through pandas,
which turns a null in an integer column into NaN (a false type error) and reports no byte count, so
as a table it could never validate. As a file, its bytes and sha256 are still verified; its schema
is kept for readers, and the Parquet file itself is typed and carries the same field descriptions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from orchestration.publish.specs import DatasetSpec, FieldSpec, ReleaseInfo

PROFILE_V2 = "https://datapackage.org/profiles/2.0/datapackage.json"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
CSV_MEDIATYPE = "text/csv"
CSV_DIALECT = {
    "delimiter": ",",
    "lineTerminator": "\r\n",
    "quoteChar": '"',
    "doubleQuote": True,
    "header": True,
}
PILOT_UTC_OFFSET = "+08:00"  # Asia/Shanghai: the as-of date is a pilot-local date


@dataclass(frozen=True)
class WrittenFile:
    """A file written into a release: path relative to the release folder, size and sha256."""

    path: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class WrittenDataset:
    """A dataset as written: its spec, row count and its two files."""

    spec: DatasetSpec
    rows: int
    parquet: WrittenFile
    csv: WrittenFile


def table_schema(spec: DatasetSpec) -> dict[str, Any]:
    """The Table Schema of a dataset."""
    schema: dict[str, Any] = {"fields": [_field(f) for f in spec.fields], "missingValues": [""]}
    if spec.primary_key:
        schema["primaryKey"] = list(spec.primary_key)
    return schema


def _field(spec: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": spec.name,
        "type": spec.type,
        "description": spec.description_en,
        "description_zh": spec.description_zh,
    }
    if spec.unit:
        out["unit"] = spec.unit
    if spec.type == "boolean":
        out["trueValues"], out["falseValues"] = ["true"], ["false"]
    return out


def _resources(dataset: WrittenDataset) -> list[dict[str, Any]]:
    spec = dataset.spec
    common = {
        "title": spec.title_en,
        "title_zh": spec.title_zh,
        "description": spec.description_en,
        "description_zh": spec.description_zh,
        "access": spec.access,
    }
    parquet = {
        "name": spec.name,
        "type": "file",
        "path": dataset.parquet.path,
        "format": "parquet",
        "mediatype": PARQUET_MEDIATYPE,
        **common,
        "bytes": dataset.parquet.bytes,
        "hash": f"sha256:{dataset.parquet.sha256}",
        "row_count": dataset.rows,
        "schema": table_schema(spec),
    }
    csv = {
        "name": f"{spec.name}-csv",
        "type": "table",
        "path": dataset.csv.path,
        "format": "csv",
        "mediatype": CSV_MEDIATYPE,
        "encoding": "utf-8",
        **common,
        "bytes": dataset.csv.bytes,
        "hash": f"sha256:{dataset.csv.sha256}",
        "rows": dataset.rows,
        "row_count": dataset.rows,
        "dialect": dict(CSV_DIALECT),
        "schema": table_schema(spec),
    }
    return [parquet, csv]


def build_datapackage(
    info: ReleaseInfo, datasets: list[WrittenDataset], extra: list[WrittenFile] | None = None
) -> dict[str, Any]:
    """The datapackage descriptor. `created` is the as-of date (never the wall clock).

    Release metadata the portal needs (as-of, previous release, summary, the other files such as
    PACT JSON and the validation report) sits in the custom `pcf_release` property.
    """
    return {
        "$schema": PROFILE_V2,
        "name": info.package_name,
        "title": info.title_en,
        "description": (
            f"{info.title_en} — {info.title_zh}. Release {info.release_id}, data as of {info.as_of}."
        ),
        "version": info.release_id,
        "created": f"{info.as_of}T00:00:00{PILOT_UTC_OFFSET}",
        "licenses": [dict(info.license)],
        "sources": [dict(s) for s in info.sources],
        "pcf_release": {
            "release_id": info.release_id,
            "as_of": info.as_of,
            "previous_release_id": info.previous_release_id,
            "title_zh": info.title_zh,
            "gwp_set": info.gwp_set,
            "summary": info.summary,
            "files": [{"path": f.path, "bytes": f.bytes, "hash": f"sha256:{f.sha256}"} for f in extra or []],
        },
        "resources": [r for d in datasets for r in _resources(d)],
    }


def datapackage_bytes(descriptor: dict[str, Any]) -> bytes:
    """Stable JSON encoding: fixed key order as built, 2-space indent, UTF-8, trailing newline."""
    return (json.dumps(descriptor, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")
