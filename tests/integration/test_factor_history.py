"""A full factor release, then a delta, then a bad delta: the factor database over three nights.

Hand-worked figures for the tiny fixture's hot-rolled coil (per tonne, AR6, 1,000 t produced):
  first night  (TINY-2025.1, full):  ore 1600 t × 20 + grid 500000 kWh × 0.5 (Qingdao)
                                      + gas 20000 GJ × (56.1 + 0.001 × 29.8 + 0.0001 × 273)
                                      = 32000 + 250000 + 1123142 = 1405142 kg → 1405.142 kg/t
  second night (TINY-2026.2, delta): ore revised to 25 kg/t, the Qingdao grid factor withdrawn, so the
                                      national one (0.6) applies: 40000 + 300000 + 1123142 → 1463.142 kg/t
  TINY-2026.3 (delta, published after TINY-2026.2) is bad and is rejected whole: its revision of the
  gas factor never takes effect.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from orchestration.home import Home
from orchestration.runner import EXIT_OK, FAST_JOB, run_nightly
from orchestration.warehouse import connect
from tests.conftest import make_home

HEADER = (
    "factor_id,activity_code,name_en,name_zh,geography,reference_year,activity_unit,co2_fossil_kg,"
    "ch4_fossil_kg,ch4_biogenic_kg,n2o_kg,other_ghg_kgco2e,co2_biogenic_kg,co2e_kg,gwp_basis,lca_scope,"
    "dq_technological,dq_geographical,dq_temporal,dq_precision,uncertainty_gsd,source,source_url,status"
)


def land_release(home: Home, release_id: str, published: str, rows: list[str]) -> None:
    folder = home.landing / "factors" / release_id
    folder.mkdir(parents=True)
    (folder / "release.json").write_text(
        json.dumps({"release_id": release_id, "publisher": "Test fixture publisher", "published_date": published,
                    "license": "CC-BY-4.0", "release_type": "delta", "description": f"{release_id} for the history test"}),
        encoding="utf-8",
    )
    (folder / "factors.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")


def published_rows(home: Home, release_id: str, dataset: str) -> list[dict]:
    return pq.read_table(home.publish / "releases" / release_id / f"{dataset}.parquet").to_pylist()


def steel(rows: list[dict]) -> dict:
    (row,) = [r for r in rows if r["product_code"] == "STEEL-HR"]
    return row


@pytest.fixture(scope="module")
def three_nights(tmp_path_factory):
    home = Home(make_home(tmp_path_factory.mktemp("factor-history"))).ensure()
    first = run_nightly(home, as_of=date(2026, 1, 15), job_name=FAST_JOB)
    land_release(home, "TINY-2026.2", "2026-02-01", [
        "T.ORE,iron_ore,Iron ore,铁矿石,GLO,2024,t,25,,,,,,,,cradle_to_gate,3,2,2,2,,test,,active",
        "T.ELEC.QD,electricity.grid,Grid electricity Qingdao,青岛电网电力,CN-SD-370200,2023,kWh,,,,,,,0.5,AR6,cradle_to_gate,1,1,1,1,,test,,withdrawn",
    ])
    land_release(home, "TINY-2026.3", "2026-02-03", [
        "T.NG,natural_gas.combustion,Natural gas combustion,天然气燃烧,GLO,2024,GJ,70,,,,,,,,combustion,3,3,7,3,,test,,active",
        "T.NOPE,iron_ore,Nothing,无,GLO,2024,t,1,,,,,,,,cradle_to_gate,3,3,3,3,,test,,withdrawn",
    ])
    second = run_nightly(home, as_of=date(2026, 2, 15), job_name=FAST_JOB)
    return home, first, second


def test_both_nights_publish(three_nights):
    _, first, second = three_nights
    assert first.exit_code == EXIT_OK and first.release_id == "2026-01-15"
    assert second.exit_code == EXIT_OK and second.release_id == "2026-02-15" and second.published


def test_withdrawn_factor_is_gone_and_the_revision_is_in_effect(three_nights):
    home, _, _ = three_nights
    factors = {row["factor_id"]: row for row in published_rows(home, "2026-02-15", "emission_factors")}
    assert "T.ELEC.QD" not in factors
    assert factors["T.ORE"]["ghg_kgco2e_per_activity_unit"] == 25.0
    assert factors["T.ORE"]["release_id"] == "TINY-2026.2" and factors["T.ORE"]["version_number"] == 2
    assert factors["T.ORE"]["first_release_id"] == "TINY-2025.1"
    assert factors["T.ELEC.CN"]["release_id"] == "TINY-2025.1"
    assert math.isclose(steel(published_rows(home, "2026-02-15", "product_footprints"))["pcf_excl_biogenic_kgco2e_per_unit"],
                        1463.142, rel_tol=1e-9)


def test_history_is_kept(three_nights):
    home, _, _ = three_nights
    with connect(home.root, read_only=True) as connection:
        versions = connection.sql(
            "select factor_id, version_number, release_id, valid_from_date::varchar, valid_to_date::varchar, "
            "ended_by_release_id, is_in_effect from intermediate.int_factor_versions "
            "where factor_id in ('T.ORE', 'T.ELEC.QD') order by factor_id, version_number"
        ).fetchall()
    assert versions == [
        ("T.ELEC.QD", 1, "TINY-2025.1", "2025-12-01", "2026-02-01", "TINY-2026.2", False),
        ("T.ORE", 1, "TINY-2025.1", "2025-12-01", "2026-02-01", "TINY-2026.2", False),
        ("T.ORE", 2, "TINY-2026.2", "2026-02-01", None, None, True),
    ]
    # the earlier release is untouched, and the restatement names both factor releases
    assert math.isclose(steel(published_rows(home, "2026-01-15", "product_footprints"))["pcf_excl_biogenic_kgco2e_per_unit"],
                        1405.142, rel_tol=1e-9)
    change = steel(published_rows(home, "2026-02-15", "changes"))
    assert change["change_type"] == "restated"
    assert (change["old_factor_release_id"], change["new_factor_release_id"]) == ("TINY-2025.1", "TINY-2026.2")


def test_bad_release_is_rejected_whole_with_a_report(three_nights):
    home, _, _ = three_nights
    report = json.loads((home.feedback / "factor-release-TINY-2026.3.json").read_text(encoding="utf-8"))
    assert report["status"] == "rejected"
    messages = " ".join(json.dumps(problem, ensure_ascii=False) for problem in report["problems"])
    assert "dq_temporal" in messages and "T.NOPE" in messages
    factors = {row["factor_id"]: row for row in published_rows(home, "2026-02-15", "emission_factors")}
    assert factors["T.NG"]["co2_fossil_kg"] == 56.1 and factors["T.NG"]["release_id"] == "TINY-2025.1"
    with connect(home.root, read_only=True) as connection:
        kept = connection.sql("select count(*) from raw.factor_rows where release_id = 'TINY-2026.3'").fetchall()[0][0]
    assert kept == 0
    assert (Path(home.feedback) / "factor-release-TINY-2026.3.md").read_text(encoding="utf-8").strip()
