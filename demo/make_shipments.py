#!/usr/bin/env python3
"""Write the demo port container shipments into demo/landing/shipments/ (deterministic, no wall clock).

One year (2025) of export containers through Qingdao (CNTAO), one row per transport-chain element
(SPEC §3.3, ISO 14083): a road or rail pre-carriage from a Shandong inland city to the port, the
maritime container terminal at CNTAO, and the sea leg to a foreign port. The shippers are the demo
companies that export (export_volume given in their 2025 submission) and whose natural gateway is
Qingdao; exporters in Yantai, Rizhao and Weihai use their own ports and do not appear.

Routes are few on purpose, so that most cells of container_transport_statistics (month x mode x
origin x destination, suppressed below 3 shippers, SPEC §5) have at least 3 shippers: each month,
every pre-carriage route carries 3 to 7 containers of at least 3 shippers, and every destination port
but Yokohama gets at least 3 of them (Yokohama's few cells show suppression), each shipper only to
ports of its declared export markets.

Every row is checked with the pipeline's own ingest rules (orchestration.ingest.shipments) before
anything is written; a second file, bad__CONTAINER_CHECK_DIGIT__..., holds three shipments of which
one container number has a wrong ISO 6346 check digit.

Run: .venv/bin/python demo/make_shipments.py   (prints shipments, shippers, cells and per-TEU figures)
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from random import Random
from statistics import mean

import duckdb

from orchestration.codes import (
    container_number_problem, is_unlocode, iso6346_check_digit, make_container_number, uscc_problem,
)
from orchestration.ingest.rules import load_reference_tables
from orchestration.ingest.shipments import ensure_shipment_tables, store_shipments
from orchestration.inputs import SHIPMENT_COLUMNS
from orchestration.io.readers import read_submission

DEMO = Path(__file__).resolve().parent
SUBMISSIONS = DEMO / "landing" / "submissions"
OUT = DEMO / "landing" / "shipments"
FACTORS = DEMO / "landing" / "factors" / "SD-PCF-2026.1" / "factors.csv"
FILE_NAME = "qingdao_port_2025.csv"
BAD_FILE_NAME = "bad__CONTAINER_CHECK_DIGIT__qingdao_port_december_late.csv"
rng = Random(20250601)
YEAR = 2025
PORT = "CNTAO"  # Qingdao; the chains end at the Qianwan container terminal
MIN_SHIPPERS = 3  # a statistics cell from fewer shippers is suppressed (SPEC §5)

# Pre-carriage origins (real UN/LOCODEs; is_unlocode checks their form) by GB/T 2260 city of the
# shipper's registration area, and the km from there to the Qianwan container terminal.
# Jinan, Zibo, Weifang, Linyi
CITY_ORIGIN = {"3701": "CNJNA", "3703": "CNZIB", "3707": "CNWFG", "3713": "CNLYI"}
QINGDAO = "3702"
OWN_PORT_CITIES = {"3706": "Yantai", "3710": "Weihai", "3711": "Rizhao"}  # export through their own ports
ROUTES = {  # (origin, mode): km to CNTAO; road legs vary ±8 % with the plant's place in the prefecture
    ("CNJNA", "rail"): 395,  # Jinan sea-rail service on the Jiaoji railway
    ("CNJNA", "road"): 365,  # G20 Qingdao-Yinchuan expressway via Jiaozhou
    ("CNZIB", "road"): 260,
    ("CNWFG", "road"): 175,
    ("CNLYI", "road"): 270,  # G22 Qingdao-Lanzhou expressway
}
ORIGIN_WEIGHT = {"CNJNA": 1.5, "CNZIB": 1, "CNWFG": 1, "CNLYI": 1}  # Jinan fills two routes
ACTIVITY_CODE = {
    "road": "transport.road.truck", "rail": "transport.rail.freight", "sea": "transport.sea.container",
}
HUB_CODE = "hub.maritime_container_terminal"

# Destination ports: port-to-port sea distance from Qingdao (km, Suez routing for Europe), and the
# export markets (ISO 3166) each one serves in this demo (Rotterdam: North-West Europe gateway;
# Singapore: transshipment hub for South-East Asia and the Gulf).
DESTINATIONS = {
    "NLRTM": (20_200, {"NL", "BE", "FR", "GB"}),
    "DEHAM": (20_700, {"DE"}),
    "USLAX": (10_500, {"US"}),
    "SGSIN": (4_550, {"SG", "MY", "TH", "AE"}),
    "KRPUS": (940, {"KR"}),
    "AUSYD": (9_000, {"AU"}),
    "JPYOK": (2_000, {"JP"}),
}
DESTINATION_WEIGHT = {"NLRTM": 3, "DEHAM": 2, "USLAX": 3, "SGSIN": 2, "KRPUS": 1, "AUSYD": 1, "JPYOK": 1}
# containers a month to thin destinations: few shippers sell to Japan, so these cells are suppressed
THIN = {"JPYOK": (0, 1, 1, 2)}

# Containers per pre-carriage route and month (before the month's adjustment).
ROUTE_CONTAINERS = {("CNJNA", "rail"): (4, 6), ("CNJNA", "road"): (4, 5), ("CNZIB", "road"): (4, 6),
                    ("CNWFG", "road"): (4, 6), ("CNLYI", "road"): (4, 6)}
MONTH_ADJUST = {2: -1, 9: 1, 10: 1}  # Spring Festival slump; peak season before Christmas

# Cargo by the shipper's product family: (TEU, t min, t max) and the share of the other size.
CARGO = {  # 1 TEU (20 ft) at most ~21 t, 2 TEU (40 ft) at most ~26 t of cargo
    "appliance": ((2, 5.5, 11.0), 0.1, (1, 3.0, 5.5)),
    "tyre": ((2, 9.0, 14.0), 0.1, (1, 5.0, 7.5)),
    "beer": ((1, 17.0, 21.0), 0.25, (2, 20.0, 25.5)),
    "steel": ((1, 18.0, 21.0), 0.0, None),
    "textile": ((2, 12.0, 19.0), 0.2, (1, 9.0, 14.0)),
    "livestock": ((2, 21.0, 25.5), 0.0, None),  # frozen broilers, 40 ft reefer
}
MEASURED_DIESEL_SHARE = 0.2  # road legs whose haulier reports the litres burnt
OWNER_CODES = ("CSNU", "CBHU", "CCLU", "OOLU", "MSKU", "MRKU", "MSCU", "MEDU", "CMAU", "EGHU", "EISU",
               "ONEU", "HLXU", "HLBU", "TGHU", "TCLU", "SEGU", "BMOU", "CAIU", "TEMU", "FCIU", "BEAU")
COLUMNS = [c.name for c in SHIPMENT_COLUMNS]


# ---- shippers ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shipper:
    uscc: str
    name: str
    markets: frozenset[str]
    family: str

    @property
    def city(self) -> str:
        return self.uscc[2:6]

    @property
    def destinations(self) -> list[str]:
        return [port for port, (_, markets) in DESTINATIONS.items() if markets & self.markets]


def exporters() -> list[Shipper]:
    """The demo companies with an export volume, read with the pipeline's own submission reader."""
    found: dict[str, Shipper] = {}
    for path in sorted(SUBMISSIONS.iterdir()):
        if path.name.startswith("bad__") or path.suffix.lower() not in (".csv", ".xlsx"):
            continue  # bad files, and the PACT JSON (no export columns)
        rows = read_submission(path).table.to_pylist()
        exporting = [r for r in rows if (r["export_volume"] or "").strip()]
        if not exporting:
            continue
        uscc = rows[0]["company_uscc"]
        assert uscc_problem(uscc) is None and all(r["company_uscc"] == uscc for r in rows), path.name
        markets = frozenset(
            m.strip() for r in exporting for m in (r["export_markets"] or "").split(";") if m.strip()
        )
        # appliance, tyre, beer ...
        family = sorted(r["product_category"] for r in exporting)[0].split(".")[0]
        assert family in CARGO, (path.name, family)
        found[uscc] = Shipper(uscc, rows[0]["company_name"], markets, family)
    return sorted(found.values(), key=lambda s: s.uscc)


