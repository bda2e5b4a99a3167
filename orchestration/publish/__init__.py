"""The publishing layer: immutable, versioned releases of open datasets and their static portal.

    from orchestration.publish import DatasetSpec, FieldSpec, ReleaseInfo, next_release_id, write_release

    release_id = next_release_id(home.publish / "releases", as_of)
    write_release(home.publish, info, [(spec, table), ...], extra_files={"changes.md": b"..."})

Restricted datasets go through the same function into another root:
`write_release(home.restricted, info, [...], access="restricted", portal=False)`.
"""

from orchestration.publish.charts import footprint_charts
from orchestration.publish.csvfile import write_csv
from orchestration.publish.parquetfile import write_parquet
from orchestration.publish.portal import write_portal
from orchestration.publish.release import cleanup_stale_temp, write_release
from orchestration.publish.release_ids import (
    current_release,
    list_release_ids,
    next_release_id,
    release_in_effect_on,
    release_sort_key,
)
from orchestration.publish.specs import Chart, DatasetSpec, FieldSpec, ReleaseInfo, conform_table

__all__ = [
    "Chart",
    "DatasetSpec",
    "FieldSpec",
    "ReleaseInfo",
    "cleanup_stale_temp",
    "conform_table",
    "current_release",
    "footprint_charts",
    "list_release_ids",
    "next_release_id",
    "release_in_effect_on",
    "release_sort_key",
    "write_csv",
    "write_parquet",
    "write_portal",
    "write_release",
]
