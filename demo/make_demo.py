#!/usr/bin/env python3
"""Write the demo company submissions into demo/landing/submissions/ (deterministic, no wall clock).

Fictional companies in Qingdao and nearby Shandong cities report 2025 product carbon footprints for
every category of models/seeds/product_categories.csv, with supplier chains (steel mill -> appliance
maker, carbon black and natural rubber -> tyre maker, malt + bottles/cans -> brewery). Each product's
expected footprint is computed here with the SPEC §4 arithmetic from the factors of release
SD-PCF-2026.1 and asserted to lie in its target range, so the data checks itself.

Run: .venv/bin/python demo/make_demo.py   (prints the expected figures per category)
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
import zipfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from random import Random
from statistics import median

import openpyxl

from orchestration.codes import make_uscc
from orchestration.inputs import ACTIVITY_COLUMNS, PRODUCT_COLUMNS, SUBMISSION_COLUMNS

DEMO = Path(__file__).resolve().parent
REPO = DEMO.parent
OUT = DEMO / "landing" / "submissions"
FACTORS = DEMO / "landing" / "factors"
rng = Random(20250101)
GWP = {"ch4_fossil_kg": 29.8, "ch4_biogenic_kg": 27.0, "n2o_kg": 273.0, "co2_fossil_kg": 1.0, "other_ghg_kgco2e": 1.0}
YEAR, START, END = 2025, "2025-01-01", "2025-12-31"
VERIFIERS = ["China Quality Certification Centre (demo)", "CTI Certification (demo)",
             "SGS-CSTC Standards Technical Services (demo)", "Shandong Institute of Standardization (demo)"]
MARKETS = ["US", "DE", "JP", "KR", "AU", "GB", "NL", "SG", "AE", "MY", "TH", "FR", "IT", "CA", "BR", "RU"]
# target range per category (kgCO2e per declared unit), tighter than the seed's plausible range
TARGET = {
    "appliance.refrigerator": (300, 3000), "appliance.air_conditioner": (500, 5000),
    "appliance.washing_machine": (200, 1500), "appliance.television": (150, 1500),
    "tyre.passenger": (25, 60), "tyre.truck": (150, 400), "beer.bottled": (0.4, 1.6), "beer.canned": (0.4, 1.6),
    "steel.hot_rolled": (1500, 2700), "textile.cotton_fabric": (1, 6), "livestock.pig": (2.5, 6),
    "livestock.broiler": (1.5, 4), "livestock.dairy_cattle": (0.9, 2.5), "material.carbon_black": (1.5, 5),
    "material.natural_rubber": (400, 1500), "material.malt": (500, 1200), "packaging.glass_bottle": (0.1, 0.6),
    "packaging.aluminium_can": (0.08, 0.3),
}
HS = {"appliance.refrigerator": "841821", "appliance.air_conditioner": "841510", "appliance.washing_machine": "845011",
      "appliance.television": "852872", "tyre.passenger": "401110", "tyre.truck": "401120", "beer.bottled": "220300",
      "beer.canned": "22030000", "steel.hot_rolled": "720839", "textile.cotton_fabric": "520812",
      "material.carbon_black": "280300", "livestock.broiler": "010594"}


# ---- reference data ----------------------------------------------------------------------------

def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


UNITS = {r["unit"]: (r["dimension"], float(r["to_base"])) for r in read_csv(REPO / "models/seeds/units.csv")}
CATEGORIES = {r["category_code"]: r for r in read_csv(REPO / "models/seeds/product_categories.csv")}


def factor_set(*releases: str) -> dict[str, dict[str, str]]:
    """The factors in effect after applying the releases in order (full replaces, delta adds/withdraws)."""
    in_effect: dict[str, dict[str, str]] = {}
    for release in releases:
        meta = json.loads((FACTORS / release / "release.json").read_text(encoding="utf-8"))
        if meta["release_type"] == "full":
            in_effect = {}
        for row in read_csv(FACTORS / release / "factors.csv"):
            if row["status"] == "withdrawn":
                in_effect.pop(row["factor_id"], None)
            else:
                in_effect[row["factor_id"]] = row
    return in_effect


def factor_values(row: dict[str, str]) -> tuple[float, float]:
    """(kgCO2e excl. biogenic CO2, biogenic CO2 kg) per activity unit, AR6."""
    if row["co2e_kg"]:
        return float(row["co2e_kg"]), 0.0
    ghg = sum(float(row[gas] or 0) * gwp for gas, gwp in GWP.items())
    return ghg, float(row["co2_biogenic_kg"] or 0)


def choose_factor(factors: dict, activity_code: str, unit: str, area6: str) -> dict[str, str]:
    """SPEC §3.1: most specific geography containing the company, latest year not after 2025, smallest id."""
    rank = {f"CN-SD-{area6[:4]}00": 0, "CN-SD": 1, "CN": 2, "GLO": 3}
    candidates = [f for f in factors.values() if f["activity_code"] == activity_code and f["geography"] in rank
                  and UNITS[f["activity_unit"]][0] == UNITS[unit][0]]
    assert candidates, (activity_code, unit)

    def key(f):
        year = int(f["reference_year"])
        return rank[f["geography"]], year > YEAR, -year if year <= YEAR else year, f["factor_id"]
    return min(candidates, key=key)


# ---- companies ---------------------------------------------------------------------------------

ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_code(seed: Random) -> str:
    """A 9-character organisation code with its GB 11714 check character."""
    body = "".join(seed.choice(ORG_ALPHABET[:10] if i < 2 else ORG_ALPHABET) for i in range(8))
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2)))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


class Company:
    def __init__(self, key, name_en, name_zh, area6, fmt="csv", file_name=None):
        self.key, self.name_en, self.name_zh, self.area6, self.fmt = key, name_en, name_zh, area6, fmt
        self.uscc = make_uscc("91" + area6 + org_code(rng))
        self.file_name = file_name or f"{name_en} PCF 2025.csv"
        self.products: list[dict] = []

    @property
    def name(self):  # Chinese name in GB18030 files and XLSX, English elsewhere
        return self.name_zh if self.fmt in ("gb18030", "gb18030_zh") else self.name_en


COMPANIES: list[Company] = []


def company(*args, **kw) -> Company:
    COMPANIES.append(Company(*args, **kw))
    return COMPANIES[-1]


PRODUCTS: dict[str, dict] = {}  # "<uscc>/<product_code>" -> product


def product(co: Company, code: str, name: str, category: str, volume: float, rows: list[tuple], mass=None,
            boundary=None, export=None):
    """Register a product; rows are (stage, activity name, quantity per declared unit, unit, ref, extra)."""
    cat = CATEGORIES[category]
    boundary = boundary or ("cradle_to_grave" if category.split(".")[0] in ("appliance", "tyre") else "cradle_to_gate")
    p = dict(company=co, product_code=code, product_name=name, product_category=category,
             declared_unit=cat["declared_unit"], product_mass_kg=mass, production_volume=volume,
             system_boundary=boundary, rows=rows)
    r = rng.random()
    p["disclosure"] = "public" if r < 0.82 else ("restricted" if r < 0.94 else "private")
    if rng.random() < 0.34:
        p["verifier_name"] = rng.choice(VERIFIERS)
        p["verification_date"] = f"2026-03-{rng.randint(2, 27):02d}"
    if export:
        p["hs_code"] = HS.get(category, "")
        p["export_volume"] = round(volume * export, 0 if volume > 100 else 3)
        p["export_markets"] = ";".join(sorted(rng.sample(MARKETS, rng.randint(2, 5))))
    co.products.append(p)
    PRODUCTS[f"{co.uscc}/{code}"] = p
    return f"{co.uscc}/{code}"


def jit(x: float, spread: float = 0.1) -> float:
    return x * (1 + rng.uniform(-spread, spread))


def fmt(x: float) -> str:
    """At most 7 significant digits, no exponent."""
    if x == 0:
        return "0"
    text = f"{x:.7g}"
    if "e" in text:
        text = f"{float(text):.0f}" if abs(x) >= 1 else f"{x:.10f}".rstrip("0")
    return text


# ---- the arithmetic (SPEC §4) ------------------------------------------------------------------

def materialise(p: dict):
    """Turn per-unit quantities into written period amounts (rounded as written)."""
    out = []
    for stage, name, qty, unit, ref, *extra in p["rows"]:
        opts = extra[0] if extra else {}
        share = opts.get("share", 1.0)
        amount = fmt(p["production_volume"] * qty / share)
        out.append(dict(lifecycle_stage=stage, activity_name=name, amount=amount, unit=unit,
                        activity_code=ref if isinstance(ref, str) else "",
                        factor_id=ref[1] if isinstance(ref, tuple) and ref[0] == "id" else "",
                        supplier_product=ref[1] if isinstance(ref, tuple) and ref[0] == "sup" else "",
                        data_source="primary" if (isinstance(ref, tuple) and ref[0] == "sup") or opts.get("primary")
                        else "secondary",
                        allocation_share="" if share == 1.0 else fmt(share)))
    p["activities"] = out


def footprint(p: dict, factors: dict, memo: dict) -> tuple[float, float, dict]:
    """(excl. biogenic, biogenic CO2, per-stage) kgCO2e per declared unit."""
    key = f"{p['company'].uscc}/{p['product_code']}"
    if key in memo:
        return memo[key]
    ghg, bio, stages = 0.0, 0.0, defaultdict(float)
    for a in p["activities"]:
        amount = float(a["amount"]) * float(a["allocation_share"] or 1)
        if a["supplier_product"]:
            sup = PRODUCTS[a["supplier_product"]]
            s_ghg, s_bio, _ = footprint(sup, factors, memo)
            dim, to_base = UNITS[sup["declared_unit"]]
            assert UNITS[a["unit"]][0] == dim
            conv = UNITS[a["unit"]][1] / to_base
            g, b = amount * conv * s_ghg, amount * conv * s_bio
        else:
            row = factors[a["factor_id"]] if a["factor_id"] else choose_factor(factors, a["activity_code"], a["unit"], p["company"].area6)
            assert UNITS[row["activity_unit"]][0] == UNITS[a["unit"]][0], (a, row)
            conv = UNITS[a["unit"]][1] / UNITS[row["activity_unit"]][1]
            f_ghg, f_bio = factor_values(row)
            g, b = amount * conv * f_ghg, amount * conv * f_bio
        ghg += g
        bio += b
        stages[a["lifecycle_stage"]] += g
    volume = p["production_volume"]
    memo[key] = (ghg / volume, bio / volume, {k: v / volume for k, v in stages.items()})
    return memo[key]


# ---- the companies and their products ----------------------------------------------------------

TRUCK = ("id", "transport.road.truck")  # the well-to-wheel factor; its id is also the smallest for the code
SEA = ("id", "transport.sea.container")
RAIL = "transport.rail.freight"
ELEC = "electricity.grid"


def water(m3: float, stage="production"):
    return [(stage, "Tap water", m3, "m3", "water.tap"), (stage, "Wastewater to treatment", m3 * 0.85, "m3", "wastewater.treatment")]


# Suppliers first -------------------------------------------------------------------------------
STEEL, CB, NR, MALT, BOTTLE, CAN = [], [], [], [], [], []

for key, en, zh, area, fmt_, fname, n, coal in [
    ("rzsteel", "Rizhao Donggang Iron and Steel Co., Ltd.", "日照东港钢铁有限公司", "371102", "xlsx", "rizhao-donggang-steel_PCF_2025.xlsx", 3, 17.5),
    ("hdsteel", "Qingdao Huangdao Special Steel Co., Ltd.", "青岛黄岛特钢有限公司", "370211", "csv", None, 2, 15.0),
    ("zbsteel", "Zibo Zhangdian Iron and Steel Works", "淄博张店钢铁厂", "370303", "gb18030", "淄博张店钢铁_2025年产品碳足迹.csv", 2, 18.5),
    ("lysteel", "Linyi Lanshan Metal Rolling Co., Ltd.", "临沂兰山金属轧制有限公司", "371302", "bom", None, 2, 13.0)]:
    co = company(key, en, zh, area, fmt_, fname)
    for i in range(n):
        scrap = rng.uniform(0.05, 0.3)
        rows = [("raw_materials", "Iron ore fines and pellets", jit(1.6 - scrap, 0.04), "t", "mineral.iron_ore"),
                ("raw_materials", "Coking and injection coal, mining", jit(0.63 - scrap * 0.5, 0.05), "t", "fuel.coal.mining"),
                ("raw_materials", "Limestone and dolomite flux", jit(180, 0.1), "kg", "mineral.limestone"),
                ("raw_materials", "Ore by rail from port", jit((1.6 - scrap) * 280, 0.2), "tkm", RAIL),
                ("production", "Coal and coke combustion in BF/BOF/reheating", jit(coal * (1 - scrap * 0.8), 0.06), "GJ", "fuel.coal", {"primary": True}),
                ("production", "Flux calcination", jit(0.18, 0.1), "t", "process.limestone_calcination", {"primary": True}),
                ("production", "Purchased electricity", jit(420, 0.15), "kWh", ELEC, {"primary": True}),
                ("production", "Natural gas, reheating furnace", jit(0.6, 0.3), "GJ", "fuel.natural_gas", {"primary": True}),
                *water(jit(3.0))]
        grade = ["Q235B", "Q355B", "SPHC", "SS400", "Q345R"][(i + len(STEEL)) % 5]
        STEEL.append(product(co, f"HRC-{grade}-{i + 1}", f"Hot-rolled coil {grade} {rng.choice([2.0, 3.0, 4.5, 6.0])} mm",
                             "steel.hot_rolled", round(jit(1.2e6, 0.5), -3), rows, export=0.15 if i == 0 else None))

for key, en, zh, area, fmt_, fname in [
    ("zbcb", "Zibo Zhangdian Carbon Black Co., Ltd.", "淄博张店炭黑有限公司", "370303", "csv", None),
    ("wfcb", "Weifang Hanting Chemical Carbon Co., Ltd.", "潍坊寒亭化工炭素有限公司", "370703", "gb18030", "寒亭化工炭素 碳足迹报送2025.csv"),
    ("lycb", "Linyi Lanshan Black Materials Co., Ltd.", "临沂兰山黑色材料有限公司", "371302", "csv", None),
    ("jzcb", "Qingdao Jiaozhou Blackstone Carbon Co., Ltd.", "青岛胶州黑石炭素有限公司", "370281", "pact", "blackstone_pact_v3_footprints_2025.json")]:
    co = company(key, en, zh, area, fmt_, fname)
    for grade in rng.sample(["N220", "N234", "N330", "N550", "N660"], 2):
        rows = [("raw_materials", "Carbon black feedstock oil", jit(1.75, 0.08), "kg", "chem.carbon_black_feedstock"),
                ("raw_materials", "Feedstock by road", jit(0.00175 * 250, 0.3), "tkm", TRUCK),
                ("production", "Furnace process emissions", 1.0, "kg", "process.carbon_black", {"primary": True}),
                ("production", "Natural gas, reactor and dryer", jit(0.004, 0.25), "GJ", "fuel.natural_gas", {"primary": True}),
                ("production", "Purchased electricity", jit(0.35, 0.2), "kWh", ELEC, {"primary": True}),
                *water(jit(0.005))]
        CB.append(product(co, f"CB-{grade}", f"Carbon black {grade}", "material.carbon_black", round(jit(6e7, 0.4), -3), rows))

for key, en, zh, area, fmt_, fname, origin in [
    ("hdnr", "Qingdao Huangdao Rubber Processing Co., Ltd.", "青岛黄岛橡胶加工有限公司", "370211", "csv", None, "sea"),
    ("lcnr", "Qingdao Licang Natural Rubber Co., Ltd.", "青岛李沧天然橡胶有限公司", "370213", "bom", None, "rail"),
    ("rznr", "Rizhao Donggang Rubber Trading Co., Ltd.", "日照东港橡胶贸易有限公司", "371102", "csv", None, "sea")]:
    co = company(key, en, zh, area, fmt_, fname)
    for grade in rng.sample(["STR20", "SCR10", "SCR WF", "RSS3", "SVR3L"], 2):
        haul = (("raw_materials", "Cup lump by container ship from Southeast Asia", jit(2900 / 18, 0.2), "TEUkm", SEA)
                if origin == "sea" else ("raw_materials", "Cup lump by rail from Yunnan", jit(2800, 0.1), "tkm", RAIL))
        rows = [("raw_materials", "Field latex and cup lump (dry rubber)", jit(1.02, 0.02), "t", "rubber.cup_lump"), haul,
                ("production", "Purchased electricity, crumbling and baling", jit(180, 0.2), "kWh", ELEC, {"primary": True}),
                ("production", "Natural gas, drying", jit(1.8, 0.2), "GJ", "fuel.natural_gas", {"primary": True}),
                *water(jit(15, 0.2))]
        NR.append(product(co, f"NR-{grade.replace(' ', '')}", f"Natural rubber {grade}", "material.natural_rubber",
                          round(jit(40000, 0.5), -1), rows))

for key, en, zh, area, fmt_, fname, heat in [
    ("pdmalt", "Pingdu Golden Barley Malting Co., Ltd.", "平度金麦制麦有限公司", "370283", "csv", None, "heat.steam"),
    ("wfmalt", "Weifang Hanting Malt Industry Co., Ltd.", "潍坊寒亭麦芽实业有限公司", "370703", "gb18030_zh", "潍坊麦芽-产品碳足迹(2025).csv", "fuel.natural_gas"),
    ("jzmalt", "Jiaozhou Bay Malting Co., Ltd.", "胶州湾制麦有限公司", "370281", "csv", None, "fuel.coal")]:
    co = company(key, en, zh, area, fmt_, fname)
    for kind in ("Pilsner", "Pale ale" if key != "jzmalt" else "Munich"):
        rows = [("raw_materials", "Malting barley", jit(1.28, 0.03), "t", "grain.barley"),
                ("raw_materials", "Barley by rail", jit(1.28 * 1200, 0.3), "tkm", RAIL),
                ("production", "Kilning heat", jit(3.0 if heat == "heat.steam" else 3.3, 0.1), "GJ", heat, {"primary": True}),
                ("production", "Purchased electricity", jit(110, 0.15), "kWh", ELEC, {"primary": True}),
                *water(jit(5.0, 0.2))]
        MALT.append(product(co, f"MALT-{kind[:3].upper()}", f"{kind} malt", "material.malt", round(jit(120000, 0.4), -1), rows))

for key, en, zh, area, fmt_, fname in [
    ("zbglass", "Zibo Boshan Glassworks Co., Ltd.", "淄博博山玻璃制品有限公司", "370303", "csv", None),
    ("cyglass", "Qingdao Chengyang Glass Container Co., Ltd.", "青岛城阳玻璃容器有限公司", "370214", "csv", "Chengyang Glass - PCF submission 2025.csv"),
    ("lyglass", "Linyi Lanshan Glass Bottle Co., Ltd.", "临沂兰山玻璃瓶有限公司", "371302", "csv", None)]:
    co = company(key, en, zh, area, fmt_, fname)
    for ml, kg in rng.sample([(330, 0.24), (500, 0.36), (600, 0.42), (640, 0.45)], 2):
        m = jit(kg, 0.05)
        rows = [("raw_materials", "Silica sand", m * 0.6, "kg", "mineral.silica_sand"),
                ("raw_materials", "Soda ash", m * 0.18, "kg", "chem.soda_ash"),
                ("raw_materials", "Limestone and dolomite", m * 0.17, "kg", "mineral.limestone"),
                ("production", "Carbonate decomposition in the furnace", m * 0.7, "kg", "process.glass_melting", {"primary": True}),
                ("production", "Natural gas, melting furnace", m * jit(0.0055), "GJ", "fuel.natural_gas", {"primary": True}),
                ("production", "Purchased electricity", m * jit(0.28), "kWh", ELEC, {"primary": True}),
                *water(m * 0.002)]
        BOTTLE.append(product(co, f"GB-{ml}", f"Amber beer bottle {ml} mL", "packaging.glass_bottle",
                              round(jit(3e8, 0.5), -3), rows, mass=round(m, 3)))

for key, en, zh, area, fmt_, fname in [
    ("hdcan", "Qingdao Huangdao Can Making Co., Ltd.", "青岛黄岛制罐有限公司", "370211", "csv", None),
    ("jncan", "Jinan Lixia Beverage Can Co., Ltd.", "济南历下饮料罐有限公司", "370102", "csv", "jinan_lixia_can_pcf_2025.csv"),
    ("whcan", "Weihai Huancui Packaging Co., Ltd.", "威海环翠包装有限公司", "371002", "csv", None)]:
    co = company(key, en, zh, area, fmt_, fname)
    for ml, kg in [(330, 0.0105), (500, 0.0135)]:
        m = jit(kg, 0.04)
        rows = [("raw_materials", "Aluminium can body and end stock", m * 1.07, "kg", "aluminium.can_sheet"),
                ("raw_materials", "Coil by road", m * 1.07 / 1000 * jit(400, 0.3), "tkm", TRUCK),
                ("production", "Purchased electricity", jit(0.045, 0.15), "kWh", ELEC, {"primary": True, "share": 0.5}),
                ("production", "Natural gas, curing ovens", jit(0.00012, 0.2), "GJ", "fuel.natural_gas", {"primary": True}),
                *water(0.0008)]
        CAN.append(product(co, f"CAN-{ml}", f"Aluminium beverage can {ml} mL", "packaging.aluminium_can",
                           round(jit(9e8, 0.4), -3), rows, mass=round(m, 4)))

# Appliances ------------------------------------------------------------------------------------


def steel_rows(kg: float, stage_name: str = "Steel sheet and coil"):
    supplier = rng.choice(STEEL)
    if rng.random() < 0.2:  # some makers still report generic steel
        return [("raw_materials", stage_name + " (generic)", kg, "kg", "steel.hot_rolled")]
    return [("raw_materials", stage_name, kg, "kg", ("sup", supplier))]


def appliance_tail(mass: float, use_kwh: float, export: float, refrigerant=None, eol_refrigerant=0.0):
    rows = [("distribution", "Road delivery to distribution centres", mass / 1000 * jit(900, 0.3), "tkm", TRUCK)]
    if export:
        rows.append(("distribution", "Export by container ship", export * jit(9000 / 60, 0.3), "TEUkm", SEA))
    rows.append(("use", "Electricity in use over the service life", use_kwh, "kWh", ELEC))
    if refrigerant:
        rows.append(("use", "Refrigerant leakage in use", refrigerant[1], "kg", refrigerant[0]))
    rows += [("end_of_life", "WEEE dismantling and shredding", mass * 0.85, "kg", "waste.weee_treatment"),
             ("end_of_life", "Residues to landfill", mass * 0.1, "kg", "waste.landfill"),
             ("end_of_life", "Foam and plastics residues incinerated", mass * 0.05, "kg", "waste.incineration")]
    if refrigerant and eol_refrigerant:
        rows.append(("end_of_life", "Refrigerant not recovered", eol_refrigerant, "kg", refrigerant[0]))
    return rows


def fridge(co, i):
    litres = rng.choice([180, 215, 260, 320, 410, 470, 520])
    mass = jit(35 + litres * 0.08, 0.05)
    kwh_year = jit(0.45 * litres + 90, 0.15)
    export = rng.choice([0, 0, 0.2, 0.35])
    rows = [*steel_rows(mass * 0.45),
            ("raw_materials", "Cold-rolled door panels", mass * 0.06, "kg", "steel.cold_rolled"),
            ("raw_materials", "HIPS liners", mass * 0.13, "kg", "plastic.ps"),
            ("raw_materials", "ABS parts", mass * 0.05, "kg", "plastic.abs"),
            ("raw_materials", "PP parts", mass * 0.03, "kg", "plastic.pp"),
            ("raw_materials", "Polyurethane insulation foam", mass * 0.10, "kg", "plastic.pu_foam"),
            ("raw_materials", "Copper tubing and compressor windings", mass * 0.03, "kg", "copper.cathode"),
            ("raw_materials", "Aluminium evaporator", mass * 0.012, "kg", "aluminium.primary"),
            ("raw_materials", "Tempered glass shelves", mass * 0.05, "kg", "glass.tempered"),
            ("raw_materials", "Control board", jit(0.25), "kg", ("id", "electronics.pcba")),
            ("raw_materials", "Corrugated packaging", jit(3.0), "kg", "paper.corrugated_board"),
            ("production", "Plant electricity (shared lines)", jit(45), "kWh", ELEC, {"primary": True, "share": rng.choice([0.3, 0.45, 1.0])}),
            ("production", "Natural gas, foaming and thermoforming", jit(0.15), "GJ", "fuel.natural_gas", {"primary": True}),
            ("production", "Refrigerant losses at charging", 0.002, "kg", "refrigerant.r600a", {"primary": True}),
            *water(0.3),
            *appliance_tail(mass, kwh_year * 10, export, ("refrigerant.r600a", 0.005), 0.03)]
    return product(co, f"BCD-{litres}W{rng.choice('ABCDEFGH')}{i}", f"{litres} L frost-free refrigerator",
                   "appliance.refrigerator", round(jit(4e5, 0.5), -2), rows, mass=round(mass, 1), export=export)


def aircon(co, i):
    kw = rng.choice([2.6, 3.5, 5.1])
    mass = jit(20 + kw * 6, 0.05)
    r290 = rng.random() < 0.25
    refrigerant = "refrigerant.r290" if r290 else "refrigerant.r32"
    charge = kw * (0.08 if r290 else 0.28)
    kwh_year = jit(kw * 85, 0.2)
    export = rng.choice([0, 0.25, 0.4])
    rows = [*steel_rows(mass * 0.38),
            ("raw_materials", "Copper tubing", mass * 0.17, "kg", "copper.cathode"),
            ("raw_materials", "Aluminium fins", mass * 0.11, "kg", "aluminium.primary"),
            ("raw_materials", "ABS housings", mass * 0.12, "kg", "plastic.abs"),
            ("raw_materials", "PP parts", mass * 0.06, "kg", "plastic.pp"),
            ("raw_materials", "Inverter and control boards", jit(0.7), "kg", "electronics.pcba"),
            ("raw_materials", "Corrugated packaging", jit(2.5), "kg", ("id", "paper.corrugated_board")),
            ("production", "Plant electricity", jit(35), "kWh", ELEC, {"primary": True}),
            ("production", "Natural gas, brazing", jit(0.1), "GJ", "fuel.natural_gas", {"primary": True}),
            ("production", "Refrigerant losses at charging", charge * 0.005, "kg", refrigerant, {"primary": True}),
            *water(0.2),
            *appliance_tail(mass, kwh_year * 10, export, (refrigerant, charge * 0.2), charge * 0.25)]
    code = f"KFR-{int(kw * 10)}GW-{'R290' if r290 else 'R32'}-{i}"
    return product(co, code, f"{kw} kW split air conditioner ({'R290' if r290 else 'R32'})", "appliance.air_conditioner",
                   round(jit(6e5, 0.5), -2), rows, mass=round(mass, 1), export=export)


def washer(co, i):
    kg = rng.choice([7, 8, 10, 12])
    mass = jit(45 + kg * 2.5, 0.05)
    kwh = jit(10 * 200 * (0.35 + kg * 0.025), 0.15)
    export = rng.choice([0, 0, 0.3])
    rows = [*steel_rows(mass * 0.35),
            ("raw_materials", "PP tub and parts", mass * 0.22, "kg", "plastic.pp"),
            ("raw_materials", "ABS control panel", mass * 0.03, "kg", "plastic.abs"),
            ("raw_materials", "Copper motor windings", mass * 0.025, "kg", "copper.cathode"),
            ("raw_materials", "Aluminium parts", mass * 0.008, "kg", "aluminium.primary"),
            ("raw_materials", "Control board", jit(0.3), "kg", "electronics.pcba"),
            ("raw_materials", "Concrete counterweight aggregate", mass * 0.2, "kg", "mineral.limestone"),
            ("raw_materials", "Corrugated packaging", jit(2.5), "kg", "paper.corrugated_board"),
            ("production", "Plant electricity", jit(30), "kWh", ELEC, {"primary": True, "share": rng.choice([0.5, 1.0])}),
            ("production", "Natural gas, paint curing", jit(0.08), "GJ", "fuel.natural_gas", {"primary": True}),
            *water(0.15)]
    tail = appliance_tail(mass, kwh, export)
    rows += [*tail[:-3],
             ("use", "Tap water in use", jit(0.05 * 2000, 0.2), "m3", "water.tap"),
             ("use", "Wastewater in use", jit(0.045 * 2000, 0.2), "m3", "wastewater.treatment"),
             *tail[-3:]]
    return product(co, f"XQG{kg}0-{rng.choice(['B', 'D', 'H'])}{1200 + 14 * i}", f"{kg} kg front-load washing machine",
                   "appliance.washing_machine", round(jit(3e5, 0.5), -2), rows, mass=round(mass, 1), export=export)


def television(co, i):
    inch = rng.choice([32, 43, 50, 55, 65])
    area = (inch * 0.0254) ** 2 * 0.4273
    watts = jit(inch * 1.6, 0.15)
    mass = jit(3 + inch * 0.2, 0.1)
    export = rng.choice([0, 0.3, 0.5])
    rows = [("raw_materials", "LCD/LED display module", area, "m2", "electronics.lcd_panel"),
            ("raw_materials", "Main and power boards", jit(0.25 + inch * 0.008), "kg", "electronics.pcba"),
            ("raw_materials", "ABS back cover", mass * 0.25, "kg", "plastic.abs"),
            *steel_rows(mass * 0.25, "Steel back plate"),
            ("raw_materials", "Aluminium frame", mass * 0.05, "kg", "aluminium.primary"),
            ("raw_materials", "EPS cushioning", mass * 0.04, "kg", "plastic.ps"),
            ("raw_materials", "Corrugated packaging", mass * 0.2, "kg", "paper.corrugated_board"),
            ("production", "Assembly electricity", jit(12), "kWh", ELEC, {"primary": True}),
            *water(0.05),
            *appliance_tail(mass, watts * 5 * 365 * 8 / 1000, export)]
    return product(co, f"{inch}E{rng.randint(3, 9)}{rng.choice('AKNQ')}{i}", f"{inch}-inch 4K LED television",
                   "appliance.television", round(jit(5e5, 0.5), -2), rows, mass=round(mass, 1), export=export)


def tyre(co, i, truck):
    if truck:
        size, mass = rng.choice([("295/80R22.5", 60), ("315/80R22.5", 66), ("12R22.5", 58), ("11R22.5", 52)])
        mix = dict(nr=0.30, sbr=0.06, cb=0.24, silica=0.03, cord=0.20, textile=0.02, chem=0.07)
    else:
        size, mass = rng.choice([("205/55R16", 8.8), ("225/45R17", 9.6), ("195/65R15", 8.0), ("235/55R19", 11.0), ("185/65R14", 7.2)])
        mix = dict(nr=0.17, sbr=0.22, cb=0.21, silica=0.11, cord=0.11, textile=0.04, chem=0.08)
    mass = jit(mass, 0.04)
    export = rng.choice([0, 0.3, 0.5, 0.6])
    rows = [("raw_materials", "Natural rubber", mass * mix["nr"], "kg", ("sup", rng.choice(NR))),
            ("raw_materials", "Styrene-butadiene rubber", mass * mix["sbr"], "kg", "rubber.sbr"),
            ("raw_materials", "Carbon black", mass * mix["cb"], "kg", ("sup", rng.choice(CB))),
            ("raw_materials", "Precipitated silica", mass * mix["silica"], "kg", "silica.precipitated"),
            ("raw_materials", "Steel cord and bead wire", mass * mix["cord"], "kg", "steel.cord"),
            ("raw_materials", "Textile cord fabric", mass * mix["textile"], "kg", "textile.nylon_cord"),
            ("raw_materials", "Chemicals, oils and zinc oxide", mass * mix["chem"], "kg", "chem.rubber_chemicals"),
            ("production", "Plant electricity", mass * jit(1.0, 0.2), "kWh", ELEC, {"primary": True, "share": rng.choice([1.0, 0.6])}),
            ("production", "Steam for curing", mass * jit(0.009, 0.2), "GJ", rng.choice(["heat.steam", "fuel.coal", "fuel.natural_gas"]), {"primary": True}),
            *water(mass * 0.004),
            ("distribution", "Road delivery to dealers", mass / 1000 * jit(600, 0.3), "tkm", TRUCK)]
    if export:
        rows.append(("distribution", "Export by container ship", export * jit(9000 / (280 if not truck else 45), 0.3), "TEUkm", SEA))
    rows += [("use", "Fitting, balancing and pressure checks", jit(0.6 if not truck else 3.0), "kWh", ELEC),
             ("end_of_life", "End-of-life tyre treatment", mass * 0.9, "kg", "waste.tyre_end_of_life")]
    category = "tyre.truck" if truck else "tyre.passenger"
    code = ("TBR-" if truck else "PCR-") + size.replace("/", "-").replace(".", "") + f"-{i}"
    return product(co, code, f"{'TBR' if truck else 'PCR'} tyre {size}", category,
                   round(jit(6e5 if truck else 3e6, 0.5), -2), rows, mass=round(mass, 2), export=export)


for key, en, zh, area, fmt_, fname, plan in [
    ("haiyuan", "Qingdao Haiyuan Home Appliance Co., Ltd.", "青岛海源家电有限公司", "370212", "csv", None, [(fridge, 3), (washer, 3)]),
    ("aolan", "Qingdao Aolan Electric Co., Ltd.", "青岛澳兰电器有限公司", "370211", "bom", None, [(aircon, 3), (television, 2)]),
    ("xinghai", "Qingdao Xinghai Refrigeration Equipment Co., Ltd.", "青岛星海制冷设备有限公司", "370214", "csv", None, [(fridge, 3), (aircon, 3)]),
    ("bluewave", "Jiaozhou Bluewave Appliance Co., Ltd.", "胶州蓝波电器有限公司", "370281", "gb18030", "蓝波电器 2025 碳足迹.csv", [(washer, 2), (fridge, 3)]),
    ("jiadian", "Yantai Zhifu Jiadian Electronics Co., Ltd.", "烟台芝罘佳电电子有限公司", "370602", "csv", None, [(television, 3), (aircon, 3)]),
    ("lixiadisp", "Jinan Lixia Smart Display Co., Ltd.", "济南历下智能显示有限公司", "370102", "xlsx", "Lixia Smart Display PCF 2025.xlsx", [(television, 2), (washer, 2)]),
    ("hantingair", "Weifang Hanting Air Systems Co., Ltd.", "潍坊寒亭空气系统有限公司", "370703", "csv", None, [(aircon, 3)]),
    ("lanshancold", "Linyi Lanshan Cold Chain Appliance Co., Ltd.", "临沂兰山冷链电器有限公司", "371302", "csv", None, [(fridge, 3)]),
    # Tyres
    ("lctyre", "Qingdao Licang Tyre Co., Ltd.", "青岛李沧轮胎有限公司", "370213", "csv", None, [(lambda c, i: tyre(c, i, False), 3), (lambda c, i: tyre(c, i, True), 3)]),
    ("roadstar", "Qingdao Huangdao Road Star Tyre Co., Ltd.", "青岛黄岛路星轮胎有限公司", "370211", "gb18030_zh", "路星轮胎_产品碳足迹_2025.csv", [(lambda c, i: tyre(c, i, False), 3)]),
    ("whtyre", "Weihai Huancui Tyre Co., Ltd.", "威海环翠轮胎有限公司", "371002", "xlsx", "weihai huancui tyre pcf 2025.xlsx", [(lambda c, i: tyre(c, i, False), 3), (lambda c, i: tyre(c, i, True), 2)]),
    ("greenway", "Jiaozhou Greenway Tyre Co., Ltd.", "胶州绿途轮胎有限公司", "370281", "csv", None, [(lambda c, i: tyre(c, i, False), 3), (lambda c, i: tyre(c, i, True), 3)]),
    ("chengtyre", "Qingdao Chengyang Radial Tyre Co., Ltd.", "青岛城阳子午线轮胎有限公司", "370214", "csv", "Chengyang Radial Tyre 2025 PCF (final).csv", [(lambda c, i: tyre(c, i, True), 2)]),
]:
    co = company(key, en, zh, area, fmt_, fname)
    for maker, n in plan:
        for i in range(n):
            maker(co, len(co.products) + 1)

# Beer ------------------------------------------------------------------------------------------


def beer(co, i, canned, heat):
    ml = rng.choice([330, 500]) if canned else rng.choice([500, 600, 640])
    per_l = 1000 / ml
    abv = rng.choice(["lager", "light lager", "draught", "wheat", "dark"])
    malt = jit(0.15 if abv != "light lager" else 0.11, 0.1)
    rows = [("raw_materials", "Malt", malt, "kg", ("sup", rng.choice(MALT))),
            ("raw_materials", "Rice adjunct", malt * 0.3, "kg", "grain.rice_adjunct"),
            ("raw_materials", "Hop pellets", jit(0.0012, 0.3), "kg", "hops"),
            ("raw_materials", "Malt and adjunct by road", malt * 1.3 / 1000 * jit(150, 0.3), "tkm", TRUCK)]
    if canned:
        can = rng.choice([c for c in CAN if c.endswith(f"CAN-{ml}")])
        rows.append(("raw_materials", "Aluminium cans", per_l, "piece", ("sup", can)))
    else:
        trips = rng.choice([1, 1, 3, 5])
        bottle = rng.choice([b for b in BOTTLE if PRODUCTS[b]["product_name"].endswith(f"{ml} mL")] or BOTTLE)
        rows += [("raw_materials", "New glass bottles" + (" (returnable pool top-up)" if trips > 1 else ""), per_l / trips, "piece", ("sup", bottle)),
                 ("raw_materials", "Crown corks", per_l * 0.0022, "kg", "packaging.crown_cork")]
    share = rng.choice([1.0, 0.35, 0.5])
    rows += [("raw_materials", "Corrugated trays and cartons", jit(0.03, 0.2), "kg", "paper.corrugated_board"),
             ("production", "Brewery electricity (site, allocated by volume)", jit(0.09, 0.15), "kWh", ELEC, {"primary": True, "share": share}),
             ("production", "Brewhouse and pasteuriser heat (site, allocated by volume)", jit(0.0011 if canned else 0.0014, 0.15), "GJ", heat, {"primary": True, "share": share}),
             *water(jit(0.0045, 0.15))]
    category = "beer.canned" if canned else "beer.bottled"
    name = f"{abv.title()} beer, {ml} mL {'can' if canned else 'bottle'}"
    return product(co, f"{'C' if canned else 'B'}{ml}-{abv[:3].upper()}-{i}", name, category,
                   round(jit(1.2e8, 0.6), -3), rows, export=rng.choice([0, 0, 0.1, 0.2]))


for key, en, zh, area, fmt_, fname, nb, nc, heat in [
    ("harbour", "Qingdao Licang Harbour Brewery Co., Ltd.", "青岛李沧港湾啤酒有限公司", "370213", "csv", None, 2, 2, "fuel.natural_gas"),
    ("goldwheat", "Pingdu Golden Wheat Brewing Co., Ltd.", "平度金麦啤酒有限公司", "370283", "gb18030", "金麦啤酒-碳足迹数据 2025.csv", 2, 2, "heat.steam"),
    ("seaside", "Yantai Zhifu Seaside Beer Co., Ltd.", "烟台芝罘海滨啤酒有限公司", "370602", "csv", None, 2, 2, "fuel.natural_gas"),
    ("springs", "Jinan Springs Brewing Co., Ltd.", "济南泉城啤酒有限公司", "370102", "bom", None, 2, 1, "fuel.coal"),
    ("laoshanbrew", "Qingdao Laoshan Mineral Spring Brewery Co., Ltd.", "青岛崂山矿泉啤酒有限公司", "370212", "csv", None, 1, 1, "fuel.natural_gas"),
]:
    co = company(key, en, zh, area, fmt_, fname)
    for i in range(nb):
        beer(co, len(co.products) + 1, False, heat)
    for i in range(nc):
        beer(co, len(co.products) + 1, True, heat)

# Textiles --------------------------------------------------------------------------------------
for key, en, zh, area, fmt_, fname in [
    ("httex", "Weifang Hanting Textile Co., Ltd.", "潍坊寒亭纺织有限公司", "370703", "csv", None),
    ("zbtex", "Zibo Zhangdian Cotton Weaving Mill", "淄博张店棉织厂", "370303", "csv", "Zhangdian cotton weaving - 碳足迹 2025.csv"),
    ("jztex", "Qingdao Jiaozhou Textile Printing and Dyeing Co., Ltd.", "青岛胶州纺织印染有限公司", "370281", "csv", None)]:
    co = company(key, en, zh, area, fmt_, fname)
    for i in range(2):
        gsm = rng.choice([110, 130, 150, 180, 220])
        m = gsm / 1000
        poly = rng.choice([0, 0, 0.35])
        rows = [("raw_materials", "Cotton lint", m * 1.12 * (1 - poly), "kg", "cotton.fibre")]
        if poly:
            rows.append(("raw_materials", "Polyester staple fibre", m * 1.08 * poly, "kg", "polyester.fibre"))
        rows += [("raw_materials", "Cotton by rail from Xinjiang", m * 1.12 * jit(3500, 0.1) / 1000, "tkm", RAIL),
                 ("raw_materials", "Reactive dyes and auxiliaries", jit(0.004, 0.3), "kg", "chem.reactive_dyes"),
                 ("raw_materials", "Caustic soda", jit(0.008, 0.3), "kg", "chem.caustic_soda"),
                 ("production", "Spinning, weaving and finishing electricity", m * jit(4.5, 0.15) + 0.35, "kWh", ELEC, {"primary": True}),
                 ("production", "Steam for dyeing and finishing", jit(0.013, 0.2), "GJ", rng.choice(["heat.steam", "fuel.coal"]), {"primary": True}),
                 *water(jit(0.06, 0.2))]
        product(co, f"CF-{gsm}-{'TC' if poly else 'C'}{i + 1}", f"{'Polyester-cotton' if poly else 'Cotton'} poplin {gsm} g/m2",
                "textile.cotton_fabric", round(jit(1.5e7, 0.5), -2), rows, export=rng.choice([0, 0.4, 0.6]))

# Livestock -------------------------------------------------------------------------------------


def pig(co, i):
    fcr = jit(2.95, 0.08)
    hy = jit(0.0048, 0.1)  # herd head-years (incl. sows) per kg live weight sold
    rows = [("raw_materials", "Maize", fcr * 0.64, "kg", "feed.maize"),
            ("raw_materials", "Soybean meal", fcr * 0.19, "kg", "feed.soybean_meal"),
            ("raw_materials", "Wheat bran and premix", fcr * 0.17, "kg", "feed.wheat_bran"),
            ("raw_materials", "Veterinary products", 0.002, "kg", "livestock.veterinary"),
            ("production", "Enteric fermentation", hy, "head_year", "enteric.swine", {"primary": True}),
            ("production", "Manure management", hy, "head_year", "manure.swine", {"primary": True}),
            ("production", "Farm electricity", jit(0.25, 0.2), "kWh", ELEC, {"primary": True}),
            ("production", "Coal for piglet house heating", jit(0.0015, 0.3), "GJ", "fuel.coal", {"primary": True}),
            ("production", "Drinking and cleaning water", jit(0.025, 0.2), "m3", "water.tap", {"primary": True})]
    return product(co, f"PIG-F{i}", f"Finishing pigs, farm {i}", "livestock.pig", round(jit(1.2e7, 0.6), -2), rows)


def broiler(co, i):
    fcr = jit(1.75, 0.06)
    chicks = jit(1 / 2.6 / 0.96, 0.05)
    rows = [("raw_materials", "Day-old chicks", chicks, "piece", "livestock.day_old_chick"),
            ("raw_materials", "Maize", fcr * 0.58, "kg", "feed.maize"),
            ("raw_materials", "Soybean meal", fcr * 0.30, "kg", "feed.soybean_meal"),
            ("raw_materials", "Wheat bran and premix", fcr * 0.12, "kg", "feed.wheat_bran"),
            ("raw_materials", "Veterinary products", 0.0005, "kg", "livestock.veterinary"),
            ("production", "Manure management", chicks * 45 / 365, "head_year", "manure.broiler", {"primary": True}),
            ("production", "House electricity (ventilation, lighting)", jit(0.45, 0.2), "kWh", ELEC, {"primary": True}),
            ("production", "LPG brooding heat", jit(0.003, 0.3), "GJ", "fuel.lpg", {"primary": True}),
            ("production", "Drinking water", jit(0.008, 0.2), "m3", "water.tap", {"primary": True})]
    return product(co, f"BRO-H{i}", f"White-feather broilers, house block {i}", "livestock.broiler",
                   round(jit(3e7, 0.6), -2), rows, export=0.05 if rng.random() < 0.3 else None)


def dairy(co, i):
    y = jit(7600, 0.1)  # kg FPCM per cow and year
    heifers = jit(0.45, 0.1)
    share = 0.9  # milk share of farm emissions (IDF physical allocation, milk vs. culled cows and calves)
    rows = [("raw_materials", "Concentrate: maize", 3000 * (1 + heifers * 0.3) / y, "kg", "feed.maize", {"share": share}),
            ("raw_materials", "Concentrate: soybean meal", 1000 * (1 + heifers * 0.3) / y, "kg", "feed.soybean_meal", {"share": share}),
            ("raw_materials", "Wheat bran", 500 / y, "kg", "feed.wheat_bran", {"share": share}),
            ("raw_materials", "Maize silage", 10000 * (1 + heifers * 0.5) / y, "kg", "feed.maize_silage", {"share": share}),
            ("raw_materials", "Alfalfa hay", jit(2000) * (1 + heifers * 0.4) / y, "kg", "feed.alfalfa_hay", {"share": share}),
            ("production", "Enteric fermentation, cows", 1 / y, "head_year", "enteric.dairy_cattle", {"primary": True, "share": share}),
            ("production", "Enteric fermentation, heifers", heifers / y, "head_year", "enteric.heifer", {"primary": True, "share": share}),
            ("production", "Manure management", (1 + heifers * 0.6) / y, "head_year", "manure.dairy_cattle", {"primary": True, "share": share}),
            ("production", "Farm electricity (milking, cooling)", jit(500) / y, "kWh", ELEC, {"primary": True, "share": share}),
            ("production", "Diesel for feeding machinery", jit(2.0) / y, "GJ", "fuel.diesel", {"primary": True, "share": share}),
            ("production", "Water", jit(30) / y, "m3", "water.tap", {"primary": True, "share": share})]
    return product(co, f"MILK-{i}", f"Raw milk, herd {i}", "livestock.dairy_cattle", round(jit(2.5e7, 0.6), -2), rows)


for key, en, zh, area, fmt_, fname, plan in [
    ("pdpig", "Pingdu Fengnian Pig Breeding Cooperative", "平度丰年生猪养殖合作社", "370283", "csv", None, [(pig, 2)]),
    ("lspig", "Linyi Lanshan Muyuan Livestock Co., Ltd.", "临沂兰山牧源畜牧有限公司", "371302", "gb18030", "兰山牧源畜牧2025碳足迹.csv", [(pig, 2), (broiler, 2)]),
    ("jzpig", "Jiaozhou Hengfeng Hog Farm Co., Ltd.", "胶州恒丰养猪场有限公司", "370281", "csv", None, [(pig, 2)]),
    ("wfbro", "Weifang Hanting Poultry Co., Ltd.", "潍坊寒亭家禽有限公司", "370703", "xlsx", "Weifang Poultry - carbon footprint 2025.xlsx", [(broiler, 2)]),
    ("rzbro", "Rizhao Donggang Broiler Farm", "日照东港肉鸡养殖场", "371102", "csv", None, [(broiler, 2)]),
    ("lsdairy", "Qingdao Laoshan Pasture Dairy Co., Ltd.", "青岛崂山牧场乳业有限公司", "370212", "csv", None, [(dairy, 2)]),
    ("pddairy", "Pingdu Green Meadow Dairy Farm", "平度绿草地奶牛场", "370283", "bom", None, [(dairy, 2)]),
    ("wfdairy", "Weifang Hanting Dairy Cooperative", "潍坊寒亭奶牛合作社", "370703", "csv", None, [(dairy, 2)]),
]:
    co = company(key, en, zh, area, fmt_, fname)
    for maker, n in plan:
        for i in range(n):
            maker(co, len(co.products) + 1)

# ---- deliberately bad files ---------------------------------------------------------------------
BAD: list[tuple[Company, str]] = []  # (company, expected reason)


def bad_company(reason, key, en, zh, area, file_name):
    co = Company(key, en, zh, area, "csv", f"bad__{reason}__{file_name}")
    BAD.append((co, reason))
    return co


def simple_fridge(co, code):
    """A self-contained refrigerator (factors only, no supplier), for the bad files."""
    mass = 60.0
    rows = [("raw_materials", "Steel sheet", 27, "kg", "steel.cold_rolled"),
            ("raw_materials", "Plastics", 10, "kg", "plastic.ps"),
            ("raw_materials", "Foam", 6, "kg", "plastic.pu_foam"),
            ("production", "Plant electricity", 50, "kWh", ELEC, {"primary": True}),
            *appliance_tail(mass, 2600, 0)]
    return product(co, code, f"Refrigerator {code}", "appliance.refrigerator", 50000, rows, mass=mass)


co = bad_company("USCC_CHECK_CHARACTER", "xinrui", "Qingdao Xinrui Appliance Co., Ltd.", "青岛新锐电器有限公司", "370214", "xinrui appliance 2025.csv")
simple_fridge(co, "XR-BCD-208")
simple_fridge(co, "XR-BCD-305")
co.typo_product = "XR-BCD-305"
co = bad_company("UNIT_DIMENSION_MISMATCH", "hualian", "Weihai Hualian Electric Co., Ltd.", "威海华联电器有限公司", "371002", "hualian_pcf_2025.csv")
simple_fridge(co, "HL-200")
bad = simple_fridge(co, "HL-260")
PRODUCTS[bad]["rows"] = [r if r[1] != "Plant electricity" else (r[0], r[1], r[2], "kg", r[4]) for r in PRODUCTS[bad]["rows"]]
co = bad_company("STAGE_OUTSIDE_BOUNDARY", "qdmalt2", "Qingdao Chengyang Malt Trading Co., Ltd.", "青岛城阳麦芽贸易有限公司", "370214", "chengyang malt.csv")
bad = product(co, "CY-MALT-1", "Pilsner malt (traded)", "material.malt", 20000,
              [("raw_materials", "Malting barley", 1.3, "t", "grain.barley"),
               ("production", "Kilning heat", 3.2, "GJ", "fuel.natural_gas"),
               ("use", "Customer storage (should not be here)", 5, "kWh", ELEC)])
co = bad_company("NEGATIVE_AMOUNT", "rzglass2", "Rizhao Donggang Glass Products Co., Ltd.", "日照东港玻璃制品有限公司", "371102", "donggang glass 2025.csv")
bad = product(co, "DG-GB-500", "Beer bottle 500 mL", "packaging.glass_bottle", 1e7,
              [("raw_materials", "Silica sand", -0.2, "kg", "mineral.silica_sand"),
               ("production", "Natural gas", 0.002, "GJ", "fuel.natural_gas")], mass=0.36)


# ---- writing -----------------------------------------------------------------------------------

def product_record(p, uscc=None):
    co = p["company"]
    values = dict(company_uscc=uscc or co.uscc, company_name=co.name, product_code=p["product_code"],
                  product_name=p["product_name"], product_category=p["product_category"], hs_code=p.get("hs_code", ""),
                  declared_unit=p["declared_unit"], product_mass_kg=fmt(p["product_mass_kg"]) if p["product_mass_kg"] else "",
                  reporting_period_start=START, reporting_period_end=END, production_volume=fmt(p["production_volume"]),
                  system_boundary=p["system_boundary"], disclosure=p["disclosure"], verifier_name=p.get("verifier_name", ""),
                  verification_date=p.get("verification_date", ""),
                  export_volume=fmt(p["export_volume"]) if p.get("export_volume") else "",
                  export_markets=p.get("export_markets", "") if p.get("export_volume") else "")
    return [values[c.name] for c in PRODUCT_COLUMNS]


def activity_record(a):
    return [a[c.name] for c in ACTIVITY_COLUMNS]


def csv_text(co: Company, chinese_header=False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if co.fmt == "bom" else "\n")
    writer.writerow([c.label_zh if chinese_header else c.name for c in SUBMISSION_COLUMNS])
    for p in co.products:
        uscc = co.uscc
        if getattr(co, "typo_product", None) == p["product_code"]:
            uscc = co.uscc[:17] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != co.uscc[17])
        for a in p["activities"]:
            writer.writerow(product_record(p, uscc) + activity_record(a))
    return buffer.getvalue()


def write_xlsx(co: Company, path: Path):
    wb = openpyxl.Workbook()
    products = wb.active
    products.title = "products"
    products.append([c.name for c in PRODUCT_COLUMNS])
    activities = wb.create_sheet("activities")
    activities.append(["product_code"] + [c.name for c in ACTIVITY_COLUMNS])
    for p in co.products:
        products.append(_cells(PRODUCT_COLUMNS, product_record(p)))
        for a in p["activities"]:
            activities.append([p["product_code"]] + _cells(ACTIVITY_COLUMNS, activity_record(a)))
    wb.properties.created = wb.properties.modified = datetime(2026, 1, 1)
    wb.properties.creator = co.name_en
    buffer = io.BytesIO()
    wb.save(buffer)
    # openpyxl stamps the save time into docProps/core.xml and the zip entries: pin both
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


NUMERIC = {"amount", "production_volume", "product_mass_kg", "export_volume", "allocation_share"}


def _cells(columns, values):
    """XLSX cells: numbers as numbers, everything else (codes, dates) as text."""
    return [float(v) if c.name in NUMERIC and v != "" else v for c, v in zip(columns, values)]


def pact_payload(co: Company, results: dict) -> dict:
    data = []
    for p in co.products:
        ghg, bio, _ = results[f"{co.uscc}/{p['product_code']}"]
        primary = 100 * sum(1 for a in p["activities"] if a["data_source"] == "primary") / len(p["activities"])
        data.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "specVersion": "3.0.0",
            "created": "2026-02-15T00:00:00Z",
            "status": "Active",
            "validityPeriodStart": "2026-02-15T00:00:00Z",
            "validityPeriodEnd": "2029-02-14T00:00:00Z",
            "companyName": co.name_en,
            "companyIds": [f"urn:uscc:{co.uscc}"],
            "productDescription": f"{p['product_name']} for tyre and rubber goods, furnace process, bulk bags",
            "productIds": [f"urn:pcf-sd:product:{co.uscc}:{p['product_code']}"],
            "productClassifications": ["urn:pcf-sd:category:material.carbon_black", "urn:pact:productclassification:hs:280300"],
            "productNameCompany": p["product_name"],
            "comment": "Demo footprint computed with the Shandong PCF pilot factors SD-PCF-2026.1.",
            "pcf": {
                "declaredUnitOfMeasurement": "kilogram",
                "declaredUnitAmount": "1",
                "productMassPerDeclaredUnit": "1",
                "referencePeriodStart": "2025-01-01T00:00:00+08:00",
                "referencePeriodEnd": "2026-01-01T00:00:00+08:00",
                "geographyCountrySubdivision": "CN-SD",
                "boundaryProcessesDescription": "Cradle-to-gate: feedstock oil supply and transport, furnace process, drying, pelletising and bagging.",
                "pcfExcludingBiogenicUptake": f"{ghg:.4f}",
                "pcfIncludingBiogenicUptake": f"{ghg + bio:.4f}",
                "fossilGhgEmissions": f"{ghg:.4f}",
                "biogenicCarbonContent": "0",
                "fossilCarbonContent": "0.97",
                "packagingEmissionsIncluded": False,
                "ipccCharacterizationFactors": ["AR6"],
                "crossSectoralStandards": ["ISO14067", "PACT-3.0"],
                "productOrSectorSpecificRules": [{"operator": "Other", "ruleNames": ["ICBA carbon black PCR (demo)"]}],
                "exemptedEmissionsPercent": "0",
                "primaryDataShare": f"{primary:.1f}",
                "dqi": {"technologicalDQR": "2.2", "geographicalDQR": "2.0", "temporalDQR": "1.8"},
            },
        })
    return {"data": data}


ENCODING = {"csv": "utf-8", "bom": "utf-8-sig", "gb18030": "gb18030", "gb18030_zh": "gb18030"}


def main():
    for p in PRODUCTS.values():
        materialise(p)
    release1 = factor_set("SD-PCF-2026.1")
    after_delta = factor_set("SD-PCF-2026.1", "SD-PCF-2026.2")
    results, results2, problems = {}, {}, []
    good = {k: p for k, p in PRODUCTS.items() if p["company"] in COMPANIES}
    for key, p in good.items():
        ghg, bio, stages = footprint(p, release1, results)
        footprint(p, after_delta, results2)
        lo, hi = TARGET[p["product_category"]]
        cat = CATEGORIES[p["product_category"]]
        if not lo <= ghg <= hi:
            problems.append((key, p["product_category"], round(ghg, 3), {k: round(v, 3) for k, v in stages.items()}))
        assert float(cat["plausible_min_kgco2e_per_unit"]) <= ghg <= float(cat["plausible_max_kgco2e_per_unit"]), key
        assert set(stages) == set(("raw_materials", "production") if p["system_boundary"] == "cradle_to_gate"
                                  else ("raw_materials", "production", "distribution", "use", "end_of_life")), key

    assert not problems, "\n".join(map(str, problems))
    if OUT.exists():
        for old in OUT.iterdir():
            old.unlink()
    OUT.mkdir(parents=True, exist_ok=True)
    counts = defaultdict(int)
    for co in COMPANIES + [c for c, _ in BAD]:
        path = OUT / co.file_name
        if co.fmt == "xlsx":
            write_xlsx(co, path)
        elif co.fmt == "pact":
            path.write_text(json.dumps(pact_payload(co, results), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        else:
            path.write_bytes(csv_text(co, chinese_header=co.fmt == "gb18030_zh").encode(ENCODING[co.fmt]))
        counts[co.fmt] += 1
    junk = Random(7)
    (OUT / "bad__FILE_NOT_TEXT__scan.csv").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(junk.getrandbits(8) for _ in range(2048)))
    (OUT / "bad__FILE_EMPTY__empty.csv").write_bytes(b"")
    broken = json.dumps(pact_payload(COMPANIES[[c.key for c in COMPANIES].index("jzcb")], results), indent=2)
    (OUT / "bad__FILE_BROKEN_JSON__blackstone_pact_resend.json").write_text(broken[: len(broken) // 2], encoding="utf-8")

    # report
    by_cat = defaultdict(list)
    for key, p in good.items():
        by_cat[p["product_category"]].append((results[key][0], results2[key][0], p["company"].uscc, p["disclosure"]))
    print(f"companies: {len(COMPANIES)} good (+{len(BAD)} in bad files); products: {len(good)}; files: {dict(counts)} + 3 junk")
    print(f"{'category':28} {'n':>3} {'cos':>3} {'pub':>3} {'min':>9} {'median':>9} {'max':>9} {'median after 2026.2':>20}")
    for cat in CATEGORIES:
        rows = by_cat[cat]
        values = [r[0] for r in rows]
        print(f"{cat:28} {len(rows):3d} {len({r[2] for r in rows}):3d} {sum(r[3] == 'public' for r in rows):3d} "
              f"{min(values):9.4g} {median(values):9.4g} {max(values):9.4g} {median(r[1] for r in rows):20.4g}")
        assert len(rows) >= 5 and len({r[2] for r in rows}) >= 3, cat


if __name__ == "__main__":
    main()
