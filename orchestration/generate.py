"""Deterministic synthetic inputs for `pcf generate` and `pcf bench` (SPEC §2, §8).

`generate(out, companies, products, lines, seed)` writes a complete landing folder under `out/`:

- `landing/factors/GEN-2025.1/`: one full factor release of a few hundred factors over ~45 activity
  codes × geographies (GLO, CN, CN-SD, Shandong cities), with gas splits, co2e-only factors,
  biogenic removals, several reference years, ties broken by factor_id, factors in other units of
  the same dimension, and a few withdrawn rows;
- `landing/submissions/company-<n>.csv`: one long-format file per company, `products` products of
  `lines` activity lines each. Categories come from the category seed and per-unit footprints are
  aimed at the middle of the seed's plausible range; stages respect the boundary (cradle_to_gate:
  raw_materials + production; cradle_to_grave: all five); units are any unit of the factor's
  dimension; geography comes from the USCC area code; supplier links point only at products of
  lower-numbered companies (no cycles) in the supplier's declared unit or a convertible one.
  About 0.1 % of rows are bad (negative amount, unknown unit). Every 10th file is GB18030 with
  Chinese names, some UTF-8 files carry a BOM or Chinese names, GB18030 files end lines in CRLF.

The same arguments give byte-identical files: a company's plan (identity, products, volumes) is
drawn from Python's generator seeded by (seed, company number), its lines from a numpy generator
seeded by (seed, company number). Lines are built as arrays and plain strings, one file at a time
(forked workers write ranges of companies), so memory stays small and 10 million lines take about
a minute on two cores.
"""

from __future__ import annotations

import csv
import io
import json
import math
import multiprocessing
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from orchestration.codes import USCC_ALPHABET, make_uscc
from orchestration.home import DBT_PROJECT_DIR
from orchestration.inputs import (
    ACTIVITY_COLUMNS,
    BOUNDARY_STAGES,
    FACTOR_COLUMNS,
    LIFECYCLE_STAGES,
    PRODUCT_COLUMNS,
    SUBMISSION_COLUMNS,
)
from orchestration.processes import cores

SEEDS = DBT_PROJECT_DIR / "seeds"
FACTOR_RELEASE_ID = "GEN-2025.1"
FACTOR_PUBLISHED_DATE = "2025-12-15"
BAD_ROW_RATE = 0.001
GB18030_EVERY = 10  # company n with n % 10 == 0 writes GB18030 (Chinese names, CRLF)
UNKNOWN_UNITS = ("tonnes", "KWH", "pcs", "kgs")

_ACTIVITY_ORDER = (
    "lifecycle_stage", "activity_name", "amount", "unit", "activity_code", "factor_id",
    "supplier_product", "data_source", "allocation_share",
)
assert tuple(c.name for c in ACTIVITY_COLUMNS) == _ACTIVITY_ORDER, "generate.py builds activity cells in this order"

# --- units and categories: read from the dbt seeds, their one home -------------------------------


@cache
def units() -> dict[str, tuple[str, float]]:
    """unit -> (dimension, factor to the dimension's base), from seeds/units.csv."""
    with (SEEDS / "units.csv").open(encoding="utf-8") as handle:
        return {row["unit"]: (row["dimension"], float(row["to_base"])) for row in csv.DictReader(handle)}


# Units a company writes amounts in, per dimension (Wh and tce are valid but rarely used).
_ROW_UNITS = {
    "mass": ("kg", "t", "g"),
    "energy": ("kWh", "MWh", "GJ", "MJ"),
    "volume": ("L", "m3"),
}


def _convertible(unit: str) -> tuple[str, ...]:
    """Units a row may use for a quantity measured in `unit`: the unit itself first."""
    dimension = units()[unit][0]
    others = tuple(u for u in _ROW_UNITS.get(dimension, ()) if u != unit)
    return (unit,) + others


def _conversion(from_unit: str, to_unit: str) -> float:
    return units()[from_unit][1] / units()[to_unit][1]


@dataclass(frozen=True)
class Category:
    code: str
    name_en: str
    name_zh: str
    declared_unit: str
    hs_heading: str
    plausible_min: float
    plausible_max: float

    @property
    def target(self) -> float:
        """The middle of the plausible range on a log scale: the per-unit footprint aimed at."""
        return math.sqrt(self.plausible_min * self.plausible_max)


@cache
def categories() -> dict[str, Category]:
    with (SEEDS / "product_categories.csv").open(encoding="utf-8") as handle:
        return {
            row["category_code"]: Category(
                row["category_code"],
                row["name_en"],
                row["name_zh"],
                row["declared_unit"],
                (row["hs_headings"] or "").split(";")[0],
                float(row["plausible_min_kgco2e_per_unit"]),
                float(row["plausible_max_kgco2e_per_unit"]),
            )
            for row in csv.DictReader(handle)
        }


# --- the factor release ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityDef:
    """An activity code of the generated factor release.

    `nominal` is kgCO2e (AR6) per `unit`; `biogenic` kg biogenic CO2 per unit (removals negative).
    `gases`: co2e (co2e_kg only), fossil (CO2 + a little CH4 and N2O), ch4_bio, manure (biogenic CH4
    + N2O) or other (other_ghg_kgco2e). `geographies`: (geography, reference year, unit, multiplier).
    """

    code: str
    unit: str
    nominal: float
    name_en: str
    name_zh: str
    gases: str = "fossil"
    biogenic: float = 0.0
    scope: str = "cradle_to_gate"
    geographies: tuple[tuple[str, int, str, float], ...] = ()


QD, JN, YT, WF = "CN-SD-370200", "CN-SD-370100", "CN-SD-370600", "CN-SD-370700"


def _geos(*specs: tuple) -> tuple[tuple[str, int, str, float], ...]:
    return tuple(specs)


_LEVEL_YEARS = {"GLO": (2015, 2018, 2021), "CN": (2020, 2023, 2026), "CN-SD": (2022,)}
_LEVEL_MULTIPLIERS = {"GLO": 1.08, "CN": 1.0, "CN-SD": 1.03}


def _simple(unit: str, *geos: str, year: int = 2022) -> tuple[tuple[str, int, str, float], ...]:
    """Factors of `geos` in `unit`: GLO three reference years, CN three (one after every reporting
    year), CN-SD one, a city one; older years a little higher. `year` shifts them all. A code with
    a CN factor also gets a Shandong and a Qingdao one."""
    out = []
    if "CN" in geos:
        geos = tuple(dict.fromkeys(geos + ("CN-SD", QD)))
    for geo in geos:
        for reference_year in _LEVEL_YEARS.get(geo, (2024,)):
            shifted = reference_year + year - 2022
            multiplier = _LEVEL_MULTIPLIERS.get(geo, 0.97) * (1 + 0.015 * (2023 - shifted))
            out.append((geo, shifted, unit, round(multiplier, 4)))
    return tuple(out)


