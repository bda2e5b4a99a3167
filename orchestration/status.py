"""What an operator or auditor asks of a home: `pcf status` and `pcf explain`."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from orchestration.home import Home
from orchestration.warehouse import connect, table_exists

RUNS_LOG = "runs.jsonl"


def record_run(home: Home, entry: dict) -> None:
    """Append one line per run to logs/runs.jsonl (the last run is what `pcf status` shows)."""
    home.logs.mkdir(parents=True, exist_ok=True)
    with (home.logs / RUNS_LOG).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str) + "\n")


def last_run(home: Home) -> dict | None:
    path = home.logs / RUNS_LOG
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    return json.loads(lines[-1]) if lines else None


def print_status(home: Home, console: Console) -> None:
    releases_dir = home.publish / "releases"
    releases = sorted(p.name for p in releases_dir.iterdir() if p.is_dir() and not p.name.startswith(".")) if releases_dir.exists() else []
    latest = (home.publish / "LATEST").read_text().strip() if (home.publish / "LATEST").exists() else None
    console.print(f"home: {home.root}")
    console.print(f"releases: {', '.join(releases) or 'none'}; current: {latest or 'none'}")
    run = last_run(home)
    if run:
        console.print(f"last run: as of {run['as_of']}, finished {run['finished_at']}, outcome {run['outcome']} (exit {run['exit_code']})")
    else:
        console.print("last run: none")
    if not home.duckdb.exists():
        return
    with connect(home.root, read_only=True) as connection:
        table = Table(title="inputs received")
        for column in ("kind", "files", "quarantined whole", "rows received", "rows accepted", "rows quarantined"):
            table.add_column(column)
        files = connection.execute(
            "select kind, count(*), count(*) filter (where file_status = 'quarantined') from raw.files group by kind order by kind"
        ).fetchall()
        rows = {}
        if table_exists(connection, "intermediate", "int_submission_row_outcomes"):
            rows = {
                "submission": connection.execute(
                    "select count(*), count(*) filter (where row_status = 'accepted') from intermediate.int_submission_row_outcomes"
                ).fetchall()[0]
            }
        for kind, count, quarantined in files:
            received, accepted = rows.get(kind, (None, None))
            table.add_row(kind, str(count), str(quarantined), str(received or "–"), str(accepted or "–"),
                          str(received - accepted) if received is not None else "–")
        releases_table = connection.execute(
            "select release_status, count(*) from raw.factor_releases group by 1 order by 1"
        ).fetchall()
        console.print(table)
        console.print("factor releases: " + (", ".join(f"{n} {s}" for s, n in releases_table) or "none"))


def print_explanation(home: Home, product: str, console: Console) -> bool:
    """Print every activity line of a product's current footprint(s); they sum to the published value."""
    with connect(home.root, read_only=True) as connection:
        periods = connection.execute(
            """select product_period_key, product_name, declared_unit, production_volume,
                      pcf_excl_biogenic_kgco2e_per_unit, source_kind, disclosure
               from intermediate.int_product_footprints where product_key = ? order by product_period_key""",
            [product],
        ).fetchall()
        if not periods:
            console.print(f"no computed footprint for {product} (is it <uscc>/<product_code>, and accepted?)")
            return False
        for key, name, unit, volume, total, kind, disclosure in periods:
            console.print(f"\n[bold]{product}[/] {name} — {key.split('/', 2)[2]} — {total:.6g} kgCO2e per {unit} ({disclosure})")
            if kind == "pact":
                console.print("received as a PACT footprint: no activity lines")
                continue
            lines = connection.execute(
                """select lineage.lifecycle_stage, activity.activity_name, activity.amount, activity.unit,
                          coalesce(lineage.factor_id, 'supplier ' || lineage.supplier_product_period_key) as reference,
                          coalesce(lineage.factor_release_id, lineage.supplier_submission_id) as release_or_submission,
                          lineage.ghg_kgco2e
                   from intermediate.int_activity_footprints as lineage
                   join intermediate.int_activity_rows as activity using (row_key)
                   where lineage.product_period_key = ?
                   order by lineage.lifecycle_stage, activity.source_sheet, activity.source_row""",
                [key],
            ).fetchall()
            table = Table()
            for column in ("stage", "activity", "amount", "unit", "factor / supplier", "release / submission", "kgCO2e", "per unit", "share %"):
                table.add_column(column, justify="right" if column in ("amount", "kgCO2e", "per unit", "share %") else "left")
            ghg_total = sum(line[6] for line in lines) or 1.0
            for stage, activity, amount, row_unit, reference, release, ghg in lines:
                table.add_row(stage, activity, f"{amount:g}", row_unit, reference, release or "", f"{ghg:,.3f}",
                              f"{ghg / volume:.6g}", f"{100 * ghg / ghg_total:.1f}")
            table.add_row("total", "", "", "", "", "", f"{ghg_total:,.3f}", f"{ghg_total / volume:.6g}", "100.0")
            console.print(table)
    return True
