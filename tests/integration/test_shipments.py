"""Container shipments through the real nightly job, checked against a chain worked out by hand.

Fixture tests/fixtures/shipments: factor release GLEC-2025.1 (GLEC-style well-to-wheel and
tank-to-wheel defaults; CN factors beat GLO ones for an origin in China, a 2027 factor loses to the
2023 one for a 2025 departure, a cradle_to_gate truck factor is not a chain scope), one steel
product (so the public release has a product) and march_chains.csv.

SHIP-A, container CSQU3054383, 2 TEU, 18 t of cargo, Jinan → Qingdao → Rotterdam:

  element              activity                          WTW                       TTW
  1 truck CNJNA→CNTAO  18 t × 360 km    =  6 480 t-km    × 0.105  =   680.4        × 0.0857 =   555.336
  2 terminal CNTAO     2 TEU                             × 16.4   =    32.8        × 9.8    =    19.6
  3 ship CNTAO→NLRTM   2 TEU × 19 500 km = 39 000 TEU-km × 0.0611 = 2 382.9        × 0.0524 = 2 043.6
  shipment                                                          3 096.1 kgCO2e            2 618.536 kgCO2e
  per TEU (÷ 2)                                                     1 548.05                  1 309.268
  per TEU-km (÷ 2 TEU × (360 + 19 500) km = 39 720 TEU-km)         0.077948...               0.065925...
  well-to-tank = 3 096.1 − 2 618.536 = 477.564

SHIP-B (1 TEU, 10 t) measures 40 L of diesel on its truck leg: WTW 40 × 3.24 = 129.6, TTW 40 × 2.67
= 106.8. SHIP-C (2 TEU, 20 t) trucks 20 × 360 = 7 200 t-km: WTW 756, TTW 617.04. The road cell
CNJNA → CNTAO of March 2025 has three shippers and is published: WTW 680.4 + 129.6 + 756 = 1 566,
TTW 555.336 + 106.8 + 617.04 = 1 279.176, 5 TEU, 1 800 TEU-km. The terminal cell CNTAO (3 shippers)
is published: WTW 32.8 + 16.4 + 32.8 = 82. The sea cells (2 shippers to Rotterdam, 1 to Los
Angeles) are suppressed. SHIP-BAD's container CMAU1357913 fails the ISO 6346 check (digit should
be 2): both its rows are quarantined. SHIP-D names an unknown activity code: that row is quarantined
and blocks its hub row. notes.txt is not a CSV and is quarantined whole.
"""

from __future__ import annotations

import json
from datetime import date

import pyarrow.parquet as pq
import pytest
from rich.console import Console

from tests.conftest import make_home

TRUCK_WTW, TRUCK_TTW = 18 * 360 * 0.105, 18 * 360 * 0.0857
HUB_WTW, HUB_TTW = 2 * 16.4, 2 * 9.8
SHIP_WTW, SHIP_TTW = 2 * 19_500 * 0.0611, 2 * 19_500 * 0.0524
WTW, TTW = TRUCK_WTW + HUB_WTW + SHIP_WTW, TRUCK_TTW + HUB_TTW + SHIP_TTW
TEUKM = 2 * (360 + 19_500)


def close(actual: float, expected: float) -> bool:
    return abs(actual - expected) <= 1e-9 * abs(expected)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    from orchestration.home import Home
    from orchestration.runner import FAST_JOB, run_nightly

    root = make_home(tmp_path_factory.mktemp("shipments"), "shipments")
    home = Home(root).ensure()
    outcome = run_nightly(home, as_of=date(2026, 1, 15), job_name=FAST_JOB)
    return home, outcome


def query(home, sql: str, params: list | None = None) -> list[dict]:
    from orchestration.warehouse import connect

    with connect(home.root, read_only=True) as connection:
        result = connection.execute(sql, params or [])
        names = [d[0] for d in result.description]
        return [dict(zip(names, row)) for row in result.fetchall()]


def test_hand_worked_numbers_are_what_the_docstring_says():
    assert close(WTW, 3096.1) and close(TTW, 2618.536)
    assert close(WTW / 2, 1548.05) and close(TTW / 2, 1309.268)
    assert TEUKM == 39_720


