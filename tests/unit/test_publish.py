"""Unit tests of the publishing layer: files, checksums, datapackage, CSV rules, atomicity."""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import struct
from datetime import date
from pathlib import Path

import frictionless
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import orchestration.publish.release as release_module
from orchestration.publish import (
    DatasetSpec,
    FieldSpec,
    ReleaseInfo,
    cleanup_stale_temp,
    current_release,
    next_release_id,
    release_in_effect_on,
    write_csv,
    write_parquet,
    write_release,
)

KG = "kgCO2e per declared unit"

FOOTPRINTS = DatasetSpec(
    name="product_footprints",
    title_en="Product carbon footprints",
    title_zh="产品碳足迹",
    description_en="One row per public product and reporting period.",
    description_zh="每个公开产品每个报告期一行。",
    primary_key=("product_footprint_id",),
    fields=(
        FieldSpec("product_footprint_id", "string", "Stable id", "稳定标识"),
        FieldSpec("product_name", "string", "Product name", "产品名称"),
        FieldSpec("product_category", "string", "Category code", "类别代码"),
        FieldSpec("declared_unit", "string", "Declared unit", "声明单位"),
        FieldSpec(
            "pcf_excl_biogenic_kgco2e_per_unit", "number", "PCF excl. biogenic", "不含生物源碳足迹", KG
        ),
        FieldSpec("pcf_incl_biogenic_kgco2e_per_unit", "number", "PCF incl. biogenic", "含生物源碳足迹", KG),
        FieldSpec("grade", "integer", "Grade 1-5", "等级"),
        FieldSpec("is_label_eligible", "boolean", "Label eligible", "可获碳标识"),
        FieldSpec("reporting_period_end", "date", "Period end", "报告期结束"),
    ),
)

CHANGES = DatasetSpec(
    name="changes",
    title_en="Changes since the previous release",
    title_zh="与上一版本相比的变更",
    description_en="One row per changed product footprint.",
    description_zh="每个变更的产品碳足迹一行。",
    primary_key=("product_footprint_id", "change_type"),
    fields=(
        FieldSpec("product_footprint_id", "string", "Stable id", "稳定标识"),
        FieldSpec("change_type", "string", "added, removed or restated", "变更类型"),
        FieldSpec("reason", "string", "Why", "原因"),
        FieldSpec("old_value", "number", "Old PCF", "原值", KG),
        FieldSpec("new_value", "number", "New PCF", "新值", KG),
    ),
)

FARMS = DatasetSpec(
    name="livestock_farm_grades",
    title_en="Farm grades",
    title_zh="养殖场等级",
    description_en="One row per farm and year.",
    description_zh="每个养殖场每年一行。",
    primary_key=("farm_id",),
    fields=(FieldSpec("farm_id", "string", "Farm", "养殖场"), FieldSpec("grade", "integer", "Grade", "等级")),
    access="restricted",
)


def footprints_table() -> pa.Table:
    """Deliberately unsorted, with formula-like text, quotes, commas, Chinese, nulls and a negative."""
    return pa.table(
        {
            "product_footprint_id": ["c", "a", "b", "d"],
            "product_name": ["=cmd", '冰箱 BCD-500, "big"', "@SUM(A1)", "-20 freezer"],
            "product_category": [
                "appliance.refrigerator",
                "appliance.refrigerator",
                "tyre.passenger",
                "tyre.passenger",
            ],
            "declared_unit": ["piece", "piece", "piece", "piece"],
            "pcf_excl_biogenic_kgco2e_per_unit": [0.1, 512.25, 1e-05, 2400.0],
            "pcf_incl_biogenic_kgco2e_per_unit": [-1.5, 500.0, None, 2390.5],
            "grade": pa.array([1, None, 3, 5], pa.int64()),
            "is_label_eligible": [True, False, None, True],
            "reporting_period_end": [date(2025, 12, 31)] * 4,
        }
    )


def changes_table() -> pa.Table:
    return pa.table(
        {
            "product_footprint_id": ["a", "b", "c"],
            "change_type": ["added", "restated", "restated"],
            "reason": [None, "factor_update", "resubmission"],
            "old_value": [None, 2.0, 0.2],
            "new_value": [512.25, 1e-05, 0.1],
        }
    )


