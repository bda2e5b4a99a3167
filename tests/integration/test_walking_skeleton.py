"""The tiny fixture through the real job: numbers checked against values worked out by hand.

Steel mill (Qingdao, 370211) makes 1000 t of hot-rolled coil, cradle to gate:
  iron ore      1600 t  × 20 kg/t                                     =    32 000 kgCO2e  (DQR 2.5)
  electricity 500000 kWh × 0.5 (Qingdao factor beats the CN one)      =   250 000         (DQR 1)
  natural gas  20000 GJ  × (56.1 + 0.001·29.8 + 0.0001·273) = 56.1571 = 1 123 142         (DQR 3)
  total 1 405 142 kg / 1000 t = 1405.142 kgCO2e/t

Appliance maker (Jinan, 370102: no Jinan or Shandong factor, so the CN grid factor applies) makes
10000 refrigerators, cradle to grave:
  steel (supplier link) 500000 kg × 0.8 allocation = 400 t × 1405.142 =   562 056.8  (primary)
  cardboard          20000 kg × 1.0; biogenic 20000 × -1.5            =    20 000, bio -30 000
  electricity         1000 MWh = 1 000 000 kWh × 0.6                  =   600 000    (primary)
  truck             300000 tkm × 0.1                                  =    30 000
  use-phase power  3 000 000 kWh × 0.6                                = 1 800 000
  landfill          100000 kg × 0.05 kg CH4 biogenic × 27.0           =   135 000
  total 3 147 056.8 / 10000 = 314.70568 kgCO2e/unit; incl. biogenic 311.70568
"""

from __future__ import annotations

import csv
import hashlib
import json

import pyarrow.parquet as pq
import pytest

STEEL_TOTAL = 32_000 + 250_000 + 20_000 * (56.1 + 0.001 * 29.8 + 0.0001 * 273)
STEEL_PER_T = STEEL_TOTAL / 1000
STEEL_DQR = (32_000 * 2.5 + 250_000 * 1 + 20_000 * (56.1 + 0.001 * 29.8 + 0.0001 * 273) * 3) / STEEL_TOTAL
LINK = 500_000 * 0.8 / 1000 * STEEL_PER_T
FRIDGE_ROWS = {  # stage: [(ghg, dqr, primary)]
    "raw_materials": [(LINK, STEEL_DQR, True), (20_000.0, 2, False)],
    "production": [(600_000.0, 2, True)],
    "distribution": [(30_000.0, 2, False)],
    "use": [(1_800_000.0, 2, False)],
    "end_of_life": [(100_000 * 0.05 * 27.0, 4, False)],
}
FRIDGE_TOTAL = sum(g for rows in FRIDGE_ROWS.values() for g, _, _ in rows)


def close(actual: float, expected: float) -> bool:
    return abs(actual - expected) <= 1e-9 * abs(expected)


@pytest.fixture(scope="module")
def published(tiny_release):
    home, outcome = tiny_release
    assert outcome.exit_code == 0, outcome.errors or outcome.failed_checks
    folder = home.publish / "releases" / outcome.release_id
    rows = {r["product_code"]: r for r in pq.read_table(folder / "product_footprints.parquet").to_pylist()}
    return home, folder, rows


def test_release_is_current_and_complete(published):
    home, folder, _ = published
    assert (home.publish / "LATEST").read_text().strip() == folder.name == "2026-01-15"
    for name in ("product_footprints.parquet", "product_footprints.csv", "datapackage.json", "SHA256SUMS", "index.html"):
        assert (folder / name).is_file(), name
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split("  ", 1)
        assert hashlib.sha256((folder / path).read_bytes()).hexdigest() == digest, path


def test_supplier_footprint_matches_hand_worked_value(published):
    _, _, rows = published
    steel = rows["STEEL-HR"]
    assert close(steel["pcf_excl_biogenic_kgco2e_per_unit"], STEEL_PER_T)
    assert close(steel["pcf_excl_biogenic_kgco2e_per_unit"], 1405.142)
    assert close(steel["dqr"], STEEL_DQR)
    assert steel["is_boundary_complete"] is True


