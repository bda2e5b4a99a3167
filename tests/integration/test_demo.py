"""The bundled demo stays honest: what `make run` publishes from demo/landing, checked file by file.

A file named `bad__<REASON>__…` must be quarantined for that reason code and no other file may lose a
row; the release must hold at least 100 public products in at least 8 categories, with grades and
restatements, and the headline footprints must stay in the ranges demo/make_demo.py targets.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date

import pyarrow.parquet as pq
import pytest

from orchestration.cli import DEMO_FIRST_NIGHT, copy_demo
from orchestration.home import DEMO_LANDING, Home
from orchestration.runner import EXIT_OK, run_nightly

pytestmark = pytest.mark.slow  # two nights on the whole demo: minutes, not seconds
DEMO_NIGHT = date(2026, 11, 23)
BAD_NAME = re.compile(r"^bad__([A-Z0-9_]+?)__")
# the ranges demo/make_demo.py asserts for every product it writes, in kgCO2e per declared unit
HEADLINE = {
    "appliance.refrigerator": (300, 3000),
    "appliance.air_conditioner": (500, 5000),
    "tyre.passenger": (25, 60),
    "beer.bottled": (0.4, 1.6),
    "steel.hot_rolled": (1500, 2700),
    "livestock.pig": (2.5, 6),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = Home(tmp_path_factory.mktemp("demo")).ensure()
    copy_demo(home)
    first = run_nightly(home, as_of=DEMO_FIRST_NIGHT)
    second = run_nightly(home, as_of=DEMO_NIGHT)
    return home, first, second


def reports_by_file_name(home: Home) -> dict[str, dict]:
    reports = {}
    for path in sorted(home.feedback.rglob("*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        if "file_name" in report:
            reports[report["file_name"]] = report
    return reports


def reason_codes(report: dict) -> set[str]:
    text = json.dumps(report, ensure_ascii=False)
    return set(re.findall(r'"(?:code|reason_code)": "([A-Z0-9_]+)"', text))


def release_rows(home: Home, release_id: str, dataset: str) -> list[dict]:
    return pq.read_table(home.publish / "releases" / release_id / f"{dataset}.parquet").to_pylist()


def test_both_demo_nights_publish(demo):
    _, first, second = demo
    assert first.exit_code == EXIT_OK and first.published
    assert second.exit_code == EXIT_OK and second.published and second.release_id == DEMO_NIGHT.isoformat()


@pytest.mark.parametrize("folder", ["submissions", "shipments"])
def test_every_demo_file_is_accepted_or_quarantined_for_the_reason_in_its_name(demo, folder):
    home, _, _ = demo
    reports = reports_by_file_name(home)
    files = sorted(p for p in (DEMO_LANDING / folder).glob("*") if p.is_file()) if (DEMO_LANDING / folder).is_dir() else []
    if folder == "shipments" and not files:
        pytest.skip("the demo has no shipments")
    assert files
    wrong = []
    for path in files:
        report = reports.get(path.name)
        if report is None:
            wrong.append(f"{path.name}: no feedback report")
            continue
        expected = BAD_NAME.match(path.name)
        if expected:
            if expected.group(1) not in reason_codes(report) or report["status"] == "accepted":
                wrong.append(f"{path.name}: {report['status']} with {sorted(reason_codes(report))}")
        elif report["status"] != "accepted" or report.get("rows_quarantined", 0):
            wrong.append(f"{path.name}: {report['status']} with {sorted(reason_codes(report))}")
    assert wrong == []


def test_the_bad_factor_release_is_rejected_and_the_others_taken(demo):
    home, _, _ = demo
    for folder in sorted((DEMO_LANDING / "factors").iterdir()):
        report = json.loads((home.feedback / f"factor-release-{folder.name}.json").read_text(encoding="utf-8"))
        assert report["status"] == ("rejected" if folder.name.endswith("-bad") else "accepted"), folder.name


def test_validation_report_shows_the_factor_releases_in_use_not_the_rejected_one(demo):
    """The boundary suite is kept per factor release: the report of a product release shows the
    releases it is built from, each named, and a rejected release's failures are not counted."""
    home, _, second = demo
    validation = json.loads((home.publish / "releases" / second.release_id / "validation" / "results.json").read_text())
    boundary = {suite["batch"]: suite for suite in validation["suites"] if suite["suite_name"] == "factor_release_rows"}
    in_use = sorted(folder.name for folder in (DEMO_LANDING / "factors").iterdir() if not folder.name.endswith("-bad"))
    assert sorted(boundary) == in_use
    assert all(suite["success"] for suite in boundary.values())
    assert validation["summary"]["expectations_failed_blocking"] == 0
    page = (home.publish / "releases" / second.release_id / "validation" / "index.html").read_text()
    assert all(f"<code>{release_id}</code>" in page for release_id in in_use)
    assert "SD-PCF-2026.3-bad" not in page
    assert (home.root / "validation" / "factor_release_rows" / "SD-PCF-2026.3-bad.json").is_file()  # kept for the operator


def test_release_has_the_pilot_in_miniature(demo):
    home, _, second = demo
    public = release_rows(home, second.release_id, "product_footprints")  # the public release holds public products only
    assert len(public) >= 100
    assert len({p["product_category"] for p in public}) >= 8
    assert sum(1 for p in public if p["grade"] is not None) >= 50
    changes = release_rows(home, second.release_id, "changes")
    assert any(c["change_type"] == "restated" for c in changes)
    statistics = release_rows(home, second.release_id, "container_transport_statistics")
    open_cells = [c for c in statistics if not c["is_suppressed"]]
    assert len(open_cells) >= 50 and {c["mode"] for c in open_cells} >= {"road", "rail", "sea", "maritime_container_terminal"}
    assert any(c["is_suppressed"] for c in statistics)


def test_headline_footprints_are_plausible(demo):
    home, _, second = demo
    by_category = defaultdict(list)
    for product in release_rows(home, second.release_id, "product_footprints"):
        by_category[product["product_category"]].append(product["pcf_excl_biogenic_kgco2e_per_unit"])
    for category, (low, high) in HEADLINE.items():
        values = by_category[category]
        assert len(values) >= 3, category
        assert all(low <= value <= high for value in values), (category, sorted(values))