ACTIVITIES: tuple[ActivityDef, ...] = (
    # energy: many geographies and years, factors in other units, ties on (geography, year)
    ActivityDef(
        "electricity.grid", "kWh", 0.58, "Grid electricity", "电网电力", "co2e",
        geographies=_geos(
            ("GLO", 2019, "kWh", 1.38), ("GLO", 2022, "kWh", 1.34),
            ("CN", 2021, "kWh", 1.05), ("CN", 2022, "kWh", 0.983), ("CN", 2023, "MWh", 0.925),
            ("CN-SD", 2022, "kWh", 1.14), ("CN-SD", 2024, "kWh", 1.10),
            (QD, 2023, "MWh", 1.03), (QD, 2024, "kWh", 1.02), (QD, 2024, "kWh", 1.07),
            (JN, 2026, "kWh", 1.09),
            (YT, 2022, "kWh", 0.98),
            (WF, 2020, "kWh", 1.17), (WF, 2023, "kWh", 1.12),
        ),
    ),
    ActivityDef("steam.purchased", "GJ", 110.0, "Purchased steam", "外购蒸汽", "fossil", geographies=_geos(("CN", 2021, "GJ", 1.0), ("CN-SD", 2023, "GJ", 1.05), (QD, 2024, "MJ", 0.95))),
    ActivityDef("natural_gas.combustion", "GJ", 56.16, "Natural gas combustion", "天然气燃烧", "fossil", scope="combustion", geographies=_geos(("GLO", 2006, "GJ", 1.0), ("CN", 2021, "GJ", 0.99), ("CN", 2021, "m3", 0.0365))),
    ActivityDef("coal.combustion", "t", 2600.0, "Bituminous coal combustion", "烟煤燃烧", "fossil", scope="combustion", geographies=_simple("t", "GLO", "CN")),
    ActivityDef("diesel.combustion", "L", 2.68, "Diesel combustion", "柴油燃烧", "fossil", scope="combustion", geographies=_simple("L", "GLO", "CN")),
    ActivityDef("water.tap", "m3", 0.32, "Tap water supply", "自来水", "co2e", geographies=_simple("m3", "CN", QD)),
    ActivityDef("wastewater.treatment", "m3", 0.55, "Wastewater treatment", "污水处理", "ch4_bio", geographies=_simple("m3", "CN")),
    # materials
    ActivityDef("steel.hot_rolled", "t", 2100.0, "Hot-rolled steel", "热轧钢材", "co2e", geographies=_geos(("GLO", 2021, "t", 1.1), ("CN", 2022, "t", 1.0), ("CN-SD", 2023, "kg", 0.98))),
    ActivityDef("steel.cord", "kg", 2.6, "Steel tyre cord", "轮胎钢丝帘线", "co2e", geographies=_simple("kg", "CN")),
    ActivityDef("iron_ore", "t", 22.0, "Iron ore", "铁矿石", "co2e", geographies=_simple("t", "GLO", year=2020)),
    ActivityDef("coke", "t", 420.0, "Metallurgical coke", "冶金焦炭", "fossil", geographies=_simple("t", "CN")),
    ActivityDef("aluminium.primary", "t", 16500.0, "Primary aluminium", "原铝", "co2e", geographies=_simple("t", "GLO", "CN")),
    ActivityDef("copper.cathode", "t", 4100.0, "Copper cathode", "阴极铜", "co2e", geographies=_simple("t", "GLO")),
    ActivityDef("plastics.abs", "kg", 3.6, "ABS plastic", "ABS塑料", "co2e", geographies=_simple("kg", "GLO", "CN")),
    ActivityDef("plastics.pp", "kg", 2.0, "Polypropylene", "聚丙烯", "co2e", geographies=_simple("kg", "GLO", "CN")),
    ActivityDef("refrigerant.r134a", "kg", 1530.0, "Refrigerant R134a emitted", "制冷剂R134a逸散", "other", geographies=_simple("kg", "GLO")),
    ActivityDef("refrigerant.r32", "kg", 771.0, "Refrigerant R32 emitted", "制冷剂R32逸散", "other", geographies=_simple("kg", "GLO")),
    ActivityDef("rubber.natural", "kg", 1.6, "Natural rubber", "天然橡胶", "co2e", biogenic=-1.1, geographies=_simple("kg", "GLO")),
    ActivityDef("rubber.synthetic", "kg", 3.2, "Synthetic rubber", "合成橡胶", "co2e", geographies=_simple("kg", "GLO", "CN")),
    ActivityDef("carbon_black", "kg", 2.9, "Carbon black", "炭黑", "fossil", geographies=_simple("kg", "GLO", "CN")),
    ActivityDef("feedstock.coal_tar_oil", "kg", 1.1, "Coal tar oil feedstock", "煤焦油原料", "co2e", geographies=_simple("kg", "CN")),
    ActivityDef("latex.field", "kg", 0.45, "Field latex", "天然胶乳", "co2e", biogenic=-1.4, geographies=_simple("kg", "GLO")),
    ActivityDef("cotton.fibre", "kg", 2.4, "Cotton fibre", "棉纤维", "manure", biogenic=-1.55, geographies=_simple("kg", "GLO", "CN")),
    ActivityDef("chemicals.dye", "kg", 5.5, "Textile dyes and auxiliaries", "染料助剂", "co2e", geographies=_simple("kg", "GLO")),
    ActivityDef("barley", "t", 420.0, "Malting barley", "啤酒大麦", "manure", biogenic=-1500.0, geographies=_simple("t", "GLO", "CN")),
    ActivityDef("malt.barley", "kg", 0.75, "Barley malt", "大麦芽", "co2e", biogenic=-1.45, geographies=_simple("kg", "GLO", "CN")),
    ActivityDef("hops", "kg", 3.8, "Hops", "啤酒花", "co2e", biogenic=-1.5, geographies=_simple("kg", "GLO")),
    ActivityDef("glass.container", "kg", 0.95, "Container glass", "容器玻璃", "co2e", geographies=_simple("kg", "CN")),
    ActivityDef("glass.batch", "kg", 0.25, "Glass batch (sand, soda ash, limestone)", "玻璃配合料", "fossil", geographies=_simple("kg", "GLO")),
    ActivityDef("packaging.cardboard", "kg", 1.0, "Corrugated cardboard", "瓦楞纸板", "co2e", biogenic=-1.5, geographies=_simple("kg", "GLO", "CN")),
    ActivityDef("packaging.pe_film", "kg", 2.3, "PE packaging film", "PE包装膜", "co2e", geographies=_simple("kg", "CN")),
    # agriculture
    ActivityDef("feed.compound", "kg", 0.62, "Compound feed", "配合饲料", "manure", biogenic=-0.9, geographies=_geos(("CN", 2021, "kg", 1.0), ("CN-SD", 2023, "t", 0.95))),
    ActivityDef("feed.silage", "kg", 0.09, "Corn silage", "玉米青贮", "manure", biogenic=-0.4, geographies=_simple("kg", "CN")),
    ActivityDef("enteric.dairy_cow", "head_year", 3400.0, "Enteric fermentation, dairy cow", "奶牛肠道发酵", "ch4_bio", geographies=_simple("head_year", "GLO", "CN", year=2019)),
    ActivityDef("enteric.pig", "head_year", 40.0, "Enteric fermentation, pig", "生猪肠道发酵", "ch4_bio", geographies=_simple("head_year", "GLO", year=2019)),
    ActivityDef("manure.dairy_cow", "head_year", 1300.0, "Manure management, dairy cow", "奶牛粪便管理", "manure", geographies=_simple("head_year", "CN", year=2019)),
    ActivityDef("manure.pig", "head_year", 160.0, "Manure management, pig", "生猪粪便管理", "manure", geographies=_simple("head_year", "CN", year=2019)),
    ActivityDef("manure.broiler", "head_year", 2.4, "Manure management, broiler", "肉鸡粪便管理", "manure", geographies=_simple("head_year", "GLO", year=2019)),
    # transport and end of life
    ActivityDef("transport.road.truck", "tkm", 0.105, "Road freight, truck", "公路货运", "fossil", scope="wtw", geographies=_geos(("GLO", 2020, "tkm", 1.1), ("CN", 2022, "tkm", 1.0), ("CN-SD", 2023, "tkm", 0.96))),
    ActivityDef("transport.rail", "tkm", 0.028, "Rail freight", "铁路货运", "co2e", scope="wtw", geographies=_simple("tkm", "CN")),
    ActivityDef("transport.sea.container", "TEUkm", 0.06, "Container shipping", "集装箱海运", "fossil", scope="wtw", geographies=_simple("TEUkm", "GLO")),
    ActivityDef("waste.landfill", "kg", 0.6, "Landfill", "填埋", "ch4_bio", scope="cradle_to_grave", geographies=_simple("kg", "GLO", "CN")),
    ActivityDef("waste.incineration", "kg", 0.9, "Incineration", "焚烧", "fossil", biogenic=0.3, scope="cradle_to_grave", geographies=_simple("kg", "CN")),
    ActivityDef("waste.recycling", "kg", 0.05, "Recycling collection and sorting", "回收分拣", "co2e", scope="cradle_to_grave", geographies=_simple("kg", "GLO")),
)
_ACTIVITY = {a.code: a for a in ACTIVITIES}
PARTIAL_SCOPE_FACTORS = (  # (code, geography, year, share of the wtw value, lca_scope)
    ("transport.road.truck", QD, 2024, 0.8, "ttw"),
    ("transport.road.truck", "CN-SD", 2024, 0.2, "wtt"),
    ("transport.sea.container", "CN", 2024, 0.85, "ttw"),
)


