"""The drift gate: large moves against the current release wait for an operator's approval.

Compared with the release in `publish/LATEST` (for a back-dated run, the release in effect then), publishing is blocked when a factor in effect is
revised by 10× or more (either way), a product's footprint moves 10× or more, or more than 20 % of
the products present in both move by more than 50 %. A unit slip in a factor release (kg for t) is
the typical cause. `pcf run --approve-drift` publishes anyway; the report names every factor and
product with its old and new value either way.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from orchestration.home import Home
from orchestration.publish import release_in_effect_on
from orchestration.resources import PcfSettings
from orchestration.validate.checks import results_dir
from orchestration.warehouse import connect

FACTOR_RATIO = 10.0
PRODUCT_RATIO = 10.0
SHARE_MOVED = 0.20
MOVE_THRESHOLD = 0.50
DRIFT_REPORT = "drift.json"


@dataclass
class Move:
    key: str
    old_value: float
    new_value: float

    @property
    def ratio(self) -> float:
        if self.old_value == 0 or self.new_value == 0:
            return float("inf") if self.old_value != self.new_value else 1.0
        return max(self.new_value / self.old_value, self.old_value / self.new_value)


@dataclass
class DriftReport:
    compared_with: str | None
    factors: list[Move] = field(default_factory=list)
    products: list[Move] = field(default_factory=list)
    products_compared: int = 0
    products_moved: int = 0

    @property
    def share_moved(self) -> float:
        return self.products_moved / self.products_compared if self.products_compared else 0.0

    @property
    def reasons(self) -> list[str]:
        reasons = [f"factor {m.key} changed from {m.old_value:g} to {m.new_value:g} (×{m.ratio:.3g})" for m in self.factors]
        reasons += [f"product {m.key} moved from {m.old_value:g} to {m.new_value:g} (×{m.ratio:.3g})" for m in self.products]
        if self.share_moved > SHARE_MOVED:
            reasons.append(
                f"{self.products_moved} of {self.products_compared} products ({self.share_moved:.0%}) moved by more than {MOVE_THRESHOLD:.0%}"
            )
        return reasons

    def as_dict(self) -> dict:
        return {
            "compared_with": self.compared_with,
            "factors": [asdict(m) for m in self.factors],
            "products": [asdict(m) for m in self.products],
            "products_compared": self.products_compared,
            "products_moved": self.products_moved,
            "reasons": self.reasons,
        }


def _values(rows: list[dict], key_columns: tuple[str, ...], value_column: str) -> dict[str, float]:
    return {"/".join(str(row[c]) for c in key_columns): row[value_column] for row in rows if row[value_column] is not None}


def measure_drift(home: Home, as_of: str) -> DriftReport:
    """What moved between the release in effect on `as_of` and the warehouse's marts."""
    release_id = release_in_effect_on(home.publish, as_of)
    report = DriftReport(release_id)
    if release_id is None:
        return report
    folder = home.publish / "releases" / release_id
    with connect(home.root, read_only=True) as connection:
        if (folder / "emission_factors.parquet").exists():
            new = _values(
                connection.sql("select factor_id, ghg_kgco2e_per_activity_unit from main.emission_factors").to_arrow_table().to_pylist(),
                ("factor_id",), "ghg_kgco2e_per_activity_unit",
            )
            old = _values(pq.read_table(folder / "emission_factors.parquet").to_pylist(), ("factor_id",), "ghg_kgco2e_per_activity_unit")
            report.factors = sorted(
                (m for m in (Move(k, old[k], new[k]) for k in old.keys() & new.keys()) if m.ratio >= FACTOR_RATIO),
                key=lambda m: m.key,
            )
        if (folder / "product_footprints.parquet").exists():
            report.products_compared, report.products_moved, report.products = _product_moves(
                connection, folder / "product_footprints.parquet"
            )
    return report


def _product_moves(connection, released: Path) -> tuple[int, int, list[Move]]:
    """Products present in both the released file and the warehouse (by USCC, product code and
    footprint id, a value on both sides), how many moved by more than MOVE_THRESHOLD, and those
    that moved PRODUCT_RATIO times or more, in key order. In SQL: a hundred thousand products
    are a join, not Python dictionaries (2 s a night at ten million lines)."""
    both = """
        with old as (
            select company_uscc, product_code, product_footprint_id, pcf_excl_biogenic_kgco2e_per_unit as old_value
            from read_parquet(?) where pcf_excl_biogenic_kgco2e_per_unit is not null
        ),
        new as (
            select company_uscc, product_code, product_footprint_id, pcf_excl_biogenic_kgco2e_per_unit as new_value
            from main.product_footprints where pcf_excl_biogenic_kgco2e_per_unit is not null
        ),
        paired as (
            select
                concat_ws('/', company_uscc, product_code) as key,
                product_footprint_id,
                old_value,
                new_value,
                abs(new_value - old_value) as change,
                case
                    when old_value = 0 or new_value = 0 then if(old_value <> new_value, 'inf'::double, 1.0)
                    else greatest(new_value / old_value, old_value / new_value)
                end as ratio
            from old inner join new using (company_uscc, product_code, product_footprint_id)
        )
    """
    # a NaN compares false in Python (`Move.ratio`) and greater than everything in DuckDB: excluded
    compared, moved, large = connection.execute(
        f"""{both} select
                count(*),
                count(*) filter (where not isnan(change) and change > {MOVE_THRESHOLD!r} * greatest(abs(old_value), 1e-300)),
                coalesce(
                    list({{'key': key, 'old_value': old_value, 'new_value': new_value}} order by concat_ws('/', key, product_footprint_id))
                        filter (where not isnan(ratio) and ratio >= {PRODUCT_RATIO!r}),
                    []
                )
            from paired""",
        [str(released)],
    ).fetchall()[0]
    return compared, moved, [Move(**move) for move in large]


@asset_check(
    asset=AssetKey("product_footprints"),
    name="drift_gate",
    blocking=True,
    description="Blocks publishing when factors or footprints move 10× or more, or >20 % of products move >50 %, until approved.",
    pool="duckdb",
)
def drift_gate(settings: PcfSettings) -> AssetCheckResult:
    home = settings.pcf_home()
    report = measure_drift(home, settings.as_of_date().isoformat())
    reasons = report.reasons
    approved = bool(reasons) and settings.approve_drift
    record = {**report.as_dict(), "approved": approved, "blocking": bool(reasons) and not approved}
    results_dir(home).mkdir(parents=True, exist_ok=True)
    (results_dir(home) / DRIFT_REPORT).write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
    if not reasons:
        description = f"no large moves against release {report.compared_with}" if report.compared_with else "no previous release to compare with"
    elif approved:
        description = "drift approved by the operator (--approve-drift): " + "; ".join(reasons[:20])
    else:
        description = "drift needs approval (pcf run --approve-drift): " + "; ".join(reasons[:20])
    return AssetCheckResult(
        passed=not reasons or approved,
        severity=AssetCheckSeverity.ERROR,
        description=description,
        metadata={"factors_moved_10x": len(report.factors), "products_moved_10x": len(report.products),
                  "share_moved_over_50pct": round(report.share_moved, 4), "approved": approved},
    )


def drift_test_result(home: Home) -> dict | None:
    """The drift gate's outcome as a line of the validation report."""
    path = results_dir(home) / DRIFT_REPORT
    if not path.exists():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    message = "; ".join(record["reasons"]) or f"no large moves against release {record['compared_with']}"
    if record["approved"]:
        message = "approved by the operator: " + message
    return {"name": "drift_gate", "kind": "asset check", "success": not record["blocking"], "message": message}
