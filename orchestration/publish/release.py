"""Writing one immutable release folder atomically (SPEC §6).

Everything is built in `releases/.tmp-<release_id>-<random>` (a dot folder, never mistaken for a
release), fsynced, then renamed to `releases/<release_id>`; only then is `LATEST` replaced and the
portal regenerated. An exception before the rename removes the temporary folder, so `LATEST` and
the existing releases are untouched. The same inputs give byte-identical files: nothing here reads
the wall clock.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa

from orchestration.publish.changes import CHANGES_DATASET
from orchestration.publish.charts import FOOTPRINT_DATASET, footprint_charts
from orchestration.publish.csvfile import write_csv
from orchestration.publish.datapackage import (
    WrittenDataset,
    WrittenFile,
    build_datapackage,
    datapackage_bytes,
)
from orchestration.publish.files import (
    fsync_dir,
    fsync_tree,
    list_files,
    replace_atomically,
    safe_relpath,
    sha256_bytes,
    sha256_file,
    write_bytes_synced,
)
from orchestration.publish.parquetfile import write_parquet
from orchestration.publish.portal import write_portal
from orchestration.publish.readme import render_readme
from orchestration.publish.release_ids import LATEST_FILE, RELEASES_DIR, parse_release_id
from orchestration.publish.release_page import render_release_page
from orchestration.publish.specs import ACCESS_LEVELS, Chart, DatasetSpec, ReleaseInfo, conform_table

TEMP_PREFIX = ".tmp-"
SUMS_FILE = "SHA256SUMS"
GENERATED_FILES = ("datapackage.json", "README.md", "index.html", SUMS_FILE)


def cleanup_stale_temp(publish_root: Path) -> list[Path]:
    """Remove temporary folders and files left by an interrupted publish; return what was removed.

    Call it only when no other publish into the same root is running (the nightly job is the one
    writer).
    """
    removed: list[Path] = []
    releases_dir = publish_root / RELEASES_DIR
    if releases_dir.is_dir():
        for entry in sorted(releases_dir.iterdir()):
            if not entry.name.startswith(TEMP_PREFIX):
                continue
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    if publish_root.is_dir():
        for entry in sorted(publish_root.iterdir()):
            if entry.is_file() and entry.name.startswith((f".{LATEST_FILE}.tmp-", ".index.html.tmp-")):
                entry.unlink()
                removed.append(entry)
    return removed


def _check_request(
    publish_root: Path,
    info: ReleaseInfo,
    datasets: list[tuple[DatasetSpec, pa.Table]],
    extra_files: dict[str, bytes],
    access: str,
) -> None:
    parsed = parse_release_id(info.release_id)
    if parsed is None or parsed[0] != info.as_of:
        raise ValueError(
            f"release id {info.release_id!r} must be the as-of date {info.as_of!r} (then .2, .3 ...)"
        )
    if access not in ACCESS_LEVELS:
        raise ValueError(f"access must be one of {ACCESS_LEVELS}, got {access!r}")
    if access == "public":
        restricted = [spec.name for spec, _ in datasets if spec.access != "public"]
        if restricted:
            raise ValueError(f"restricted datasets {restricted} cannot be written to a public release")
    names = [spec.name for spec, _ in datasets]
    if len(set(names)) != len(names):
        raise ValueError(f"dataset names repeat: {names}")
    reserved = set(GENERATED_FILES) | {f"{n}.{ext}" for n in names for ext in ("parquet", "csv")}
    for relpath in extra_files:
        if safe_relpath(relpath).as_posix() in reserved:
            raise ValueError(f"extra file {relpath!r} would overwrite a generated file")
    if (publish_root / RELEASES_DIR / info.release_id).exists():
        raise FileExistsError(f"release {info.release_id} already exists; releases are immutable")


def _written(root: Path, relpath: str) -> WrittenFile:
    path = root / relpath
    return WrittenFile(relpath, path.stat().st_size, sha256_file(path))


def _build(
    tmp: Path,
    info: ReleaseInfo,
    datasets: list[tuple[DatasetSpec, pa.Table]],
    extra_files: dict[str, bytes],
    charts: Sequence[Chart] | None,
    portal: bool,
) -> None:
    """Write every file of the release into the temporary folder `tmp`.

    The files' sha256 are taken on a thread of their own while the next files are written
    (hashing and writing let go of the interpreter), the extra files' from the bytes given: at ten
    million lines the PACT exports alone are 600 MB, a second of hashing after they are written."""
    tables: dict[str, pa.Table] = {}
    with ThreadPoolExecutor(max_workers=1) as hashing:
        extra_sums = {relpath: hashing.submit(sha256_bytes, data) for relpath, data in sorted(extra_files.items())}
        dataset_sums = []
        for spec, table in datasets:
            conformed = conform_table(spec, table)
            tables[spec.name] = conformed
            write_parquet(conformed, tmp / f"{spec.name}.parquet")
            parquet = hashing.submit(_written, tmp, f"{spec.name}.parquet")
            write_csv(conformed, tmp / f"{spec.name}.csv")
            dataset_sums.append((spec, conformed.num_rows, parquet, hashing.submit(_written, tmp, f"{spec.name}.csv")))
        for relpath in sorted(extra_files):
            write_bytes_synced(tmp / safe_relpath(relpath), extra_files[relpath])
        written = [WrittenDataset(spec, num_rows, parquet.result(), csv.result()) for spec, num_rows, parquet, csv in dataset_sums]
        extra = [
            WrittenFile(safe_relpath(relpath).as_posix(), len(extra_files[relpath]), extra_sums[relpath].result())
            for relpath in sorted(extra_files)
        ]
    if charts is None:
        charts = footprint_charts(tables[FOOTPRINT_DATASET]) if FOOTPRINT_DATASET in tables else []
    changes = tables.get(CHANGES_DATASET)
    write_bytes_synced(tmp / "datapackage.json", datapackage_bytes(build_datapackage(info, written, extra)))
    write_bytes_synced(tmp / "README.md", render_readme(info, written, changes, extra).encode("utf-8"))
    page = render_release_page(info, written, changes, extra, list(charts), portal)
    write_bytes_synced(tmp / "index.html", page.encode("utf-8"))
    known = {f.path: f.sha256 for d in written for f in (d.parquet, d.csv)} | {
        f.path: f.sha256 for f in extra
    }
    sums = "".join(
        f"{known.get(rel) or sha256_file(tmp / rel)}  {rel}\n" for rel in list_files(tmp) if rel != SUMS_FILE
    )
    write_bytes_synced(tmp / SUMS_FILE, sums.encode("utf-8"))


def write_release(
    publish_root: Path,
    info: ReleaseInfo,
    datasets: list[tuple[DatasetSpec, pa.Table]],
    extra_files: dict[str, bytes] | None = None,
    charts: Sequence[Chart] | None = None,
    *,
    access: str = "public",
    portal: bool = True,
) -> Path:
    """Publish one release under `publish_root` atomically and make it current; return its folder.

    - `datasets`: (spec, table) pairs; each table must have exactly the spec's columns (see
      `conform_table`); rows are sorted by the primary key.
    - `extra_files`: relative POSIX path -> bytes, e.g. 'pact/product_footprints.v3.json',
      'validation/index.html', 'changes.md'. Listed in SHA256SUMS and on the release page.
    - `charts`: None draws the footprint distribution charts from a 'product_footprints' dataset;
      pass a list (e.g. `footprint_charts(table, names) + mine`) to choose, or [] for none.
    - `access`: the audience of this root. 'public' (default) refuses any dataset whose spec is
      'restricted'; write restricted data with `write_release(restricted_root, ..., access='restricted',
      portal=False)`.
    - `portal`: regenerate `publish_root/index.html` after `LATEST` moves.
    """
    extra_files = dict(extra_files or {})
    _check_request(publish_root, info, datasets, extra_files, access)
    releases_dir = publish_root / RELEASES_DIR
    releases_dir.mkdir(parents=True, exist_ok=True)
    cleanup_stale_temp(publish_root)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{info.release_id}-", dir=releases_dir))
    final = releases_dir / info.release_id
    try:
        os.chmod(tmp, 0o755)
        _build(tmp, info, datasets, extra_files, charts, portal)
        fsync_tree(tmp)
        if final.exists():
            raise FileExistsError(f"release {info.release_id} already exists; releases are immutable")
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(releases_dir)
    replace_atomically(publish_root / LATEST_FILE, f"{info.release_id}\n".encode("ascii"))
    if portal:
        write_portal(publish_root)
    return final