def _sig(value: float, digits: int = 6) -> str:
    """A number with `digits` significant digits in plain notation ('0.000123', '2100')."""
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Factor:
    factor_id: str
    activity: ActivityDef
    geography: str
    year: int
    unit: str
    value: float  # kgCO2e per `unit`, AR6
    cells: dict = field(hash=False, compare=False)


@cache
def factors() -> tuple[Factor, ...]:
    """The generated full release: a fixed set, the same for every seed."""
    rng = np.random.default_rng(20251215)
    out: list[Factor] = []
    for activity in ACTIVITIES:
        seen: dict[tuple[str, int], int] = {}
        for geography, year, unit, multiplier in activity.geographies:
            ties = seen.get((geography, year), 0)
            seen[(geography, year)] = ties + 1
            factor_id = f"GEN.{activity.code}.{geography}.{year}" + ("" if ties == 0 else f".{'abcdefgh'[ties]}")
            per_factor_unit = activity.nominal * multiplier
            if unit != activity.unit and units()[unit][0] == units()[activity.unit][0]:
                per_factor_unit = activity.nominal * multiplier * _conversion(unit, activity.unit)
            elif unit != activity.unit:  # another dimension (natural gas in m3): multiplier is the value
                per_factor_unit = multiplier * activity.nominal
            value = float(_sig(per_factor_unit))
            biogenic = activity.biogenic * (per_factor_unit / activity.nominal)
            cells = _gas_cells(activity.gases, value)
            if biogenic:
                cells["co2_biogenic_kg"] = _sig(biogenic)
            dq = rng.integers(1, 5, size=4, endpoint=True)
            cells.update(
                factor_id=factor_id,
                activity_code=activity.code,
                name_en=f"{activity.name_en}, {geography} {year}",
                name_zh=f"{activity.name_zh}（{geography}，{year}年）",
                geography=geography,
                reference_year=str(year),
                activity_unit=unit,
                lca_scope=activity.scope,
                dq_technological=str(dq[0]),
                dq_geographical=str(1 if geography.startswith("CN-SD") else dq[1]),
                dq_temporal=str(dq[2]),
                dq_precision=str(dq[3]),
                uncertainty_gsd=_sig(1.05 + rng.random() * 0.4, 3) if rng.random() < 0.5 else "",
                source="pcf generate: synthetic factors for benchmarks and tests",
                source_url="",
                status="active",
            )
            out.append(Factor(factor_id, activity, geography, year, unit, _ghg(cells), cells))
    # tank-to-wheel / well-to-tank parts of transport factors (ISO 14083 chains): taken only when
    # named by factor_id, never by activity code, though more specific than the wtw ones
    for code, geography, year, share, scope in PARTIAL_SCOPE_FACTORS:
        base = next(f for f in out if f.activity.code == code)
        value = float(_sig(base.value * share))
        cells = dict(base.cells)
        for gas in ("co2_fossil_kg", "ch4_fossil_kg", "n2o_kg", "co2e_kg"):
            if cells.get(gas):
                cells[gas] = _sig(float(cells[gas]) * share)
        factor_id = f"GEN.{code}.{geography}.{year}.{scope}"
        cells.update(factor_id=factor_id, geography=geography, reference_year=str(year), lca_scope=scope,
                     name_en=f"{base.activity.name_en}, {scope}, {geography} {year}",
                     name_zh=f"{base.activity.name_zh}（{scope}，{geography}，{year}年）")
        out.append(Factor(factor_id, base.activity, geography, year, base.unit, _ghg(cells), cells))
    # two withdrawn rows a full release may carry: never in effect
    for factor in out[:2]:
        cells = dict(factor.cells, factor_id=factor.factor_id + ".old", status="withdrawn")
        out.append(Factor(cells["factor_id"], factor.activity, factor.geography, factor.year, factor.unit, factor.value, cells))
    return tuple(out)


_GWP_AR6 = {"ch4_fossil": 29.8, "ch4_nonfossil": 27.0, "n2o": 273.0}


def _gas_cells(gases: str, value: float) -> dict[str, str]:
    if gases == "co2e":
        return {"co2e_kg": _sig(value), "gwp_basis": "AR6"}
    if gases == "fossil":
        return {
            "co2_fossil_kg": _sig(value * 0.985),
            "ch4_fossil_kg": _sig(value * 0.01 / _GWP_AR6["ch4_fossil"]),
            "n2o_kg": _sig(value * 0.005 / _GWP_AR6["n2o"]),
        }
    if gases == "ch4_bio":
        return {"ch4_biogenic_kg": _sig(value / _GWP_AR6["ch4_nonfossil"])}
    if gases == "manure":
        return {
            "co2_fossil_kg": _sig(value * 0.3),
            "ch4_biogenic_kg": _sig(value * 0.4 / _GWP_AR6["ch4_nonfossil"]),
            "n2o_kg": _sig(value * 0.3 / _GWP_AR6["n2o"]),
        }
    if gases == "other":
        return {"other_ghg_kgco2e": _sig(value)}
    raise ValueError(gases)


def _ghg(cells: dict[str, str]) -> float:
    """kgCO2e per activity unit under AR6, from the written cells (what the pipeline will compute)."""
    if cells.get("co2e_kg"):
        return float(cells["co2e_kg"])
    number = lambda name: float(cells.get(name) or 0)  # noqa: E731
    return (
        number("co2_fossil_kg")
        + number("ch4_fossil_kg") * _GWP_AR6["ch4_fossil"]
        + number("ch4_biogenic_kg") * _GWP_AR6["ch4_nonfossil"]
        + number("n2o_kg") * _GWP_AR6["n2o"]
        + number("other_ghg_kgco2e")
    )


