"""Unit tests of the static pages: the portal home, release links, and the hand-written SVG charts."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
from tests.unit.test_publish import CHANGES, FOOTPRINTS, changes_table, footprints_table, release_info

from orchestration.publish import Chart, footprint_charts, write_portal, write_release
from orchestration.publish.charts import quantile


def test_portal_without_releases_says_so(tmp_path: Path) -> None:
    write_portal(tmp_path)
    text = (tmp_path / "index.html").read_text()
    assert "No release has been published yet." in text and "尚未发布任何版本" in text


def test_portal_lists_every_release_newest_first_and_marks_the_current_one(tmp_path: Path) -> None:
    write_release(tmp_path, release_info(), [(FOOTPRINTS, footprints_table())])
    second = write_release(
        tmp_path,
        release_info("2026-11-23.2", previous="2026-11-23"),
        [(CHANGES, changes_table())],
        extra_files={"pact/product_footprints.v3.json": b"{}\n"},
    )
    portal = (tmp_path / "index.html").read_text()
    links = re.findall(r'<td><a href="releases/([^/]+)/index.html">', portal)
    assert links == ["2026-11-23.2", "2026-11-23"]
    assert re.search(r"2026-11-23\.2</a> <span class=\"pill\">current", portal)
    assert 'href="releases/2026-11-23.2/pact/product_footprints.v3.json"' in portal
    assert 'href="releases/2026-11-23.2/changes.csv" download' in portal
    page = (second / "index.html").read_text()
    assert 'href="../2026-11-23/index.html"' in page and 'href="../../index.html"' in page


def test_charts_per_category_are_deterministic_log_scaled_and_escaped() -> None:
    table = pa.table(
        {
            "product_category": ["a<&>", "a<&>", "a<&>", "b", "b", None],
            "pcf_excl_biogenic_kgco2e_per_unit": [0.5, 50.0, 5000.0, 2.0, None, 1.0],
            "declared_unit": ["t", "t", "t", "piece", "piece", "piece"],
        }
    )
    charts = footprint_charts(table, {"b": ("Beer", "啤酒")})
    assert [c.key for c in charts] == ["a<&>", "b"]
    assert charts == footprint_charts(table, {"b": ("Beer", "啤酒")})
    wide, single = charts
    assert "&lt;&amp;&gt;" in wide.svg and "<&>" not in wide.svg
    assert "log scale" in wide.caption_en and ">0.1<" in wide.svg and ">10,000<" in wide.svg
    assert "min 0.5" in wide.svg and "max 5,000" in wide.svg and "中位数 50" in wide.svg
    assert single.title_en == "Beer (b)" and single.title_zh == "啤酒" and "n = 1" in single.svg
    assert "log scale" not in single.caption_en
    assert footprint_charts(table.drop_columns(["declared_unit"])) == []


def test_quantile_interpolates_linearly() -> None:
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.25) == 1.75
    assert quantile([7.0], 0.75) == 7.0


def test_charts_can_be_chosen_by_the_caller(tmp_path: Path) -> None:
    none = write_release(tmp_path / "a", release_info(), [(FOOTPRINTS, footprints_table())], charts=[])
    assert "<svg" not in (none / "index.html").read_text()
    mine = Chart("custom", "My chart", "我的图", '<svg viewBox="0 0 10 10"><title>mine</title></svg>')
    custom = write_release(tmp_path / "b", release_info(), [(FOOTPRINTS, footprints_table())], charts=[mine])
    page = (custom / "index.html").read_text()
    assert page.count("<svg") == 1 and "我的图" in page