def origin_pools(shippers: list[Shipper]) -> dict[str, list[Shipper]]:
    """Shippers per pre-carriage origin: their own city, or (Qingdao exporters) an inland plant.

    Qingdao-registered exporters stuff containers at their plants in the corridor cities; each is
    placed where the pool is smallest relative to the routes it fills, so every pool has ≥ 4 shippers.
    """
    pools: dict[str, list[Shipper]] = {origin: [] for origin in ORIGIN_WEIGHT}
    for shipper in shippers:
        if shipper.city in CITY_ORIGIN:
            pools[CITY_ORIGIN[shipper.city]].append(shipper)
    for shipper in shippers:
        if shipper.city == QINGDAO:
            origin = min(pools, key=lambda o: (len(pools[o]) / ORIGIN_WEIGHT[o], o))
            pools[origin].append(shipper)
    sizes = {origin: len(pool) for origin, pool in pools.items()}
    assert min(sizes.values()) > MIN_SHIPPERS, sizes
    return pools


# ---- shipments ---------------------------------------------------------------------------------

@dataclass
class Shipment:
    shipment_id: str
    shipper: Shipper
    origin: str
    mode: str
    month: int
    destination: str = ""


def month_shipments(month: int, pools: dict[str, list[Shipper]], first_number: int) -> list[Shipment]:
    """The month's containers: per route 3-7 of at least 3 shippers, then a destination for each."""
    shipments: list[Shipment] = []
    for (origin, mode), (low, high) in ROUTE_CONTAINERS.items():
        count = max(MIN_SHIPPERS, rng.randint(low, high) + MONTH_ADJUST.get(month, 0))
        pool = pools[origin]
        chosen = rng.sample(pool, min(count, len(pool)))
        chosen += [rng.choice(pool) for _ in range(count - len(chosen))]
        shipments += [Shipment("", shipper, origin, mode, month) for shipper in chosen]
    for _ in range(200):  # a destination per container, ≥ 3 shippers per main destination
        if assign_destinations(shipments):
            break
    else:
        raise AssertionError(f"month {month}: no destination plan with {MIN_SHIPPERS} shippers everywhere")
    shipments.sort(key=lambda s: (s.origin, s.mode, s.destination, s.shipper.uscc))
    for offset, shipment in enumerate(shipments):
        shipment.shipment_id = f"TAO25-{first_number + offset:04d}"
    return shipments


