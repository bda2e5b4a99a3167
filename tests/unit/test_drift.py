"""The drift gate's measure of product moves, against the released file, in a real warehouse."""

from __future__ import annotations

import math

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.home import Home
from orchestration.validate.drift import MOVE_THRESHOLD, PRODUCT_RATIO, Move, measure_drift

RELEASE = "2026-01-31"
USCC = "91370200MA3C4LXX5U"

# product code → (released value, value tonight); None: no value on that side, absent: not there
PRODUCTS = {
    "P-SAME": (2.0, 2.0),
    "P-SLIGHT": (2.0, 2.9),  # moved by 45 %: neither counted nor listed
    "P-HALF": (2.0, 3.5),  # moved by 75 %: counted
    "P-TENFOLD": (0.5, 5.0),  # counted and listed
    "P-DOWN": (300.0, 3.0),
    "P-ZERO": (0.0, 4.0),  # from zero: infinitely far, listed
    "P-BOTH-ZERO": (0.0, 0.0),
    "P-NEGATIVE": (-1.0, -20.0),
    "P-SIGN": (-1.0, 5.0),  # the ratio is negative: counted as a move, not listed
    "P-NAN": (math.nan, 2.0),  # a NaN compares false in either measure
    "P-NO-VALUE": (None, 2.0),  # not compared
    "P-GONE": (2.0, "absent"),
    "P-NEW": ("absent", 2.0),
}


def _table(side: int) -> pa.Table:
    rows = [
        {
            "product_footprint_id": f"00000000-0000-5000-8000-{number:012d}",
            "company_uscc": USCC,
            "product_code": code,
            "pcf_excl_biogenic_kgco2e_per_unit": values[side],
        }
        for number, (code, values) in enumerate(sorted(PRODUCTS.items()))
        if values[side] != "absent"
    ]
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("product_footprint_id", pa.string()), ("company_uscc", pa.string()), ("product_code", pa.string()),
        ("pcf_excl_biogenic_kgco2e_per_unit", pa.float64()),
    ]))


def test_product_moves_are_measured_against_the_released_file(tmp_path):
    home = Home(tmp_path / "home").ensure()
    folder = home.publish / "releases" / RELEASE
    folder.mkdir(parents=True)
    pq.write_table(_table(0), folder / "product_footprints.parquet")
    pq.write_table(pa.table({"factor_id": ["F.SLIP", "F.SAME"], "ghg_kgco2e_per_activity_unit": [0.6, 1.5]}), folder / "emission_factors.parquet")
    (home.publish / "LATEST").write_text(RELEASE + "\n", encoding="utf-8")
    connection = duckdb.connect(str(home.duckdb))
    tonight = _table(1)
    connection.execute("create table main.product_footprints as select * from tonight")
    connection.execute("create table main.emission_factors as select * from (values ('F.SLIP', 600.0::double), ('F.SAME', 1.5::double)) as f(factor_id, ghg_kgco2e_per_activity_unit)")
    connection.close()

    report = measure_drift(home, "2026-02-15")

    # what the measure means, worked out here one product at a time
    compared = [(code, old, new) for code, (old, new) in sorted(PRODUCTS.items()) if isinstance(old, float) and isinstance(new, float)]
    assert report.compared_with == RELEASE
    assert report.products_compared == len(compared) == 10
    moved = [code for code, old, new in compared if abs(new - old) > MOVE_THRESHOLD * max(abs(old), 1e-300)]
    assert report.products_moved == len(moved) == 6  # P-HALF, P-TENFOLD, P-DOWN, P-ZERO, P-NEGATIVE, P-SIGN
    listed = [Move(f"{USCC}/{code}", old, new) for code, old, new in compared if Move("", old, new).ratio >= PRODUCT_RATIO]
    assert [m.key.split("/")[1] for m in report.products] == ["P-DOWN", "P-NEGATIVE", "P-TENFOLD", "P-ZERO"]
    assert report.products == listed
    assert report.factors == [Move("F.SLIP", 0.6, 600.0)]