def release_info(release_id: str = "2026-11-23", previous: str | None = None) -> ReleaseInfo:
    return ReleaseInfo(
        release_id=release_id,
        as_of="2026-11-23",
        previous_release_id=previous,
        title_en="Shandong PCF open data <test>",
        title_zh="山东省产品碳足迹公开数据",
        license={
            "name": "CC-BY-4.0",
            "path": "https://creativecommons.org/licenses/by/4.0/",
            "title": "CC BY 4.0",
        },
        sources=[{"title": "Factor release F-2026-01", "path": "https://example.org/factors/F-2026-01"}],
        summary={"products": 4, "companies": 2, "submissions": {"accepted": 3, "quarantined": 1}},
    )


EXTRA = {"validation/index.html": b"<html><body>ok</body></html>\n", "changes.md": b"# Changes\n"}


def publish(root: Path, release_id: str = "2026-11-23", **kwargs) -> Path:
    datasets = [(FOOTPRINTS, footprints_table()), (CHANGES, changes_table())]
    return write_release(root, release_info(release_id), datasets, extra_files=EXTRA, **kwargs)


def release_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def published(tmp_path: Path) -> Path:
    return publish(tmp_path / "publish")


def test_release_folder_has_every_file_and_latest_points_to_it(published: Path) -> None:
    root = published.parents[1]
    assert published == root / "releases" / "2026-11-23"
    assert set(release_files(published)) == {
        "product_footprints.parquet",
        "product_footprints.csv",
        "changes.parquet",
        "changes.csv",
        "validation/index.html",
        "changes.md",
        "datapackage.json",
        "README.md",
        "index.html",
        "SHA256SUMS",
    }
    assert (root / "LATEST").read_text() == "2026-11-23\n"
    assert current_release(root) == "2026-11-23"
    assert (root / "index.html").is_file()
    assert [p.name for p in (root / "releases").iterdir()] == ["2026-11-23"]


def test_sha256sums_lists_every_other_file_with_its_real_hash(published: Path) -> None:
    lines = (published / "SHA256SUMS").read_text().splitlines()
    paths = [line.split("  ", 1)[1] for line in lines]
    assert paths == sorted(paths)
    assert set(paths) == set(release_files(published)) - {"SHA256SUMS"}
    for line in lines:
        digest, rel = line.split("  ", 1)
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        assert hashlib.sha256((published / rel).read_bytes()).hexdigest() == digest