def test_two_tier_footprint_matches_hand_worked_values(published):
    _, _, rows = published
    fridge = rows["FRIDGE-1"]
    assert close(fridge["pcf_excl_biogenic_kgco2e_per_unit"], FRIDGE_TOTAL / 10_000)
    assert close(fridge["pcf_excl_biogenic_kgco2e_per_unit"], 314.70568)
    assert close(fridge["pcf_incl_biogenic_kgco2e_per_unit"], 311.70568)
    for stage, contributions in FRIDGE_ROWS.items():
        assert close(fridge[f"{stage}_kgco2e_per_unit"], sum(g for g, _, _ in contributions) / 10_000), stage
    primary = sum(g for rows_ in FRIDGE_ROWS.values() for g, _, p in rows_ if p)
    assert close(fridge["primary_data_share_pct"], 100 * primary / FRIDGE_TOTAL)
    weighted = sum(g * d for rows_ in FRIDGE_ROWS.values() for g, d, _ in rows_)
    assert close(fridge["dqr"], weighted / FRIDGE_TOTAL)
    assert fridge["dqr_class"] == "good"
    assert fridge["is_verified"] is True
    assert fridge["grade"] is None  # two products cannot be graded: too few peers


def test_explain_lists_every_line_of_the_hand_worked_footprint(published):
    """`pcf explain` reads the lineage and the activity rows behind it: each line, its factor or supplier, the total."""
    from click.testing import CliRunner

    from orchestration.cli import main

    home, _, rows = published
    fridge = rows["FRIDGE-1"]
    result = CliRunner().invoke(main, ["explain", f"{fridge['company_uscc']}/FRIDGE-1", "--home", str(home.root)], terminal_width=200)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "│" in line]
    by_stage = {}
    for line in lines:
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if cells[0] in FRIDGE_ROWS:
            by_stage.setdefault(cells[0], []).append(float(cells[6].replace(",", "")))
    assert {stage: sorted(values) for stage, values in by_stage.items()} == {
        stage: sorted(round(ghg, 3) for ghg, _, _ in rows) for stage, rows in FRIDGE_ROWS.items()
    }
    assert "supplier " in result.output and "500000" in result.output  # the steel line, its amount from the activity row
    total = next(line for line in lines if line.strip("│ ").startswith("total"))
    assert f"{FRIDGE_TOTAL:,.3f}" in total