def assign_destinations(shipments: list[Shipment]) -> bool:
    """Seed every main destination with 3 shipments of distinct shippers, spread the rest by weight."""
    for shipment in shipments:
        shipment.destination = ""
    order = list(shipments)
    rng.shuffle(order)
    for destination, counts in THIN.items():
        send(order, destination, rng.choice(counts))
    # the main ports, those with the fewest eligible shippers first
    main_ports = sorted(set(DESTINATIONS) - set(THIN), key=lambda d: (len(eligible(order, d)), d))
    if any(send(order, destination, MIN_SHIPPERS) < MIN_SHIPPERS for destination in main_ports):
        return False
    for shipment in order:
        if not shipment.destination:
            options = shipment.shipper.destinations
            shipment.destination = rng.choices(options, [DESTINATION_WEIGHT[d] for d in options])[0]
    return True


def eligible(shipments: list[Shipment], destination: str) -> set[str]:
    return {s.shipper.uscc for s in shipments if destination in s.shipper.destinations}


def send(order: list[Shipment], destination: str, shippers: int) -> int:
    """Send unassigned shipments of up to `shippers` distinct eligible shippers; returns how many."""
    seen: set[str] = set()
    for shipment in order:
        uscc = shipment.shipper.uscc
        if len(seen) < shippers and not shipment.destination and uscc not in seen \
                and destination in shipment.shipper.destinations:
            shipment.destination = destination
            seen.add(uscc)
    return len(seen)


