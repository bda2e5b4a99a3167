"""`stable_sum` (models/macros/sums.sql): a group's sum is the same to the last bit whatever order
its rows arrive in, which a parallel `sum` of doubles is not (SPEC §6: same inputs, same as-of →
byte-identical data files)."""

import math
import random

import duckdb
import jinja2
import pyarrow as pa
import pytest

from orchestration.transform.project import DBT_PROJECT_DIR

MACRO = (DBT_PROJECT_DIR / "macros" / "sums.sql").read_text(encoding="utf-8")


def stable_sum(expression: str, where: str | None = None) -> str:
    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(
        MACRO + "{{ stable_sum(expression, where=where) }}"
    )
    return template.render(expression=expression, where=where)


def _values(seed: int, groups: int = 40, per_group: int = 300) -> list[tuple[int, float, str]]:
    """Doubles of very different magnitudes and both signs: their sum depends on the order of adding."""
    rng = random.Random(seed)
    return [
        (group, rng.choice([1, -1]) * rng.uniform(0, 1) * 10 ** rng.randint(-6, 9), rng.choice(["a", "b"]))
        for group in range(groups)
        for _ in range(per_group)
    ]


def _sums(rows: list[tuple[int, float, str]], aggregate: str) -> dict[int, float]:
    """Per group, `aggregate` over the rows read in the order given (one thread: that order, exactly)."""
    connection = duckdb.connect()
    connection.execute("set threads = 1")
    groups, values, kinds = zip(*rows, strict=True)
    received = pa.table({"g": pa.array(groups, pa.int32()), "x": pa.array(values, pa.float64()), "kind": kinds})
    connection.execute("create table t as select * from received")
    return dict(connection.execute(f"select g, {aggregate} from t group by g").fetchall())


def test_the_same_values_in_another_order_give_the_same_bits():
    rows = _values(7)
    shuffled = rows[:]
    random.Random(8).shuffle(shuffled)
    # The check has teeth: a plain sum of these values changes with their order...
    assert _sums(rows, "sum(x)") != _sums(shuffled, "sum(x)")
    # ...the stable sum does not, with a filter or without, and stays within rounding of math.fsum.
    for where in (None, "kind = 'a'"):
        forward, backward = _sums(rows, stable_sum("x", where)), _sums(shuffled, stable_sum("x", where))
        assert forward == backward
        for group, total in forward.items():
            exact = math.fsum(x for g, x, kind in rows if g == group and (where is None or kind == "a"))
            assert total == pytest.approx(exact, rel=1e-12, abs=1e-9)


def test_nulls_empty_groups_and_huge_values_behave_as_sum():
    connection = duckdb.connect()
    rows = connection.execute(
        f"""
        select g, sum(x), {stable_sum('x')}, sum(x) filter (where x > 5), {stable_sum('x', 'x > 5')}
        from (values (1, 1.5), (1, null), (2, null::double), (3, 7.0), (3, 2e15), (4, 'nan'::double))
            as t(g, x)
        group by g order by g
        """
    ).fetchall()
    assert [row[1] for row in rows] == pytest.approx([row[2] for row in rows], nan_ok=True)
    assert rows[0][2] == 1.5 and rows[1][2] is None  # nulls ignored; no value at all: null
    assert rows[0][4] is None and rows[2][4] == 2e15 + 7.0  # an empty filter: null; a huge value: the double sum
    assert math.isnan(rows[3][2])