def test_three_element_chain_matches_the_hand_worked_values(shipped):
    home, _ = shipped
    elements = query(
        home,
        """select element_seq, activity_amount, activity_unit, wtw_factor_id, ttw_factor_id, wtw_kgco2e, ttw_kgco2e
           from intermediate.int_shipment_elements where shipment_id = 'SHIP-A' order by element_seq""",
    )
    expected = [
        (1, 6480, "tkm", "G.ROAD.WTW.CN", "G.ROAD.TTW.CN", TRUCK_WTW, TRUCK_TTW),
        (2, 2, "TEU", "G.HUB.WTW", "G.HUB.TTW", HUB_WTW, HUB_TTW),
        (3, 39_000, "TEUkm", "G.SEA.WTW.CN", "G.SEA.TTW.CN", SHIP_WTW, SHIP_TTW),
    ]
    assert len(elements) == 3
    for row, (seq, amount, unit, wtw_id, ttw_id, wtw, ttw) in zip(elements, expected, strict=True):
        assert (row["element_seq"], row["activity_unit"], row["wtw_factor_id"], row["ttw_factor_id"]) == (seq, unit, wtw_id, ttw_id)
        assert close(row["activity_amount"], amount)
        assert close(row["wtw_kgco2e"], wtw) and close(row["ttw_kgco2e"], ttw)

    [shipment] = query(home, "select * from main.shipment_footprints where shipment_id = 'SHIP-A'")
    assert close(shipment["wtw_kgco2e"], WTW) and close(shipment["wtw_kgco2e"], 3096.1)
    assert close(shipment["ttw_kgco2e"], TTW) and close(shipment["ttw_kgco2e"], 2618.536)
    assert close(shipment["wtt_kgco2e"], WTW - TTW)
    assert close(shipment["wtw_kgco2e_per_teu"], 1548.05) and close(shipment["ttw_kgco2e_per_teu"], 1309.268)
    assert close(shipment["transport_work_teukm"], TEUKM)
    assert close(shipment["wtw_kgco2e_per_teukm"], WTW / TEUKM) and close(shipment["ttw_kgco2e_per_teukm"], TTW / TEUKM)
    assert shipment["transport_chain"] == "road > maritime_container_terminal > sea"
    assert (shipment["origin_locode"], shipment["destination_locode"], shipment["teu"]) == ("CNJNA", "NLRTM", 2)
    assert shipment["primary_data_share_pct"] == 0


def test_measured_energy_uses_the_carrier_factors(shipped):
    home, _ = shipped
    [truck] = query(
        home,
        "select calculation_method, wtw_kgco2e, ttw_kgco2e from intermediate.int_shipment_elements "
        "where shipment_id = 'SHIP-B' and element_seq = 1",
    )
    assert truck["calculation_method"] == "measured_energy"
    assert close(truck["wtw_kgco2e"], 40 * 3.24) and close(truck["ttw_kgco2e"], 40 * 2.67)


def test_a_bad_check_digit_is_quarantined_with_its_reason(shipped):
    home, _ = shipped
    rows = query(
        home,
        "select source_row, row_status, error_codes from intermediate.int_shipment_elements "
        "where shipment_id = 'SHIP-BAD' order by source_row",
    )
    assert [(r["row_status"], r["error_codes"]) for r in rows] == [("quarantined", ["CONTAINER_CHECK_DIGIT"])] * 2
    problems = query(home, "select message_en, message_zh from raw.shipment_problems where code = 'CONTAINER_CHECK_DIGIT'")
    assert len(problems) == 2
    assert "CMAU1357913" in problems[0]["message_en"] and "should be 2" in problems[0]["message_en"]
    assert "校验码应为 2" in problems[0]["message_zh"]
    assert not query(home, "select * from main.shipment_footprints where shipment_id in ('SHIP-BAD', 'SHIP-D')")