class Containers:
    """Unique, valid ISO 6346 container numbers (owner code, category U, serial, check digit)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def new(self) -> str:
        while True:
            number = make_container_number(f"{rng.choice(OWNER_CODES)}{rng.randint(0, 999_999):06d}")
            if number not in self.used:
                self.used.add(number)
                return number


def cargo(shipper: Shipper) -> tuple[int, float]:
    main, other_share, other = CARGO[shipper.family]
    teu, low, high = other if other and rng.random() < other_share else main
    return teu, round(rng.uniform(low, high), 1)


def chain_rows(shipment: Shipment, container_no: str) -> list[dict[str, str]]:
    """The three elements: pre-carriage, terminal at CNTAO, sea leg; departures within the month."""
    teu, mass_t = cargo(shipment.shipper)
    base_km = ROUTES[(shipment.origin, shipment.mode)]
    km = base_km if shipment.mode == "rail" else round(base_km * rng.uniform(0.92, 1.08))
    start = date(YEAR, shipment.month, rng.randint(1, 20))
    at_terminal = start + timedelta(days=1 if km > 200 or shipment.mode == "rail" else rng.randint(0, 1))
    sailing = at_terminal + timedelta(days=rng.randint(2, 6))
    common = {"shipment_id": shipment.shipment_id, "container_no": container_no, "teu": str(teu),
              "cargo_mass_t": f"{mass_t:g}", "shipper_uscc": shipment.shipper.uscc}
    pre = {**common, "element_seq": "1", "element_type": "transport", "mode": shipment.mode,
           "origin_locode": shipment.origin, "destination_locode": PORT, "distance_km": str(km),
           "departure_date": start.isoformat()}
    if shipment.mode == "road" and rng.random() < MEASURED_DIESEL_SHARE:
        litres_per_km = 0.30 + 0.08 * mass_t / 26 + rng.uniform(-0.01, 0.02)  # loaded tractor-trailer
        pre.update(energy_carrier="fuel.diesel", energy_amount=f"{km * litres_per_km:.1f}", energy_unit="L")
    else:
        pre["activity_code"] = ACTIVITY_CODE[shipment.mode]
    hub = {**common, "element_seq": "2", "element_type": "hub", "hub_type": "maritime_container_terminal",
           "origin_locode": PORT, "departure_date": at_terminal.isoformat(), "activity_code": HUB_CODE}
    sea = {**common, "element_seq": "3", "element_type": "transport", "mode": "sea", "origin_locode": PORT,
           "destination_locode": shipment.destination,
           "distance_km": str(DESTINATIONS[shipment.destination][0]),
           "departure_date": sailing.isoformat(), "activity_code": ACTIVITY_CODE["sea"]}
    assert sailing.month == shipment.month
    return [{column: row.get(column, "") for column in COLUMNS} for row in (pre, hub, sea)]


# ---- checks and figures ------------------------------------------------------------------------

def csv_text(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def ingest_problems(text: str, file_name: str) -> list[tuple]:
    """(source_row, shipment_id, code) of every problem the pipeline's ingest rules find in the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / file_name
        path.write_text(text, encoding="utf-8")
        connection = duckdb.connect()
        try:
            ensure_shipment_tables(connection)
            load_reference_tables(connection)
            store_shipments(connection, "demo", path)
            return connection.execute(
                "select source_row, shipment_id, code from raw.shipment_problems order by all").fetchall()
        finally:
            connection.close()


def cells(rows: list[dict[str, str]]) -> dict[tuple, set[str]]:
    """Shippers per container_transport_statistics cell: month, mode or hub type, origin, destination."""
    found: dict[tuple, set[str]] = defaultdict(set)
    for r in rows:
        key = (r["departure_date"][:7], r["mode"] or r["hub_type"], r["origin_locode"],
               r["destination_locode"] or r["origin_locode"])
        found[key].add(r["shipper_uscc"])
    return found


def wtw_per_teu(rows: list[dict[str, str]]) -> dict[str, list[tuple[float, float]]]:
    """(chain, sea leg) well-to-wheel kgCO2e per TEU of each shipment, by destination (SD-PCF-2026.1)."""
    with open(FACTORS, encoding="utf-8", newline="") as handle:
        factor = {r["factor_id"]: float(r["co2e_kg"]) for r in csv.DictReader(handle) if r["co2e_kg"]}
    chain: dict[str, float] = defaultdict(float)
    sea: dict[str, float] = {}
    teu, destination = {}, {}
    for r in rows:
        t, mass, km = int(r["teu"]), float(r["cargo_mass_t"]), float(r["distance_km"] or 0)
        if r["energy_carrier"]:
            kg = float(r["energy_amount"]) * factor["fuel.diesel.glec.wtw"]
        elif r["element_type"] == "hub":
            kg = t * factor[r["activity_code"]]
        elif r["mode"] == "sea":
            kg = t * km * factor[r["activity_code"]]
            sea[r["shipment_id"]], destination[r["shipment_id"]] = kg, r["destination_locode"]
        else:
            kg = mass * km * factor[r["activity_code"]]
        chain[r["shipment_id"]] += kg
        teu[r["shipment_id"]] = t
    by_destination: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for shipment_id, kg in chain.items():
        per_teu = (kg / teu[shipment_id], sea[shipment_id] / teu[shipment_id])
        by_destination[destination[shipment_id]].append(per_teu)
    return by_destination