def test_datapackage_describes_files_exactly(published: Path) -> None:
    package = json.loads((published / "datapackage.json").read_text())
    assert package["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert package["version"] == "2026-11-23"
    assert package["created"].startswith("2026-11-23T")
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["sources"][0]["title"] == "Factor release F-2026-01"
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == {"product_footprints", "product_footprints-csv", "changes", "changes-csv"}
    expected_rows = {"product_footprints": 4, "changes": 3}
    for name, res in resources.items():
        data = (published / res["path"]).read_bytes()
        assert res["bytes"] == len(data)
        assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert res["row_count"] == expected_rows[name.removesuffix("-csv")]
        assert re.fullmatch(r"[a-z0-9._-]+", name)
    assert resources["product_footprints-csv"]["rows"] == 4
    assert pq.read_metadata(published / "product_footprints.parquet").num_rows == 4
    fields = {f["name"]: f for f in resources["product_footprints"]["schema"]["fields"]}
    assert fields["pcf_excl_biogenic_kgco2e_per_unit"] == {
        "name": "pcf_excl_biogenic_kgco2e_per_unit",
        "type": "number",
        "description": "PCF excl. biogenic",
        "description_zh": "不含生物源碳足迹",
        "unit": KG,
    }
    assert resources["changes-csv"]["schema"]["primaryKey"] == ["product_footprint_id", "change_type"]


def test_frictionless_validates_the_package(published: Path) -> None:
    report = frictionless.validate(str(published / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldNumber", "type", "note"])
    assert len(report.tasks) == 4


def test_csv_bom_quoting_formula_neutralisation_and_number_format(published: Path) -> None:
    raw = (published / "product_footprints.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("product_footprint_id,product_name,")
    assert lines[1] == (
        'a,"冰箱 BCD-500, ""big""",appliance.refrigerator,piece,512.25,500.0,,false,2025-12-31'
    )
    assert lines[2] == "b,'@SUM(A1),tyre.passenger,piece,1e-05,,3,,2025-12-31"
    assert lines[3] == "c,'=cmd,appliance.refrigerator,piece,0.1,-1.5,1,true,2025-12-31"
    assert lines[4] == "d,'-20 freezer,tyre.passenger,piece,2400.0,2390.5,5,true,2025-12-31"


def test_write_csv_round_trips_every_float_exactly(tmp_path: Path) -> None:
    values = [0.1 + 0.2, 1 / 3, -1.5, 1e-300, 123456789.123, float("nan"), float("inf"), None]
    write_csv(
        pa.table({"x": values, "s": ["\tx", "\rx", "+1", "ok", "", None, "a\nb", "'="]}), tmp_path / "f.csv"
    )
    lines = (tmp_path / "f.csv").read_bytes().decode("utf-8-sig").split("\r\n")
    cells = [line.split(",")[0] for line in lines[1:6]]
    assert [float(c) for c in cells] == values[:5]
    assert lines[1].endswith(",'\tx") and lines[2].endswith(',"\'\rx"') and lines[3].endswith(",'+1")
    assert lines[6] == "NaN," and lines[7] == 'INF,"a\nb"' and lines[8] == ",'="


def test_csv_floats_are_exactly_python_repr_at_every_magnitude(tmp_path: Path) -> None:
    rng = random.Random(7)
    values = [rng.random() * 10.0**e * rng.choice((1, -1)) for e in range(-320, 308) for _ in range(8)]
    values += [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(20_000)]
    values += [round(rng.uniform(0, 5000), rng.randint(0, 8)) for _ in range(20_000)]
    values += [
        0.0,
        -0.0,
        1e-4,
        9.999999999999999e-05,
        1e10,
        9999999999.5,
        1e16,
        5e-324,
        1.7976931348623157e308,
    ]
    values = [v for v in values if math.isfinite(v)]
    write_csv(pa.table({"x": values}), tmp_path / "f.csv")
    cells = (tmp_path / "f.csv").read_bytes().decode("utf-8-sig").split("\r\n")[1:-1]
    mismatches = [(v, c) for v, c in zip(values, cells, strict=True) if repr(v) != c]
    assert mismatches == []


def test_parquet_is_zstd_typed_and_round_trips(published: Path) -> None:
    metadata = pq.read_metadata(published / "product_footprints.parquet")
    for rg in range(metadata.num_row_groups):
        for col in range(metadata.num_columns):
            assert metadata.row_group(rg).column(col).compression == "ZSTD"
    table = pq.read_table(published / "product_footprints.parquet")
    source = footprints_table()
    assert table.schema.remove_metadata().equals(pa.schema([pa.field(f.name, f.type) for f in source.schema]))
    assert table.column("product_footprint_id").to_pylist() == ["a", "b", "c", "d"]
    assert table.to_pylist() == source.sort_by("product_footprint_id").to_pylist()
    assert table.schema.field("pcf_excl_biogenic_kgco2e_per_unit").metadata[b"unit"] == KG.encode()


def test_write_parquet_is_deterministic(tmp_path: Path) -> None:
    write_parquet(footprints_table(), tmp_path / "a.parquet")
    write_parquet(footprints_table(), tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_same_inputs_give_byte_identical_releases(tmp_path: Path) -> None:
    first = release_files(publish(tmp_path / "one"))
    second = release_files(publish(tmp_path / "two"))
    assert first == second
    assert (tmp_path / "one" / "index.html").read_bytes() == (tmp_path / "two" / "index.html").read_bytes()


def test_row_order_does_not_depend_on_input_order(tmp_path: Path) -> None:
    shuffled = footprints_table().take([3, 1, 0, 2])
    a = write_release(tmp_path / "a", release_info(), [(FOOTPRINTS, footprints_table())])
    b = write_release(tmp_path / "b", release_info(), [(FOOTPRINTS, shuffled)])
    assert release_files(a) == release_files(b)


def test_failure_mid_write_leaves_no_release_and_latest_unchanged(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "publish"
    publish(root)
    portal_before = (root / "index.html").read_bytes()
    calls = []

    def flaky(table: pa.Table, path: Path) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        write_parquet(table, path)

    monkeypatch.setattr(release_module, "write_parquet", flaky)
    with pytest.raises(OSError, match="disk full"):
        publish(root, "2026-11-23.2")
    assert len(calls) == 2
    assert sorted(p.name for p in (root / "releases").iterdir()) == ["2026-11-23"]
    assert current_release(root) == "2026-11-23"
    assert (root / "index.html").read_bytes() == portal_before
    assert cleanup_stale_temp(root) == []


def test_bad_table_leaves_nothing_behind(tmp_path: Path) -> None:
    root = tmp_path / "publish"
    duplicated = pa.concat_tables([footprints_table(), footprints_table().slice(0, 1)])
    with pytest.raises(ValueError, match="primary key"):
        write_release(root, release_info(), [(CHANGES, changes_table()), (FOOTPRINTS, duplicated)])
    assert list((root / "releases").iterdir()) == []
    assert current_release(root) is None
    with pytest.raises(ValueError, match="undocumented columns"):
        write_release(
            root,
            release_info(),
            [(FOOTPRINTS, footprints_table().append_column("secret", pa.array([1] * 4)))],
        )
    assert list((root / "releases").iterdir()) == []


def test_cleanup_removes_leftover_temp_folders(tmp_path: Path) -> None:
    root = tmp_path / "publish"
    leftover = root / "releases" / ".tmp-2026-11-22-abc123"
    (leftover / "pact").mkdir(parents=True)
    (leftover / "pact" / "x.json").write_text("{}")
    assert cleanup_stale_temp(root) == [leftover]
    assert not leftover.exists()
    publish(root)
    assert sorted(p.name for p in (root / "releases").iterdir()) == ["2026-11-23"]


def test_next_release_id_counts_same_day_releases(tmp_path: Path) -> None:
    root = tmp_path / "publish"
    releases = root / "releases"
    assert next_release_id(releases, "2026-11-23") == "2026-11-23"
    publish(root)
    assert next_release_id(releases, "2026-11-23") == "2026-11-23.2"
    assert next_release_id(releases, "2026-11-24") == "2026-11-24"
    second = write_release(
        root, release_info("2026-11-23.2", previous="2026-11-23"), [(CHANGES, changes_table())]
    )
    assert second.name == "2026-11-23.2" and current_release(root) == "2026-11-23.2"
    (releases / ".tmp-2026-11-23.9-x").mkdir()
    assert next_release_id(releases, "2026-11-23") == "2026-11-23.3"
    with pytest.raises(ValueError):
        next_release_id(releases, "23/11/2026")


def test_a_back_dated_run_is_measured_against_the_release_in_effect_then(tmp_path: Path) -> None:
    root = tmp_path / "publish"
    assert release_in_effect_on(root, "2026-11-23") is None
    for release_id in ("2026-11-20", "2026-11-23", "2026-11-23.2", "2026-11-23.10"):
        (root / "releases" / release_id).mkdir(parents=True)
    (root / "LATEST").write_text("2026-11-23.10\n")
    assert release_in_effect_on(root, "2026-11-24") == "2026-11-23.10"
    assert release_in_effect_on(root, "2026-11-23") == "2026-11-23.10"
    assert release_in_effect_on(root, "2026-11-22") == "2026-11-20"
    assert release_in_effect_on(root, "2026-11-19") is None


def test_existing_release_is_never_overwritten(published: Path) -> None:
    before = release_files(published)
    with pytest.raises(FileExistsError):
        publish(published.parents[1])
    assert release_files(published) == before


def test_restricted_datasets_only_go_to_a_restricted_root(tmp_path: Path) -> None:
    farms = pa.table({"farm_id": ["f1", "f2"], "grade": pa.array([1, 2], pa.int64())})
    with pytest.raises(ValueError, match="restricted"):
        write_release(tmp_path / "publish", release_info(), [(FARMS, farms)])
    assert not (tmp_path / "publish" / "releases" / "2026-11-23").exists()
    folder = write_release(
        tmp_path / "restricted", release_info(), [(FARMS, farms)], access="restricted", portal=False
    )
    assert (folder / "livestock_farm_grades.parquet").is_file()
    assert not (tmp_path / "restricted" / "index.html").exists()
    assert "../../index.html" not in (folder / "index.html").read_text()


def test_pages_are_offline_bilingual_and_escaped(published: Path) -> None:
    root = published.parents[1]
    for page in (published / "index.html", root / "index.html"):
        text = page.read_text()
        assert not re.search(r"<script[^>]*\bsrc=", text, re.I)
        assert not re.search(r"<link\b", text, re.I)
        assert not re.search(r"(src|srcset)\s*=\s*[\"']?\s*(https?:)?//", text, re.I)
        assert "@import" not in text and "url(" not in text
        assert re.findall(r"https?://[^\"'\s<]+", text) == re.findall(r"href=\"(https?://[^\"]+)\"", text)
        assert "山东省产品碳足迹公开数据" in text
    release_page = (published / "index.html").read_text()
    assert "&lt;test&gt;" in release_page and "<test>" not in release_page
    assert "&#x27;=cmd" not in release_page  # the page shows data, not CSV-neutralised text
    assert "validation/index.html" in release_page
    assert "product_footprints.parquet" in release_page and "product_footprints.csv" in release_page
    package = json.loads((published / "datapackage.json").read_text())
    for res in package["resources"]:
        assert res["hash"].removeprefix("sha256:") in release_page
    assert release_page.count("<svg") == 2  # one chart per category
    assert "不含生物源碳足迹" in release_page and KG in release_page  # data dictionary
    assert "factor_update" in release_page and "因子更新" in release_page  # what changed
    portal = (root / "index.html").read_text()
    assert 'href="releases/2026-11-23/index.html"' in portal


def test_readme_is_bilingual_with_counts_and_verification(published: Path) -> None:
    readme = (published / "README.md").read_text()
    english, chinese = readme.split("\n---\n")
    assert "| `product_footprints` | Product carbon footprints | 4 |" in english
    assert "sha256sum -c SHA256SUMS" in english and "CC BY 4.0" in english
    assert "Submissions accepted: 3" in english
    assert "| `product_footprints` | 产品碳足迹 | 4 |" in chinese
    assert "报送已接收: 3" in chinese


def test_release_id_must_match_as_of(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="as-of"):
        write_release(tmp_path, release_info("2026-11-24"), [(CHANGES, changes_table())])


@pytest.mark.parametrize("sync", [True, False])
def test_replace_atomically_writes_whole_files_and_leaves_no_temporary(tmp_path, sync):
    from orchestration.publish.files import replace_atomically, temporary_sibling

    target = tmp_path / "report.json"
    stale = temporary_sibling(target)
    stale.write_bytes(b"left by a killed run, longer than what follows")
    replace_atomically(target, b"first", sync=sync)
    assert target.read_bytes() == b"first"
    replace_atomically(target, b"second", sync=sync)
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_archive_copy_replaces_a_read_only_temporary_left_by_a_killed_run(tmp_path):
    from orchestration.home import Home
    from orchestration.ingest.archive import archive, archive_path
    from orchestration.publish.files import temporary_sibling

    home = Home(tmp_path / "home")
    source = tmp_path / "in.csv"
    source.write_bytes(b"a,b\n1,2\n")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    target = home.root / archive_path(digest, ".csv")
    target.parent.mkdir(parents=True)
    stale = temporary_sibling(target)
    stale.write_bytes(b"half")
    stale.chmod(0o444)
    assert archive(home, source, digest) == archive_path(digest, ".csv")
    assert target.read_bytes() == b"a,b\n1,2\n"
    assert [p.name for p in target.parent.iterdir()] == [target.name]