def test_csv_matches_parquet_and_opens_in_excel(published):
    _, folder, rows = published
    raw = (folder / "product_footprints.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert {r["product_code"] for r in records} == set(rows)
    by_code = {r["product_code"]: r for r in records}
    assert close(float(by_code["FRIDGE-1"]["pcf_excl_biogenic_kgco2e_per_unit"]), 314.70568)


def test_datapackage_describes_every_file(published):
    _, folder, _ = published
    package = json.loads((folder / "datapackage.json").read_text())
    paths = {resource["path"] for resource in package["resources"]}
    assert {"product_footprints.parquet", "product_footprints.csv"} <= paths


def test_feedback_accounts_for_every_row(published):
    home, _, _ = published
    reports = [json.loads(p.read_text()) for p in home.feedback.glob("*.json") if not p.name.startswith("factor-release")]
    assert len(reports) == 2
    for report in reports:
        assert report["rows_received"] == report["rows_accepted"] + report["rows_quarantined"]
        assert report["rows_quarantined"] == 0


def test_unchanged_reports_keep_their_markdown_without_rendering_it(published, tmp_path, monkeypatch):
    """A night whose report JSON is unchanged leaves its Markdown as it is, neither rendered nor read,
    while the folder's renderer digest matches; a changed JSON, or another renderer, renders again."""
    import shutil

    import duckdb

    from orchestration import feedback
    from orchestration.home import Home

    home, _, _ = published
    copy = Home(tmp_path / "home")
    shutil.copytree(home.feedback, copy.feedback)
    before = {p.name: p.read_bytes() for p in copy.feedback.iterdir()}
    assert feedback.MARKDOWN_RENDERER in before
    submissions = sorted(p.stem for p in copy.feedback.glob("*.json") if not p.name.startswith("factor-release"))
    assert len(submissions) == 2
    render = feedback.render_markdown
    rendered: list[str] = []

    def counting(report):
        rendered.append(report["submission_id"])
        return render(report)

    monkeypatch.setattr(feedback, "render_markdown", counting)
    with duckdb.connect(str(home.duckdb), read_only=True) as connection:
        feedback.write_submission_feedback(copy, connection, "2026-01-15")
        assert rendered == []  # every JSON unchanged: no Markdown rendered
        assert {p.name: p.read_bytes() for p in copy.feedback.iterdir()} == before

        (copy.feedback / f"{submissions[0]}.json").write_bytes(b"{}")  # this report's JSON changed
        (copy.feedback / f"{submissions[0]}.md").write_bytes(b"")
        feedback.write_submission_feedback(copy, connection, "2026-01-15")
        assert rendered == [submissions[0]]

        (copy.feedback / feedback.MARKDOWN_RENDERER).write_text("other code", encoding="utf-8")
        rendered.clear()
        feedback.write_submission_feedback(copy, connection, "2026-01-15")
        assert sorted(rendered) == submissions  # another renderer: every report rendered
    assert {p.name: p.read_bytes() for p in copy.feedback.iterdir()} == before


def test_the_release_keeps_its_pact_footprints_for_the_next_one(published, monkeypatch):
    """What the release built for each footprint is kept beside the warehouse, under the code's digest, and
    taking every footprint from there gives the release's own PACT files."""
    from orchestration import pact
    from orchestration.publish.pact_exports import earlier_footprints
    from orchestration.warehouse import connect

    home, folder, rows = published
    with connect(home.root, read_only=True) as connection:
        table = connection.sql("select * from main.product_footprints").to_arrow_table()
    kept = earlier_footprints(home.pact_footprints, pact.exporter_digest(table.schema))
    assert earlier_footprints(home.pact_footprints, "another code") == {}
    assert earlier_footprints(home.root / "missing.parquet", pact.exporter_digest(table.schema)) == {}
    (home.root / "torn.parquet").write_bytes(home.pact_footprints.read_bytes()[:1000])  # a torn copy: built again
    assert earlier_footprints(home.root / "torn.parquet", pact.exporter_digest(table.schema)) == {}
    assert {version: len(entries) for version, entries in kept.items()} == {"v2": len(rows), "v3": len(rows)}

    def refuse(row, footprint_id, created):
        raise AssertionError(f"footprint {footprint_id} was built again")

    monkeypatch.setattr(pact, "_BUILDERS", {"v2": refuse, "v3": refuse})
    files, _ = pact.export_files_reusing(table, f"{folder.name[:10]}T00:00:00Z", kept)
    for version, (data, _) in files.items():
        assert data == (folder / "pact" / f"product_footprints.{version}.json").read_bytes()


def test_rerun_with_same_inputs_publishes_nothing_new(published):
    from datetime import date

    from orchestration.runner import run_nightly

    home, folder, _ = published
    outcome = run_nightly(home, as_of=date(2026, 1, 15))
    assert outcome.exit_code == 0
    assert outcome.published is False
    assert sorted(p.name for p in (home.publish / "releases").iterdir()) == [folder.name]


def test_first_build_in_a_new_home_uses_the_saved_parse(published):
    """The home's first dbt build starts from the project's saved parse instead of parsing it all."""
    import msgpack

    from orchestration.transform.project import SAVED_PARSE, dbt_env, profile_hash
    from orchestration.warehouse import connect, stored_activity_rows

    home, _, _ = published
    log = (home.dbt_target / "dbt.log").read_text(encoding="utf-8")
    first = log.split("Running with dbt=")[1]
    assert "Partial parsing enabled" in first and "Unable to do partial parsing" not in first
    # nothing parsed reads the night's as-of date or GWP set (they are data): no file is parsed again
    assert "Partial parsing enabled: 0 files deleted, 0 files added, 0 files changed" in first
    # the hash carried into the home is the one dbt computes for it, and dbt keeps it
    saved = msgpack.unpackb((home.dbt_target / SAVED_PARSE).read_bytes(), raw=False, strict_map_key=False)
    with connect(home.root, read_only=True) as connection:
        environment = dbt_env(home, stored_activity_rows(connection))  # as the dbt step computes it
    assert saved["state_check"]["profile_hash"]["checksum"] == profile_hash(environment)


def test_a_build_keeps_its_compiled_templates_for_the_next_process(published):
    """The night's dbt build leaves the Jinja code it compiled in the home, for the next night's
    process to take instead of compiling it again (`orchestration/transform/templates.py`)."""
    from orchestration.transform.templates import FILE_NAME, CompiledTemplates

    home, _, _ = published
    kept = CompiledTemplates(home.dbt_target / FILE_NAME)
    assert len(kept.kept) > 100  # every macro and node the build rendered