# ---- main --------------------------------------------------------------------------------------

def main() -> None:
    shippers = exporters()
    gateway = [s for s in shippers if s.city in CITY_ORIGIN or s.city == QINGDAO]
    skipped = [s for s in shippers if s not in gateway]
    assert all(s.city in OWN_PORT_CITIES for s in skipped), [s.name for s in skipped]
    assert all(s.destinations for s in gateway), [s.name for s in gateway if not s.destinations]
    pools = origin_pools(gateway)
    assert all(is_unlocode(code) for code in [PORT, *ORIGIN_WEIGHT, *DESTINATIONS])

    containers = Containers()
    shipments: list[Shipment] = []
    for month in range(1, 13):
        shipments += month_shipments(month, pools, len(shipments) + 1)
    rows = [row for s in shipments for row in chain_rows(s, containers.new())]

    # the bad file: three December shipments from Weifang; the second container's check digit is wrong
    weifang = sorted(pools["CNWFG"], key=lambda s: s.uscc)[:3]
    bad_shipments = [
        Shipment(f"TAO25-9{n:03d}", shipper, "CNWFG", "road", 12, rng.choice(shipper.destinations))
        for n, shipper in enumerate(weifang, start=1)
    ]
    bad_rows = [row for s in bad_shipments for row in chain_rows(s, containers.new())]
    wrong = bad_rows[3]["container_no"]
    wrong = wrong[:10] + str((iso6346_check_digit(wrong[:10]) + 3) % 10)
    for row in bad_rows[3:6]:
        row["container_no"] = wrong  # the same wrong number on all rows: nothing but the check digit is off
    assert container_number_problem(wrong) is not None

    text, bad_text = csv_text(rows), csv_text(bad_rows)
    assert ingest_problems(text, FILE_NAME) == [], ingest_problems(text, FILE_NAME)[:5]
    assert ingest_problems(bad_text, BAD_FILE_NAME) == [
        (row, "TAO25-9002", "CONTAINER_CHECK_DIGIT") for row in (5, 6, 7)
    ], ingest_problems(bad_text, BAD_FILE_NAME)

    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    (OUT / FILE_NAME).write_text(text, encoding="utf-8")
    (OUT / BAD_FILE_NAME).write_text(bad_text, encoding="utf-8")

    # report (the accepted shipments of the bad file count in the statistics too)
    accepted = rows + [r for r in bad_rows if r["shipment_id"] != "TAO25-9002"]
    statistics = cells(accepted)
    published = sum(len(s) >= MIN_SHIPPERS for s in statistics.values())
    used = {s.shipper.uscc for s in shipments}
    print(f"{FILE_NAME}: {len(shipments)} shipments, {len(rows)} rows, {len(used)} shippers, "
          f"{sum(int(r['teu']) for r in rows if r['element_seq'] == '1')} TEU, "
          f"{sum(1 for r in rows if r['energy_carrier'])} road legs with measured diesel")
    print(f"{BAD_FILE_NAME}: 3 shipments; TAO25-9002 container {wrong} fails the ISO 6346 check "
          f"→ its 3 rows CONTAINER_CHECK_DIGIT, the other 2 shipments accepted")
    print(f"not shipping through Qingdao (own ports): {', '.join(s.name for s in skipped) or '-'}")
    for origin, pool in pools.items():
        print(f"  {origin}: {len(pool)} shippers ({', '.join(s.name.split(' Co.')[0] for s in pool)})")
    print(f"statistics cells: {len(statistics)}, with ≥ {MIN_SHIPPERS} shippers: {published}, "
          f"suppressed: {len(statistics) - published}")
    print(f"{'destination':12} {'sea km':>7} {'shipments':>9}   WTW kgCO2e per TEU: {'sea leg':>7} "
          f"{'chain min':>9} {'mean':>6} {'max':>6}")
    for destination, values in sorted(wtw_per_teu(rows).items(), key=lambda item: -DESTINATIONS[item[0]][0]):
        whole = [v[0] for v in values]
        print(f"{destination:12} {DESTINATIONS[destination][0]:7,d} {len(values):9d} {'':21}"
              f"{values[0][1]:7.0f} {min(whole):9.0f} {mean(whole):6.0f} {max(whole):6.0f}")
    assert published >= 0.85 * len(statistics)


if __name__ == "__main__":
    main()