def write_factor_release(landing: Path) -> Path:
    """landing/factors/GEN-2025.1/release.json + factors.csv; returns the folder."""
    folder = landing / "factors" / FACTOR_RELEASE_ID
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {
        "release_id": FACTOR_RELEASE_ID,
        "publisher": "pcf generate (synthetic)",
        "published_date": FACTOR_PUBLISHED_DATE,
        "license": "CC-BY-4.0",
        "release_type": "full",
        "description": "Synthetic factor release written by `pcf generate` for benchmarks and tests; not real data.",
    }
    (folder / "release.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    names = [c.name for c in FACTOR_COLUMNS]
    writer.writerow(names)
    for factor in factors():
        writer.writerow([factor.cells.get(name, "") for name in names])
    (folder / "factors.csv").write_bytes(buffer.getvalue().encode("utf-8"))
    return folder


# --- what each kind of product is made of ---------------------------------------------------------

# A use: (weight, activity code or 'supplier:<category>[|<category>]', English name, Chinese name).
# A supplier use becomes a link to a product of a lower-numbered company when there is one (with
# probability SUPPLIER_LINK_SHARE), else the activity code after '>' is used.
Use = tuple[float, str, str, str]
SUPPLIER_LINK_SHARE = 0.5

_ENERGY: tuple[Use, ...] = (
    (5, "electricity.grid", "electricity", "生产用电"),
    (2, "natural_gas.combustion", "natural gas for boilers", "锅炉天然气"),
    (1, "steam.purchased", "purchased steam", "外购蒸汽"),
    (0.5, "water.tap", "process water", "工艺用水"),
)
_DISTRIBUTION: tuple[Use, ...] = (
    (4, "transport.road.truck", "truck to distributors", "公路运输至经销商"),
    (1, "transport.rail", "rail to regional warehouses", "铁路运输至区域仓库"),
    (1, "transport.sea.container", "container shipping to export markets", "集装箱海运至出口市场"),
)
_END_OF_LIFE: tuple[Use, ...] = (
    (2, "waste.landfill", "landfilled residues", "残余物填埋"),
    (2, "waste.incineration", "incinerated plastics", "塑料焚烧"),
    (2, "waste.recycling", "metal recycling", "金属回收"),
    (1, "transport.road.truck", "collection transport", "废弃物收运"),
)

GROUPS: dict[str, dict[str, tuple[Use, ...]]] = {
    "appliance": {
        "raw_materials": (
            (3, "supplier:steel.hot_rolled>steel.hot_rolled", "steel sheet", "钢板"),
            (2, "plastics.abs", "ABS liner and housing", "ABS内胆和外壳"),
            (1, "plastics.pp", "PP parts", "PP零件"),
            (1, "copper.cathode", "copper tubing and wiring", "铜管和线缆"),
            (1, "aluminium.primary", "aluminium parts", "铝制零件"),
            (0.5, "refrigerant.r32", "refrigerant charge losses", "制冷剂充注损耗"),
            (1, "packaging.cardboard", "cardboard packaging", "纸箱包装"),
            (0.5, "packaging.pe_film", "protective film", "保护膜"),
        ),
        "production": _ENERGY,
        "distribution": _DISTRIBUTION,
        "use": (
            (6, "electricity.grid", "electricity in use", "使用阶段用电"),
            (1, "refrigerant.r134a", "refrigerant leakage in use", "使用阶段制冷剂泄漏"),
            (0.5, "water.tap", "water in use", "使用阶段用水"),
        ),
        "end_of_life": _END_OF_LIFE,
    },
    "tyre": {
        "raw_materials": (
            (3, "supplier:material.natural_rubber>rubber.natural", "natural rubber", "天然橡胶"),
            (2, "rubber.synthetic", "synthetic rubber", "合成橡胶"),
            (2, "supplier:material.carbon_black>carbon_black", "carbon black", "炭黑"),
            (1, "steel.cord", "steel cord", "钢丝帘线"),
            (0.5, "packaging.pe_film", "wrapping film", "缠绕膜"),
        ),
        "production": _ENERGY + ((1, "coal.combustion", "coal for curing boilers", "硫化锅炉用煤"),),
        "distribution": _DISTRIBUTION,
        "use": ((1, "diesel.combustion", "fuel from rolling resistance", "滚动阻力燃油消耗"),),
        "end_of_life": _END_OF_LIFE,
    },
    "beer": {
        "raw_materials": (
            (3, "supplier:material.malt>malt.barley", "barley malt", "大麦芽"),
            (0.5, "hops", "hops", "啤酒花"),
            (2, "supplier:packaging.glass_bottle|packaging.aluminium_can>glass.container", "bottles and cans", "瓶罐"),
            (1, "packaging.cardboard", "cartons", "纸箱"),
            (0.5, "water.tap", "brewing water", "酿造用水"),
        ),
        "production": _ENERGY + ((1, "wastewater.treatment", "brewery wastewater", "啤酒废水处理"),),
        "distribution": _DISTRIBUTION[:2],
        "use": ((1, "electricity.grid", "refrigeration at retail", "零售冷藏用电"),),
        "end_of_life": _END_OF_LIFE,
    },
    "steel": {
        "raw_materials": (
            (4, "iron_ore", "iron ore", "铁矿石"),
            (2, "coke", "coke", "焦炭"),
            (0.4, "supplier:steel.hot_rolled>steel.hot_rolled", "purchased hot-rolled coil", "外购热轧卷"),
        ),
        "production": _ENERGY + ((2, "coal.combustion", "coal for sintering", "烧结用煤"),),
    },
    "textile": {
        "raw_materials": (
            (4, "cotton.fibre", "cotton fibre", "棉纤维"),
            (1, "chemicals.dye", "dyes", "染料"),
            (0.5, "packaging.pe_film", "packaging film", "包装膜"),
        ),
        "production": _ENERGY + ((1, "wastewater.treatment", "dyeing wastewater", "印染废水处理"),),
    },
    "livestock.pig": {
        "raw_materials": ((4, "feed.compound", "compound feed", "配合饲料"),),
        "production": (
            (2, "enteric.pig", "enteric fermentation", "肠道发酵"),
            (3, "manure.pig", "manure management", "粪便管理"),
            (1, "electricity.grid", "farm electricity", "养殖场用电"),
            (0.5, "diesel.combustion", "farm vehicles", "场内车辆柴油"),
        ),
    },
    "livestock.dairy_cattle": {
        "raw_materials": ((3, "feed.compound", "concentrate feed", "精饲料"), (2, "feed.silage", "corn silage", "玉米青贮")),
        "production": (
            (4, "enteric.dairy_cow", "enteric fermentation", "肠道发酵"),
            (2, "manure.dairy_cow", "manure management", "粪便管理"),
            (1, "electricity.grid", "milking and cooling", "挤奶和冷却用电"),
            (0.5, "diesel.combustion", "farm vehicles", "场内车辆柴油"),
        ),
    },
    "livestock.broiler": {
        "raw_materials": ((5, "feed.compound", "broiler feed", "肉鸡饲料"),),
        "production": (
            (2, "manure.broiler", "litter management", "垫料粪便管理"),
            (1, "electricity.grid", "house ventilation and lighting", "鸡舍通风照明用电"),
            (1, "natural_gas.combustion", "house heating", "鸡舍供暖"),
        ),
    },
    "material.carbon_black": {
        "raw_materials": ((4, "feedstock.coal_tar_oil", "coal tar oil", "煤焦油"),),
        "production": _ENERGY,
    },
    "material.natural_rubber": {
        "raw_materials": ((4, "latex.field", "field latex", "天然胶乳"),),
        "production": _ENERGY + ((1, "coal.combustion", "coal for drying", "干燥用煤"),),
    },
    "material.malt": {
        "raw_materials": ((4, "barley", "malting barley", "啤酒大麦"),),
        "production": _ENERGY,
    },
    "packaging.glass_bottle": {
        "raw_materials": ((3, "glass.batch", "glass batch", "玻璃配合料"), (1, "glass.container", "cullet", "碎玻璃")),
        "production": _ENERGY,
    },
    "packaging.aluminium_can": {
        "raw_materials": ((3, "aluminium.primary", "can sheet", "罐体铝材"), (0.3, "plastics.pp", "coatings", "内涂层")),
        "production": _ENERGY,
    },
}

# Share of the footprint by stage, for the stages of the boundary (renormalised for cradle_to_gate).
STAGE_SHARES = {
    "appliance": {"raw_materials": 0.3, "production": 0.1, "distribution": 0.03, "use": 0.55, "end_of_life": 0.02},
    "tyre": {"raw_materials": 0.25, "production": 0.1, "distribution": 0.03, "use": 0.6, "end_of_life": 0.02},
    "beer": {"raw_materials": 0.45, "production": 0.25, "distribution": 0.1, "use": 0.15, "end_of_life": 0.05},
}
_GATE_SHARES = {"raw_materials": 0.6, "production": 0.4}
# How many lines each stage gets, relative (a bill of materials is long, use-phase short).
STAGE_LINE_WEIGHTS = {"raw_materials": 5, "production": 3, "distribution": 1, "use": 0.6, "end_of_life": 0.8}

# Company sectors: (weight, group, categories, share of cradle_to_grave products).
SECTORS: tuple[tuple[float, str, tuple[str, ...], float], ...] = (
    (0.20, "appliance", ("appliance.refrigerator", "appliance.air_conditioner", "appliance.washing_machine", "appliance.television"), 0.7),
    (0.10, "tyre", ("tyre.passenger", "tyre.truck"), 0.6),
    (0.08, "beer", ("beer.bottled", "beer.canned"), 0.6),
    (0.12, "steel", ("steel.hot_rolled",), 0.0),
    (0.07, "textile", ("textile.cotton_fabric",), 0.0),
    (0.04, "livestock.pig", ("livestock.pig",), 0.0),
    (0.04, "livestock.dairy_cattle", ("livestock.dairy_cattle",), 0.0),
    (0.03, "livestock.broiler", ("livestock.broiler",), 0.0),
    (0.07, "material.carbon_black", ("material.carbon_black",), 0.0),
    (0.06, "material.natural_rubber", ("material.natural_rubber",), 0.0),
    (0.06, "material.malt", ("material.malt",), 0.0),
    (0.07, "packaging.glass_bottle", ("packaging.glass_bottle",), 0.0),
    (0.06, "packaging.aluminium_can", ("packaging.aluminium_can",), 0.0),
)

# The first companies' sectors: suppliers first, then their buyers.
STARTER_GROUPS = (
    "steel", "appliance", "material.carbon_black", "tyre", "material.malt", "packaging.glass_bottle", "beer",
    "material.natural_rubber", "packaging.aluminium_can", "livestock.dairy_cattle", "textile",
)

# Product facts per category: (mass kg of one piece or None, production volume range, name stem en, zh)
PRODUCT_FACTS: dict[str, tuple[float | None, tuple[float, float], str, str]] = {
    "appliance.refrigerator": (62, (2e4, 5e5), "Refrigerator BCD", "冰箱 BCD"),
    "appliance.air_conditioner": (38, (2e4, 5e5), "Split air conditioner KFR", "分体空调 KFR"),
    "appliance.washing_machine": (68, (2e4, 5e5), "Drum washing machine XQG", "滚筒洗衣机 XQG"),
    "appliance.television": (14, (2e4, 5e5), "LED television", "液晶电视"),
    "tyre.passenger": (9, (1e5, 5e6), "Radial passenger tyre", "乘用车子午线轮胎"),
    "tyre.truck": (55, (5e4, 1e6), "All-steel truck tyre", "全钢载重轮胎"),
    "beer.bottled": (None, (1e6, 2e8), "Lager, bottled", "瓶装拉格啤酒"),
    "beer.canned": (None, (1e6, 2e8), "Lager, canned", "罐装拉格啤酒"),
    "steel.hot_rolled": (None, (1e4, 3e6), "Hot-rolled coil", "热轧卷板"),
    "textile.cotton_fabric": (None, (1e5, 2e7), "Woven cotton fabric", "纯棉机织布"),
    "livestock.pig": (None, (1e5, 1e7), "Finished pigs", "商品猪"),
    "livestock.dairy_cattle": (None, (1e6, 5e7), "Raw milk", "生鲜乳"),
    "livestock.broiler": (None, (1e5, 1e7), "Broilers", "白羽肉鸡"),
    "material.carbon_black": (None, (1e6, 1e8), "Carbon black N330", "炭黑 N330"),
    "material.natural_rubber": (None, (1e3, 1e5), "Natural rubber SCR", "天然橡胶 SCR"),
    "material.malt": (None, (1e3, 1e5), "Pale malt", "浅色麦芽"),
    "packaging.glass_bottle": (0.38, (1e6, 1e8), "Amber beer bottle 500 mL", "棕色啤酒瓶 500毫升"),
    "packaging.aluminium_can": (0.014, (1e6, 5e8), "Aluminium can 330 mL", "铝罐 330毫升"),
}

SECTOR_NAMES = {
    "appliance": ("Appliance", "电器"), "tyre": ("Tyre", "轮胎"), "beer": ("Brewery", "啤酒"),
    "steel": ("Iron and Steel", "钢铁"), "textile": ("Textile", "纺织"), "livestock.pig": ("Pig Farming", "生猪养殖"),
    "livestock.dairy_cattle": ("Dairy", "牧业"), "livestock.broiler": ("Poultry", "禽业"),
    "material.carbon_black": ("Carbon Black", "炭黑"), "material.natural_rubber": ("Rubber", "橡胶"),
    "material.malt": ("Malting", "麦芽"), "packaging.glass_bottle": ("Glass", "玻璃制品"),
    "packaging.aluminium_can": ("Can Making", "制罐"),
}

# Registration areas (GB/T 2260): (code, weight, city name en, zh). Most in Shandong, a few outside.
AREAS: tuple[tuple[str, float, str, str], ...] = (
    ("370211", 8, "Qingdao", "青岛"), ("370202", 3, "Qingdao", "青岛"), ("370212", 2, "Qingdao", "青岛"),
    ("370281", 2, "Jiaozhou", "胶州"), ("370102", 3, "Jinan", "济南"), ("370112", 2, "Jinan", "济南"),
    ("370303", 2, "Zibo", "淄博"), ("370602", 2, "Yantai", "烟台"), ("370687", 1, "Haiyang", "海阳"),
    ("370703", 2, "Weifang", "潍坊"), ("370786", 1, "Changyi", "昌邑"), ("370811", 1, "Jining", "济宁"),
    ("371002", 1, "Weihai", "威海"), ("371302", 1, "Linyi", "临沂"), ("370502", 1, "Dongying", "东营"),
    ("320506", 0.6, "Suzhou", "苏州"), ("110105", 0.4, "Beijing", "北京"),
)
BRANDS_EN = ("Haida", "Lucheng", "Jiaodong", "Qilu", "Taishan", "Huanghai", "Dongfang", "Xinhua", "Hengtai", "Ruifeng",
             "Jinyu", "Longwei", "Shengda", "Tianyuan", "Baoli", "Zhongxing", "Hongqi", "Yuhua", "Kangda", "Mingyang")
BRANDS_ZH = ("海达", "鲁城", "胶东", "齐鲁", "泰山", "黄海", "东方", "新华", "恒泰", "瑞丰",
             "金宇", "龙威", "盛达", "天元", "宝利", "中兴", "红旗", "玉华", "康达", "明阳")
VERIFIERS_EN = ("China Quality Certification Centre", "SGS-CSTC Standards Technical Services", "CEPREI Certification Body")
VERIFIERS_ZH = ("中国质量认证中心", "通标标准技术服务有限公司", "赛宝认证中心")
MARKETS = ("US", "DE", "JP", "KR", "GB", "AU", "SG", "AE", "NL", "FR", "BR", "ZA")
EXPORT_GROUPS = {"appliance", "tyre", "beer", "textile", "steel"}


# --- companies and products (the plan: cheap, drawn apart from the lines) -------------------------


@dataclass(frozen=True)
class PlannedProduct:
    key: str  # <uscc>/<product_code>
    category: str
    declared_unit: str
    year: int
    target: float  # kgCO2e per declared unit aimed at
    prefix: str  # the product cells of every row of this product, CSV-quoted, with a trailing comma
    boundary: str
    production_volume: float


@dataclass(frozen=True)
class PlannedCompany:
    number: int
    uscc: str
    group: str
    encoding: str  # utf-8, utf-8-sig or gb18030
    chinese: bool
    products: tuple[PlannedProduct, ...]

    @property
    def file_name(self) -> str:
        return f"company-{self.number:05d}.csv"


def _rng(seed: int, number: int, purpose: int) -> np.random.Generator:
    return np.random.default_rng([seed, number, purpose])


def _org_code(number: int) -> str:
    """9 USCC characters unique per company number: 'MA' + 7 base-31 digits."""
    digits = []
    for _ in range(7):
        number, remainder = divmod(number, 31)
        digits.append(USCC_ALPHABET[remainder])
    return "MA" + "".join(reversed(digits))


class _Draws:
    """Uniform draws in [0, 1) for planning, from Python's generator (stable for a given str seed)."""

    def __init__(self, seed: int, number: int) -> None:
        self._random = random.Random(f"pcf-generate/{seed}/{number}").random

    def uniform(self, low: float = 0.0, high: float = 1.0) -> float:
        return low + (high - low) * self._random()

    def index(self, count: int) -> int:
        return min(int(self._random() * count), count - 1)

    def pick(self, weighted: tuple, weight_index: int = 0):
        total = sum(item[weight_index] for item in weighted)
        point = self._random() * total
        for item in weighted:
            point -= item[weight_index]
            if point < 0:
                return item
        return weighted[-1]


def _csv_cell(text: str) -> str:
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


_PRODUCT_NAMES = tuple(c.name for c in PRODUCT_COLUMNS)
_DISCLOSURES = ("public",) * 7 + ("restricted",) * 2 + ("private",)


def plan_company(number: int, products: int, seed: int = 0) -> PlannedCompany:
    """Company `number` (1-based) and its products: identity, categories, volumes, targets."""
    draw = _Draws(seed, number)
    sector = draw.pick(SECTORS)
    if number <= len(STARTER_GROUPS):  # small homes still get every kind of supplier link
        sector = next(s for s in SECTORS if s[1] == STARTER_GROUPS[number - 1])
    _, group, sector_categories, grave_share = sector
    area_code, _, city_en, city_zh = draw.pick(AREAS, 1)
    uscc = make_uscc("91" + area_code + _org_code(number))
    if number % GB18030_EVERY == 0:
        encoding, chinese = "gb18030", True
    else:
        encoding = "utf-8-sig" if number % 7 == 3 else "utf-8"
        chinese = number % 10 == 4
    brand = draw.index(len(BRANDS_EN))
    sector_en, sector_zh = SECTOR_NAMES[group]
    if chinese:
        company_name = f"{city_zh}{BRANDS_ZH[brand]}{sector_zh}有限公司"
    else:
        company_name = f"{city_en} {BRANDS_EN[brand]} {sector_en} Co., Ltd."
    year = 2024 if draw.uniform() < 0.15 else 2025
    seeded = categories()
    planned = []
    for index in range(1, products + 1):
        category_code = sector_categories[draw.index(len(sector_categories))]
        category = seeded[category_code]
        mass, (low, high), stem_en, stem_zh = PRODUCT_FACTS[category_code]
        production_volume = float(round(math.exp(draw.uniform(math.log(low), math.log(high)))))
        target = category.target * draw.uniform(0.75, 1.3)
        boundary = "cradle_to_grave" if draw.uniform() < grave_share else "cradle_to_gate"
        disclosure = _DISCLOSURES[draw.index(len(_DISCLOSURES))]
        product_code = f"P{index:03d}-{category_code.split('.')[-1][:4].upper()}"
        model = 100 + draw.index(900)
        verified = draw.uniform() < 0.4
        verifier = (VERIFIERS_ZH if chinese else VERIFIERS_EN)[draw.index(3)]
        verification_date = f"{year + 1}-0{1 + draw.index(5)}-{10 + draw.index(18)}"
        export = group in EXPORT_GROUPS and draw.uniform() < 0.35
        export_share = draw.uniform(0.05, 0.6)
        markets = sorted({MARKETS[draw.index(len(MARKETS))] for _ in range(1 + draw.index(3))})
        hs_suffix = 10 + draw.index(89)
        cells = {
            "company_uscc": uscc,
            "company_name": company_name,
            "product_code": product_code,
            "product_name": f"{stem_zh if chinese else stem_en} {model}",
            "product_category": category_code,
            "hs_code": f"{category.hs_heading}{hs_suffix}" if category.hs_heading else "",
            "declared_unit": category.declared_unit,
            "product_mass_kg": _sig(mass or 1.0, 4) if category.declared_unit == "piece" else "",
            "reporting_period_start": f"{year}-01-01",
            "reporting_period_end": f"{year}-12-31",
            "production_volume": str(int(production_volume)),
            "system_boundary": boundary,
            "disclosure": disclosure,
            "verifier_name": verifier if verified else "",
            "verification_date": verification_date if verified else "",
            "export_volume": str(int(production_volume * export_share)) if export else "",
            "export_markets": ";".join(markets) if export else "",
        }
        cells["company_name"], cells["product_name"] = _csv_cell(company_name), _csv_cell(cells["product_name"])
        prefix = ",".join([cells[name] for name in _PRODUCT_NAMES]) + ","
        planned.append(
            PlannedProduct(f"{uscc}/{product_code}", category_code, category.declared_unit, year, target, prefix, boundary, production_volume)
        )
    return PlannedCompany(number, uscc, group, encoding, chinese, tuple(planned))


class SupplierPool:
    """Products of the companies planned so far, by category and reporting year."""

    def __init__(self) -> None:
        self._by: dict[tuple[str, int], list[PlannedProduct]] = {}

    def add(self, company: PlannedCompany) -> None:
        for product in company.products:
            self._by.setdefault((product.category, product.year), []).append(product)

    def candidates(self, categories_: tuple[str, ...], year: int) -> list[list[PlannedProduct]]:
        """Lists to choose from: the supplier's period must end no later than the buyer's."""
        return [
            self._by[(category, supplier_year)]
            for category in categories_
            for supplier_year in (2024, 2025)
            if supplier_year <= year and (category, supplier_year) in self._by
        ]


# --- activity lines ---------------------------------------------------------------------------------

assert all(
    stages == LIFECYCLE_STAGES[: len(stages)] for stages in BOUNDARY_STAGES.values()
), "a boundary's stages are the first stages of LIFECYCLE_STAGES"

_SHARES = ("", "", "", "", "", "", "1", "0.9", "0.75", "0.6")
_DATA_SOURCES = ("primary", "secondary")


@dataclass(frozen=True)
class _GroupTable:
    """Everything a group's lines are drawn from, flattened into arrays for vectorised draws.

    Uses are numbered across stages; each use has a run of variants (ways of writing its line:
    activity code or named factor, unit, data source, allocation share) at `variant_offset[use]`.
    A variant's line is `head + amount + unit_tail`, and `per_amount` kgCO2e per unit of amount.
    """

    stage_use_cumulative: tuple[np.ndarray, ...]  # per stage: cumulative weights of its uses (ends at 1)
    stage_use_offset: np.ndarray  # per stage: number of the stage's first use
    supplier_categories: tuple[tuple[str, ...], ...]  # per use; () when not a supplier use
    use_names: tuple[str, ...]  # per use, as written in the activity_name cell
    use_stage: tuple[str, ...]
    variant_offset: np.ndarray
    variant_count: np.ndarray
    per_amount: np.ndarray  # per variant
    head: tuple[str, ...]  # per variant: "<stage>,<activity_name>,"
    unit: tuple[str, ...]
    tail: tuple[str, ...]  # per variant: ",<activity_code>,<factor_id>,<supplier_product>,<data_source>,<share>"
    unit_tail: tuple[str, ...]


def _variants(code: str) -> list[tuple[str, str, float]]:
    """(unit, tail, per_amount) for every way to write a line of activity `code`: by activity code
    (most often) or a named factor, in any unit of the factor's dimension (its own unit most often),
    primary or secondary, with or without an allocation share."""
    activity = _ACTIVITY[code]
    named = [f for f in factors() if f.activity.code == code and f.cells["status"] == "active"
             and units()[f.unit][0] == units()[activity.unit][0]]
    out = []
    for unit in _convertible(activity.unit):
        repeat = 3 if unit == activity.unit else 1
        for share in _SHARES:
            share_value = float(share) if share else 1.0
            for source in _DATA_SOURCES:
                per = activity.nominal * _conversion(unit, activity.unit) * share_value
                out.extend([(unit, f",{code},,,{source},{share}", per)] * repeat)
                named_factor = named[len(out) % len(named)]
                per = named_factor.value * _conversion(unit, named_factor.unit) * share_value
                out.append((unit, f",,{named_factor.factor_id},,{source},{share}", per))
    return out


@cache
def _group_table(group: str, chinese: bool) -> _GroupTable:
    cumulative, offsets, suppliers, names, stages_of_use = [], [], [], [], []
    variant_offset, variant_count, per, head, unit, tail = [], [], [], [], [], []
    for stage in LIFECYCLE_STAGES:
        uses = GROUPS[group].get(stage, ())
        offsets.append(len(names))
        weights = np.cumsum([u[0] for u in uses]) if uses else np.array([1.0])
        cumulative.append(weights / weights[-1])
        for _, code, name_en, name_zh in uses:
            supplier_categories: tuple[str, ...] = ()
            if code.startswith("supplier:"):
                supplier_part, code = code.removeprefix("supplier:").split(">")
                supplier_categories = tuple(supplier_part.split("|"))
            name = _csv_cell(name_zh if chinese else name_en)
            suppliers.append(supplier_categories)
            names.append(name)
            stages_of_use.append(stage)
            variants = _variants(code)
            variant_offset.append(len(per))
            variant_count.append(len(variants))
            for variant_unit, variant_tail, variant_per in variants:
                head.append(f"{stage},{name},")
                unit.append(variant_unit)
                tail.append(variant_tail)
                per.append(variant_per)
    return _GroupTable(
        tuple(cumulative), np.array(offsets), tuple(suppliers), tuple(names), tuple(stages_of_use),
        np.array(variant_offset), np.array(variant_count), np.array(per), tuple(head), tuple(unit),
        tuple(tail), tuple("," + u + t for u, t in zip(unit, tail, strict=True)),
    )


@cache
def _stage_cumulative(boundary: str) -> np.ndarray:
    """Cumulative line weights of the boundary's stages (how many lines each stage gets)."""
    weights = np.cumsum([STAGE_LINE_WEIGHTS[s] for s in BOUNDARY_STAGES[boundary]])
    return weights / weights[-1]


def _stage_shares(group: str, boundary: str) -> np.ndarray:
    """Share of the footprint per stage (all five, zero outside the boundary)."""
    stages = BOUNDARY_STAGES[boundary]
    shares = STAGE_SHARES.get(group, _GATE_SHARES) if boundary == "cradle_to_grave" else _GATE_SHARES
    total = sum(shares[s] for s in stages)
    return np.array([shares[s] / total if s in stages else 0.0 for s in LIFECYCLE_STAGES])


def _format_amounts(values: np.ndarray) -> list[str]:
    """Amounts as plain decimals: 3 decimals from 1 up, about 6 significant digits below 1."""
    safe = np.maximum(values, 1e-12)
    decimals = np.where(safe >= 1, 3, np.clip(5 - np.floor(np.log10(safe)), 3, 12))
    scale = 10.0 ** decimals
    return list(map(repr, (np.round(values * scale) / scale).tolist()))


@dataclass
class _Counts:
    lines: int = 0
    bad_rows: int = 0
    bad_products: int = 0
    supplier_links: int = 0


def company_rows(company: PlannedCompany, lines: int, pool: SupplierPool, seed: int, counts: _Counts) -> list[str]:
    """The data rows of one company's file: `lines` rows for each of its products, in product order.

    Drawn as arrays for the whole company: each product's stages (every stage of its boundary at
    least once, the rest by STAGE_LINE_WEIGHTS), a use per line, a variant per use; each line's
    kgCO2e is the product's target × production volume × the stage's share × the line's weight
    within its stage, and its amount that kgCO2e over the variant's nominal kgCO2e per unit.
    """
    rng = _rng(seed, company.number, 1)
    table = _group_table(company.group, company.chinese)
    products = company.products
    count = len(products)
    shape = (count, lines)
    stage = np.empty(shape, dtype=np.int64)
    stage_draw, weight, use_draw, variant_draw, link_draw, bad_draw = (
        rng.random(shape), rng.uniform(0.3, 1.7, shape), rng.random(shape), rng.random(shape),
        rng.random(shape), rng.random(shape),
    )
    shares = np.empty((count, len(LIFECYCLE_STAGES)))
    for boundary, stages in BOUNDARY_STAGES.items():
        rows = np.array([p.boundary == boundary for p in products])
        if not rows.any():
            continue
        required = min(len(stages), lines)
        block = np.minimum(np.searchsorted(_stage_cumulative(boundary), stage_draw[rows], side="right"), len(stages) - 1)
        block[:, :required] = np.arange(required)
        stage[rows] = block
        shares[rows] = _stage_shares(company.group, boundary)
    stage.sort(axis=1)
    row_of_line = np.repeat(np.arange(count), lines).reshape(shape)
    stage_weight = np.bincount((row_of_line * 5 + stage).ravel(), weights=weight.ravel(), minlength=count * 5).reshape(count, 5)
    totals = np.array([p.target * p.production_volume for p in products])[:, None]
    contribution = weight * shares[row_of_line, stage] * totals / stage_weight[row_of_line, stage]

    use = np.empty(shape, dtype=np.int64)
    for stage_number, cumulative in enumerate(table.stage_use_cumulative):
        at = stage == stage_number
        if at.any():
            local = np.minimum(np.searchsorted(cumulative, use_draw[at], side="right"), len(cumulative) - 1)
            use[at] = table.stage_use_offset[stage_number] + local
    variant = table.variant_offset[use] + np.minimum(
        (variant_draw * table.variant_count[use]).astype(np.int64), table.variant_count[use] - 1
    )
    amounts = contribution / table.per_amount[variant]

    flat_variant = variant.ravel().tolist()
    heads = [table.head[v] for v in flat_variant]
    unit_tails = [table.unit_tail[v] for v in flat_variant]

    # Supplier links: lines of a supplier use, about half of them, when an earlier company makes one.
    is_supplier_use = np.array([bool(c) for c in table.supplier_categories] + [False])
    maybe_link = np.flatnonzero((is_supplier_use[use] & (link_draw < SUPPLIER_LINK_SHARE)).ravel())
    flat_amounts = amounts.ravel()
    flat_use = use.ravel()
    flat_contribution = contribution.ravel()
    for i in maybe_link.tolist():
        product = products[i // lines]
        lists = pool.candidates(table.supplier_categories[flat_use[i]], product.year)
        if not lists:
            continue
        u = float(link_draw.flat[i]) / SUPPLIER_LINK_SHARE
        chosen = lists[min(int(float(variant_draw.flat[i]) * len(lists)), len(lists) - 1)]
        supplier = chosen[min(int(u * len(chosen)), len(chosen) - 1)]
        options = _convertible(supplier.declared_unit)
        unit = options[1] if len(options) > 1 and float(use_draw.flat[i]) * 7 % 1 < 0.3 else options[0]
        share = _SHARES[int(float(weight.flat[i]) * 1000) % len(_SHARES)]
        per = supplier.target * _conversion(unit, supplier.declared_unit) * (float(share) if share else 1.0)
        flat_amounts[i] = flat_contribution[i] / per
        unit_tails[i] = f",{unit},,,{supplier.key},primary,{share}"
        counts.supplier_links += 1

    texts = _format_amounts(flat_amounts)

    # About BAD_ROW_RATE of the rows are bad: a negative amount, or a unit outside the catalogue.
    bad = np.flatnonzero(bad_draw.ravel() < BAD_ROW_RATE).tolist()
    for i in bad:
        draw = float(bad_draw.flat[i]) / BAD_ROW_RATE
        if draw < 0.5:
            texts[i] = "-" + texts[i]
        else:
            tail = unit_tails[i].split(",", 2)[2]
            unit_tails[i] = f",{UNKNOWN_UNITS[int(draw * 8) % len(UNKNOWN_UNITS)]},{tail}"
    counts.lines += count * lines
    counts.bad_rows += len(bad)
    counts.bad_products += len({i // lines for i in bad})

    prefixes = [p.prefix for p in products for _ in range(lines)]
    return list(map("".join, zip(prefixes, heads, texts, unit_tails, strict=True)))


HEADER = ",".join(c.name for c in SUBMISSION_COLUMNS)


def company_file_bytes(company: PlannedCompany, lines: int, pool: SupplierPool, seed: int, counts: _Counts) -> bytes:
    """The whole submission file of one company, encoded as the company writes it."""
    rows = company_rows(company, lines, pool, seed, counts)
    if company.encoding == "gb18030":
        return (HEADER + "\r\n" + "\r\n".join(rows) + "\r\n").encode("gb18030")
    data = (HEADER + "\n" + "\n".join(rows) + "\n").encode("utf-8")
    return b"\xef\xbb\xbf" + data if company.encoding == "utf-8-sig" else data


@dataclass(frozen=True)
class GenerateSummary:
    out: Path
    companies: int
    products: int  # in total
    lines: int  # activity rows written, bad ones included
    bad_rows: int
    bad_products: int  # products with at least one bad row
    supplier_links: int
    files: int  # submission files
    gb18030_files: int
    factors: int
    bytes_written: int
    seconds: float

    def as_dict(self) -> dict:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


def _check_arguments(companies: int, products: int, lines: int) -> None:
    if companies < 1 or products < 1 or lines < 2:
        raise ValueError("need at least 1 company, 1 product and 2 lines per product")
    if products > 999:
        raise ValueError("at most 999 products per company")


def _plan(number: int, products: int, lines: int, seed: int) -> PlannedCompany:
    company = plan_company(number, products, seed)
    if lines < 5:  # too few lines for five stages: every product cradle_to_gate
        company = PlannedCompany(
            company.number, company.uscc, company.group, company.encoding, company.chinese,
            tuple(
                PlannedProduct(p.key, p.category, p.declared_unit, p.year, p.target,
                               p.prefix.replace(",cradle_to_grave,", ",cradle_to_gate,"), "cradle_to_gate", p.production_volume)
                for p in company.products
            ),
        )
    return company


_PLANS: list[PlannedCompany] = []  # the plans a forked worker inherits (set just before forking)


def _write_companies(submissions: Path, first: int, stop: int, lines: int, seed: int) -> tuple[_Counts, int, int]:
    """Write the files of companies _PLANS[first:stop]; the supplier pool holds every earlier plan."""
    pool = SupplierPool()
    for company in _PLANS[:first]:
        pool.add(company)
    counts = _Counts()
    written = gb18030 = 0
    for company in _PLANS[first:stop]:
        data = company_file_bytes(company, lines, pool, seed, counts)
        (submissions / company.file_name).write_bytes(data)
        written += len(data)
        gb18030 += company.encoding == "gb18030"
        pool.add(company)
    return counts, written, gb18030


def _workers(companies: int) -> int:
    if companies < 64 or not hasattr(os, "fork"):
        return 1
    return min(cores(), 8)


def generate(
    out: Path, companies: int, products: int, lines: int, seed: int = 0, workers: int | None = None
) -> GenerateSummary:
    """Write the factor release and one submission file per company under `out/landing/`.

    Grain of the inputs: `companies` files, `products` products each, `lines` activity rows per
    product (bad rows included: about BAD_ROW_RATE of them). Deterministic in all arguments; the
    files are the same whatever the number of `workers` (forked processes writing ranges of
    companies; default one per CPU for 64 companies or more).
    """
    global _PLANS
    _check_arguments(companies, products, lines)
    started = time.perf_counter()
    out = Path(out)
    landing = out / "landing"
    write_factor_release(landing)
    submissions = landing / "submissions"
    submissions.mkdir(parents=True, exist_ok=True)
    for group in GROUPS:  # build the lookup tables once, before any fork
        _group_table(group, False), _group_table(group, True)
    _PLANS = [_plan(number, products, lines, seed) for number in range(1, companies + 1)]
    workers = workers or _workers(companies)
    try:
        if workers == 1:
            parts = [_write_companies(submissions, 0, companies, lines, seed)]
        else:
            bounds = [companies * k // workers for k in range(workers + 1)]
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
                futures = [
                    executor.submit(_write_companies, submissions, bounds[k], bounds[k + 1], lines, seed)
                    for k in range(workers)
                ]
                parts = [future.result() for future in futures]
    finally:
        _PLANS = []
    return GenerateSummary(
        out=out,
        companies=companies,
        products=companies * products,
        lines=sum(p[0].lines for p in parts),
        bad_rows=sum(p[0].bad_rows for p in parts),
        bad_products=sum(p[0].bad_products for p in parts),
        supplier_links=sum(p[0].supplier_links for p in parts),
        files=companies,
        gb18030_files=sum(p[2] for p in parts),
        factors=len(factors()),
        bytes_written=sum(p[1] for p in parts),
        seconds=round(time.perf_counter() - started, 3),
    )


def add_company(out: Path, number: int, products: int, lines: int, seed: int = 0) -> Path:
    """Write one more submission file, company `number`, as if generated after companies 1..number-1.

    Its supplier links point at those companies' products (the same plan `generate` used), so a
    bench can add one new submission on top of a generated home.
    """
    _check_arguments(number, products, lines)
    pool = SupplierPool()
    for earlier in range(1, number):
        pool.add(_plan(earlier, products, lines, seed))
    company = _plan(number, products, lines, seed)
    target = Path(out) / "landing" / "submissions" / company.file_name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(company_file_bytes(company, lines, pool, seed, _Counts()))
    return target