def test_feedback_counts_every_row(shipped):
    home, outcome = shipped
    assert outcome.exit_code == 0, outcome.errors or outcome.failed_checks
    files = {r["file_name"]: r["submission_id"] for r in query(home, "select file_name, submission_id from raw.files where kind = 'shipment'")}
    report = json.loads((home.feedback / f"{files['march_chains.csv']}.json").read_text(encoding="utf-8"))
    assert (report["rows_received"], report["rows_accepted"], report["rows_quarantined"]) == (13, 9, 4)
    assert report["status"] == "partially accepted"
    assert {s["shipment_id"]: s["status"] for s in report["shipments"]} == {
        "SHIP-A": "accepted", "SHIP-B": "accepted", "SHIP-C": "accepted", "SHIP-BAD": "quarantined", "SHIP-D": "quarantined",
    }
    codes = [(p["row"], p["code"]) for p in report["problems"]]
    assert codes == [(11, "CONTAINER_CHECK_DIGIT"), (12, "CONTAINER_CHECK_DIGIT"), (13, "UNKNOWN_ACTIVITY_CODE"), (14, "SHIPMENT_HAS_REJECTED_ROWS")]
    assert all(p["message_en"] and p["message_zh"] for p in report["problems"])
    markdown = (home.feedback / f"{files['march_chains.csv']}.md").read_text(encoding="utf-8")
    assert "CONTAINER_CHECK_DIGIT" in markdown and "SHIP-BAD" in markdown and "校验" in markdown

    notes = json.loads((home.feedback / f"{files['notes.txt']}.json").read_text(encoding="utf-8"))
    assert notes["status"] == "quarantined" and [p["code"] for p in notes["problems"]] == ["SHIPMENT_FILE_TYPE"]


def test_statistics_are_in_the_public_release_and_suppressed_below_three_shippers(shipped):
    home, outcome = shipped
    assert outcome.exit_code == 0, outcome.errors or outcome.failed_checks
    folder = home.publish / "releases" / outcome.release_id
    assert (folder / "container_transport_statistics.csv").is_file()
    assert not (folder / "shipment_footprints.parquet").exists(), "shipment footprints are restricted"
    cells = {
        (r["mode"], r["origin_locode"], r["destination_locode"]): r
        for r in pq.read_table(folder / "container_transport_statistics.parquet").to_pylist()
    }
    assert set(cells) == {
        ("road", "CNJNA", "CNTAO"), ("maritime_container_terminal", "CNTAO", "CNTAO"),
        ("sea", "CNTAO", "NLRTM"), ("sea", "CNTAO", "USLAX"),
    }
    road = cells[("road", "CNJNA", "CNTAO")]
    assert (road["departure_month"], road["shipper_count"], road["shipment_count"], road["is_suppressed"]) == ("2025-03", 3, 3, False)
    assert road["teu"] == 5 and close(road["transport_work_teukm"], 1800)
    assert close(road["wtw_kgco2e"], 1566) and close(road["ttw_kgco2e"], 1279.176)
    assert close(road["wtw_kgco2e_per_teu"], 1566 / 5) and close(road["wtw_kgco2e_per_teukm"], 1566 / 1800)
    assert close(cells[("maritime_container_terminal", "CNTAO", "CNTAO")]["wtw_kgco2e"], 82)
    for route in (("sea", "CNTAO", "NLRTM"), ("sea", "CNTAO", "USLAX")):
        cell = cells[route]
        assert cell["is_suppressed"] is True
        assert cell["wtw_kgco2e"] is None and cell["ttw_kgco2e"] is None and cell["teu"] is None
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    paths = {r["path"] for r in package["resources"]}
    assert {"container_transport_statistics.parquet", "container_transport_statistics.csv"} <= paths
    assert not any(path.startswith("shipment_footprints") for path in paths)


def test_shipment_footprints_are_published_restricted_only(shipped):
    home, outcome = shipped
    assert outcome.exit_code == 0, outcome.errors or outcome.failed_checks
    folder = home.restricted / "releases" / outcome.release_id
    rows = {r["shipment_id"]: r for r in pq.read_table(folder / "shipment_footprints.parquet").to_pylist()}
    assert sorted(rows) == ["SHIP-A", "SHIP-B", "SHIP-C"]
    assert close(rows["SHIP-A"]["wtw_kgco2e"], WTW) and close(rows["SHIP-A"]["ttw_kgco2e"], TTW)
    assert not list(home.publish.rglob("shipment_footprints*"))


def test_explain_shipment_prints_its_elements(shipped):
    from orchestration.shipments_explain import print_shipment

    home, _ = shipped
    console = Console(record=True, width=250)
    assert print_shipment(home, "SHIP-A", console)
    text = console.export_text()
    for piece in ("CSQU3054383", "G.ROAD.WTW.CN", "G.SEA.TTW.CN", "680.400", "2,382.900", "3,096.100", "2,618.536", "1,548.05"):
        assert piece in text, piece
    assert not print_shipment(home, "NO-SUCH-SHIPMENT", Console(record=True))
