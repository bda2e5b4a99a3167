"""Hand-written SVG charts of footprint distributions, one small chart per product category.

Each chart is a strip plot: one dot per product, a box from P25 to P75, the median marked, whiskers
to min and max, with min / median / max labelled. When all values are positive and span more than
`LOG_RATIO` (max / min), the axis is logarithmic with ticks at powers of ten. Output is a pure
function of the data (no randomness: the vertical jitter is derived from each dot's rank).
"""

from __future__ import annotations

import math
from collections import defaultdict

import pyarrow as pa

from orchestration.publish.html import esc, fmt_number
from orchestration.publish.specs import Chart

FOOTPRINT_DATASET = "product_footprints"
CATEGORY_COLUMN = "product_category"
VALUE_COLUMN = "pcf_excl_biogenic_kgco2e_per_unit"
UNIT_COLUMN = "declared_unit"
LOG_RATIO = 20.0

WIDTH, HEIGHT = 360, 124
X0, X1 = 26.0, 334.0
MAX_LOG_TICKS = 6
STRIP_Y, STRIP_HALF = 50.0, 15.0
AXIS_Y = 82.0
COLOUR = "#1f7a5a"


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolation quantile (type 7, as numpy's default) of already-sorted values."""
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _nice_step(span: float, target_ticks: int = 4) -> float:
    raw = span / target_ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


class _Scale:
    """Maps data values to x positions, linear or log10, with the tick values to draw."""

    def __init__(self, low: float, high: float) -> None:
        self.log = low > 0 and high / low > LOG_RATIO
        if self.log:
            self.lo, self.hi = math.floor(math.log10(low)), math.ceil(math.log10(high))
            every = math.ceil((self.hi - self.lo + 1) / MAX_LOG_TICKS)
            self.hi = self.lo + every * math.ceil((self.hi - self.lo) / every)
            self.ticks = [10.0**e for e in range(int(self.lo), int(self.hi) + 1, every)]
            return
        if high == low:
            pad = abs(high) * 0.1 or 1.0
            low, high = low - pad, high + pad
        step = _nice_step(high - low)
        self.lo, self.hi = math.floor(low / step) * step, math.ceil(high / step) * step
        count = round((self.hi - self.lo) / step)
        self.ticks = [self.lo + i * step for i in range(count + 1)]

    def x(self, value: float) -> float:
        v = math.log10(value) if self.log else value
        return X0 + (v - self.lo) / (self.hi - self.lo) * (X1 - X0)


def _f(value: float) -> str:
    return f"{value:.1f}"


def _tick_label(value: float, log: bool) -> str:
    """Axis labels: powers of ten outside 0.001 … 1,000,000 as 1e-5, 1e7; others as usual."""
    if log and not 1e-3 <= value <= 1e6:
        return f"1e{round(math.log10(value))}"
    return fmt_number(value)


def distribution_svg(values: list[float], label: str) -> str:
    """One strip plot of `values` (at least one finite value) as an inline SVG string."""
    data = sorted(values)
    scale = _Scale(data[0], data[-1])
    p25, median, p75 = quantile(data, 0.25), quantile(data, 0.5), quantile(data, 0.75)
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{esc(label)}" font-size="11">',
        f"<title>{esc(label)}</title>",
        f'<line x1="{_f(scale.x(data[0]))}" x2="{_f(scale.x(data[-1]))}" y1="{_f(STRIP_Y)}" '
        f'y2="{_f(STRIP_Y)}" stroke="{COLOUR}" stroke-width="1"/>',
        f'<rect x="{_f(scale.x(p25))}" y="{_f(STRIP_Y - 10)}" '
        f'width="{_f(max(scale.x(p75) - scale.x(p25), 1.0))}" height="20" fill="{COLOUR}" '
        f'fill-opacity="0.15" stroke="{COLOUR}" stroke-width="1"/>',
    ]
    for rank, value in enumerate(data):
        jitter = ((rank * 7) % 11 - 5) / 5 * (STRIP_HALF - 3)
        parts.append(
            f'<circle cx="{_f(scale.x(value))}" cy="{_f(STRIP_Y + jitter)}" r="2.6" '
            f'fill="{COLOUR}" fill-opacity="0.55"/>'
        )
    mx = _f(scale.x(median))
    parts.append(
        f'<line x1="{mx}" x2="{mx}" y1="{_f(STRIP_Y - 15)}" y2="{_f(STRIP_Y + 15)}" '
        f'stroke="{COLOUR}" stroke-width="2.5"/>'
    )
    anchor_x = min(max(scale.x(median), X0 + 40), X1 - 40)
    parts.append(
        f'<text x="{_f(anchor_x)}" y="20" text-anchor="middle" font-weight="600">'
        f"median 中位数 {esc(fmt_number(median))}</text>"
    )
    parts.append(f'<line x1="{_f(X0)}" x2="{_f(X1)}" y1="{_f(AXIS_Y)}" y2="{_f(AXIS_Y)}" stroke="#8a93a6"/>')
    for tick in scale.ticks:
        tx = _f(scale.x(tick))
        parts.append(f'<line x1="{tx}" x2="{tx}" y1="{_f(AXIS_Y)}" y2="{_f(AXIS_Y + 4)}" stroke="#8a93a6"/>')
        parts.append(
            f'<text x="{tx}" y="{_f(AXIS_Y + 15)}" text-anchor="middle" font-size="10">'
            f"{esc(_tick_label(tick, scale.log))}</text>"
        )
    parts.append(
        f'<text x="{_f(X0)}" y="{HEIGHT - 6}" text-anchor="start">min {esc(fmt_number(data[0]))}</text>'
    )
    parts.append(
        f'<text x="{_f((X0 + X1) / 2)}" y="{HEIGHT - 6}" text-anchor="middle">n = {len(data)}</text>'
    )
    parts.append(
        f'<text x="{_f(X1)}" y="{HEIGHT - 6}" text-anchor="end">max {esc(fmt_number(data[-1]))}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def footprint_charts(
    table: pa.Table, category_names: dict[str, tuple[str, str]] | None = None
) -> list[Chart]:
    """One chart per category of `product_footprints`: the distribution of the excl.-biogenic PCF.

    `category_names` optionally maps a category code to its (English, Chinese) names.
    Returns [] when the table lacks the needed columns. Categories are in code order.
    """
    if not {CATEGORY_COLUMN, VALUE_COLUMN, UNIT_COLUMN} <= set(table.column_names):
        return []
    values: dict[str, list[float]] = defaultdict(list)
    units: dict[str, set[str]] = defaultdict(set)
    categories = table.column(CATEGORY_COLUMN).to_pylist()
    amounts = table.column(VALUE_COLUMN).to_pylist()
    declared = table.column(UNIT_COLUMN).to_pylist()
    for category, amount, unit in zip(categories, amounts, declared, strict=True):
        if category is None or amount is None or not math.isfinite(float(amount)):
            continue
        values[category].append(float(amount))
        if unit:
            units[category].add(unit)
    names = category_names or {}
    charts = []
    for category in sorted(values):
        unit = " / ".join(sorted(units[category])) or "declared unit"
        name_en, name_zh = names.get(category, (category, ""))
        scale_note = _Scale(min(values[category]), max(values[category])).log
        charts.append(
            Chart(
                key=category,
                title_en=name_en if name_en == category else f"{name_en} ({category})",
                title_zh=name_zh,
                svg=distribution_svg(values[category], f"{category}: kgCO2e per {unit}"),
                caption_en=f"{len(values[category])} products · kgCO2e per {unit}, excl. biogenic"
                + (" · log scale" if scale_note else ""),
                caption_zh=f"{len(values[category])} 个产品 · 千克二氧化碳当量/{unit}（不含生物源碳）"
                + (" · 对数刻度" if scale_note else ""),
            )
        )
    return charts
