"""`pcf bench`: the SPEC §8 measurement. Generate, run the pipeline, run the floor, compare.

1. `generate` about `lines` activity lines (50 a product, 10 products a company, one file a
   company) into a fresh home, and flush them to the disk (`os.sync`, not timed): an operator's
   files land long before the night, whose ingest must not pay for writing them;
2. run the nightly job in this process (`run_nightly`), timed; its peak memory is the largest
   resident set of this process and its children (the worker processes that read files, the PACT
   exports, the validation worker) held at one moment, sampled from /proc by a process of its
   own (`TreeMemory`);
3. the floor: ONE hand-written DuckDB query over the same landing files computing every product's
   per-unit footprint (SPEC §3.1 factor choice, unit conversion from the units seed, supplier
   chains by a recursive CTE, products with a bad row — and the buyers depending on them — left
   out, as the pipeline must). DuckDB cannot read GB18030 offline, so those files are first
   transcoded to UTF-8 in a temporary folder: that step is timed apart (`transcode_s`) and NOT
   counted in `reference_s`, which is the query alone. The pipeline's own writes are flushed
   first, and the query runs `FLOOR_RUNS` times: `reference_s` is the fastest run (the floor
   right after a night ran up to 25 % slower than on a quiet machine, flattering the ratio);
4. compare the pipeline's products (public ones from `main.product_footprints`, the others from
   `intermediate.int_product_footprints`) with the floor's: same products, and
   pcf_excl_biogenic_kgco2e_per_unit equal to 1e-9 relative;
5. a night with no new input, then one new submission on top (timed, and compared again);
6. the same two nights as an operator runs them, `pcf run` each in a process of its own: these
   also pay starting Python and importing Dagster, dbt and Great Expectations, and dbt's first
   build in a process, which the nights in this process after the first do not.

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

import duckdb
from rich.console import Console
from rich.table import Table

from orchestration.generate import add_company, generate
from orchestration.home import DBT_PROJECT_DIR, Home
from orchestration.inputs import SUBMISSION_COLUMNS

LINES_PER_PRODUCT = 50
PRODUCTS_PER_COMPANY = 10
LINES_PER_FILE = LINES_PER_PRODUCT * PRODUCTS_PER_COMPANY
AS_OF = date(2026, 6, 30)
RELATIVE_TOLERANCE = 1e-9
SEEDS = DBT_PROJECT_DIR / "seeds"


# --- the floor --------------------------------------------------------------------------------------


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join(_sql_string(str(p)) for p in paths) + "]"


REFERENCE_SQL = """
with recursive

units as (
    select unit, dimension, cast(to_base as double) as to_base
    from read_csv({units}, all_varchar = true)
),

geographies as (
    select geography_code, level, gbt2260_code
    from read_csv({geographies}, all_varchar = true)
),

gwp as (
    select
        cast(gwp_ch4_fossil as double) as ch4_fossil,
        cast(gwp_ch4_nonfossil as double) as ch4_nonfossil,
        cast(gwp_n2o as double) as n2o
    from read_csv({gwp_sets}, all_varchar = true)
    where gwp_set = {gwp_set}
),

categories as (
    select
        category_code,
        cast(plausible_min_kgco2e_per_unit as double) as plausible_min,
        cast(plausible_max_kgco2e_per_unit as double) as plausible_max
    from read_csv({categories}, all_varchar = true)
),

factors as (
    select
        f.factor_id,
        f.activity_code,
        f.geography,
        f.lca_scope,
        cast(f.reference_year as integer) as reference_year,
        factor_unit.dimension as factor_dimension,
        factor_unit.to_base as factor_to_base,
        coalesce(
            try_cast(f.co2e_kg as double),
            coalesce(try_cast(f.co2_fossil_kg as double), 0)
            + coalesce(try_cast(f.ch4_fossil_kg as double), 0) * gwp.ch4_fossil
            + coalesce(try_cast(f.ch4_biogenic_kg as double), 0) * gwp.ch4_nonfossil
            + coalesce(try_cast(f.n2o_kg as double), 0) * gwp.n2o
            + coalesce(try_cast(f.other_ghg_kgco2e as double), 0)
        ) as ghg_per_factor_unit,
        coalesce(try_cast(f.co2_biogenic_kg as double), 0) as biogenic_per_factor_unit
    from read_csv({factors}, all_varchar = true) as f
    cross join gwp
    inner join units as factor_unit on factor_unit.unit = f.activity_unit
    where f.status = 'active'
),

received as (
    select *
    from read_csv(
        {files},
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {columns}
    )
),

lines as (
    select
        company_uscc || '/' || product_code || '/' || reporting_period_start || '/' || reporting_period_end
            as product_period_key,
        company_uscc || '/' || product_code as product_key,
        company_uscc,
        product_category,
        declared_unit,
        disclosure,
        system_boundary,
        try_cast(production_volume as double) as production_volume,
        try_cast(reporting_period_start as date) as period_start,
        try_cast(reporting_period_end as date) as period_end,
        lifecycle_stage,
        try_cast(amount as double) as amount,
        unit,
        activity_code,
        factor_id,
        supplier_product,
        coalesce(try_cast(allocation_share as double), 1.0) as allocation_share
    from received
),

typed_lines as (
    select
        lines.*,
        row_unit.dimension as unit_dimension,
        row_unit.to_base as unit_to_base,
        -- the row checks the generated bad rows break (a product with one is held back whole)
        lines.amount is null or lines.amount < 0
            or row_unit.unit is null
            or lines.production_volume is null or lines.production_volume <= 0
            or lines.allocation_share <= 0 or lines.allocation_share > 1
            or (activity_code is not null)::int + (factor_id is not null)::int + (supplier_product is not null)::int <> 1
            or lifecycle_stage not in ('raw_materials', 'production', 'distribution', 'use', 'end_of_life')
            or (system_boundary = 'cradle_to_gate' and lifecycle_stage not in ('raw_materials', 'production'))
            as is_bad_row
    from lines
    left join units as row_unit on row_unit.unit = lines.unit
),

products as (
    select
        product_period_key,
        any_value(product_key) as product_key,
        any_value(company_uscc) as company_uscc,
        any_value(product_category) as product_category,
        any_value(declared_unit) as declared_unit,
        any_value(disclosure) as disclosure,
        any_value(production_volume) as production_volume,
        any_value(period_start) as period_start,
        any_value(period_end) as period_end,
        year(any_value(period_end)) as reporting_year,
        bool_or(is_bad_row) as has_bad_row
    from typed_lines
    group by product_period_key
),

located as (
    select
        products.product_period_key,
        products.reporting_year,
        coalesce(city.geography_code, '') as city_geography,
        coalesce(province.geography_code, '') as province_geography
    from products
    left join geographies as city
        on city.level = 'city' and city.gbt2260_code = substr(products.company_uscc, 3, 4) || '00'
    left join geographies as province
        on province.level = 'province' and province.gbt2260_code = substr(products.company_uscc, 3, 2)
),

factor_lines as (
    select typed_lines.*, located.reporting_year, located.city_geography, located.province_geography
    from typed_lines
    inner join located using (product_period_key)
    where typed_lines.supplier_product is null and not typed_lines.is_bad_row
),

-- SPEC §3.1 factor choice depends only on (code, unit dimension, company geography, reporting
-- year): chosen once per distinct key, not per line
choice_keys as (
    select distinct activity_code, unit_dimension, city_geography, province_geography, reporting_year
    from factor_lines
    where activity_code is not null
),

chosen_by_code as (
    select
        choice_keys.*,
        factors.ghg_per_factor_unit / factors.factor_to_base as ghg_per_base_unit,
        factors.biogenic_per_factor_unit / factors.factor_to_base as biogenic_per_base_unit
    from choice_keys
    inner join factors
        on factors.activity_code = choice_keys.activity_code
        and factors.factor_dimension = choice_keys.unit_dimension
        and factors.geography in (choice_keys.city_geography, choice_keys.province_geography, 'CN', 'GLO')
        -- by activity code a product takes life-cycle factors, never tank-to-wheel / well-to-tank parts
        and factors.lca_scope not in ('ttw', 'wtt')
    qualify row_number() over (
        partition by choice_keys.activity_code, choice_keys.unit_dimension, choice_keys.city_geography,
            choice_keys.province_geography, choice_keys.reporting_year
        order by
            case factors.geography
                when choice_keys.city_geography then 1
                when choice_keys.province_geography then 2
                when 'CN' then 3
                else 4
            end,
            factors.reference_year > choice_keys.reporting_year,
            case
                when factors.reference_year <= choice_keys.reporting_year then -factors.reference_year
                else factors.reference_year
            end,
            factors.factor_id
    ) = 1
),

line_emissions as (
    select
        factor_lines.product_period_key,
        coalesce(by_code.ghg_per_base_unit, named.ghg_per_factor_unit / named.factor_to_base) as ghg_per_base_unit,
        coalesce(by_code.biogenic_per_base_unit, named.biogenic_per_factor_unit / named.factor_to_base)
            as biogenic_per_base_unit,
        factor_lines.amount * factor_lines.allocation_share * factor_lines.unit_to_base as amount_in_base_unit
    from factor_lines
    left join chosen_by_code as by_code
        on by_code.activity_code = factor_lines.activity_code
        and by_code.unit_dimension = factor_lines.unit_dimension
        and by_code.city_geography = factor_lines.city_geography
        and by_code.province_geography = factor_lines.province_geography
        and by_code.reporting_year = factor_lines.reporting_year
    left join factors as named
        on named.factor_id = factor_lines.factor_id
        and named.factor_dimension = factor_lines.unit_dimension
),

direct as (
    select
        product_period_key,
        sum(amount_in_base_unit * ghg_per_base_unit) as ghg_kgco2e,
        sum(amount_in_base_unit * biogenic_per_base_unit) as biogenic_co2_kg,
        bool_or(ghg_per_base_unit is null) as has_unresolved_line
    from line_emissions
    group by product_period_key
),

link_lines as (
    select *, row_number() over () as link_id
    from typed_lines
    where supplier_product is not null and not is_bad_row
),

link_candidates as (
    select
        link_lines.link_id,
        supplier.product_period_key as supplier_key,
        supplier.declared_unit as supplier_declared_unit,
        supplier.period_start <= link_lines.period_start and supplier.period_end >= link_lines.period_end as is_covering,
        supplier.period_end as supplier_period_end
    from link_lines
    inner join products as supplier
        on supplier.product_key = link_lines.supplier_product
        and (
            (supplier.period_start <= link_lines.period_start and supplier.period_end >= link_lines.period_end)
            or supplier.period_end <= link_lines.period_end
        )
),

chosen_links as (
    select *
    from link_candidates
    qualify row_number() over (
        partition by link_id order by is_covering desc, supplier_period_end desc, supplier_key
    ) = 1
),

links as (
    select
        link_lines.product_period_key as buyer_key,
        chosen_links.supplier_key,
        chosen_links.link_id is null or link_lines.unit_dimension is distinct from supplier_unit.dimension as is_broken,
        link_lines.amount * link_lines.allocation_share * (link_lines.unit_to_base / supplier_unit.to_base)
            / link_lines.production_volume as supplier_units_per_unit
    from link_lines
    left join chosen_links using (link_id)
    left join units as supplier_unit on supplier_unit.unit = chosen_links.supplier_declared_unit
),

broken_links as (
    select distinct buyer_key as product_period_key from links where is_broken
),

edges as (
    select buyer_key, supplier_key, sum(supplier_units_per_unit) as weight
    from links
    where not is_broken
    group by buyer_key, supplier_key
),

nodes as (
    select
        products.product_period_key,
        coalesce(direct.ghg_kgco2e, 0) / products.production_volume as ghg_per_unit,
        coalesce(direct.biogenic_co2_kg, 0) / products.production_volume as biogenic_per_unit,
        products.has_bad_row
            or coalesce(direct.has_unresolved_line, false)
            or broken_links.product_period_key is not null as has_problem
    from products
    left join direct using (product_period_key)
    left join broken_links using (product_period_key)
),

walk (root_key, node_key, coefficient, depth) as (
    select product_period_key, product_period_key, 1.0::double, 0
    from nodes
    union all
    select walk.root_key, edges.supplier_key, walk.coefficient * edges.weight, walk.depth + 1
    from walk
    inner join edges on edges.buyer_key = walk.node_key
    where walk.depth < 64
),

totals as (
    select
        walk.root_key as product_period_key,
        sum(walk.coefficient * nodes.ghg_per_unit) as pcf_excl_biogenic_kgco2e_per_unit,
        sum(walk.coefficient * (nodes.ghg_per_unit + nodes.biogenic_per_unit)) as pcf_incl_biogenic_kgco2e_per_unit,
        bool_or(nodes.has_problem) as is_held_back
    from walk
    inner join nodes on nodes.product_period_key = walk.node_key
    group by walk.root_key
),

final as (
    select
        totals.product_period_key,
        products.disclosure,
        totals.pcf_excl_biogenic_kgco2e_per_unit,
        totals.pcf_incl_biogenic_kgco2e_per_unit
    from totals
    inner join products using (product_period_key)
    inner join categories on categories.category_code = products.product_category
    where not totals.is_held_back
        and totals.pcf_excl_biogenic_kgco2e_per_unit
            between categories.plausible_min and categories.plausible_max
)

select * from final
"""


def reference_sql(files: list[Path], factors_csv: Path, gwp_set: str = "AR6") -> str:
    return REFERENCE_SQL.format(
        units=_sql_string(str(SEEDS / "units.csv")),
        geographies=_sql_string(str(SEEDS / "geographies.csv")),
        gwp_sets=_sql_string(str(SEEDS / "gwp_sets.csv")),
        categories=_sql_string(str(SEEDS / "product_categories.csv")),
        gwp_set=_sql_string(gwp_set),
        factors=_sql_string(str(factors_csv)),
        files=_sql_list(files),
        columns="{" + ", ".join(f"{_sql_string(c.name)}: 'varchar'" for c in SUBMISSION_COLUMNS) + "}",
    )


def _is_utf8(path: Path, sniff: int = 1 << 16) -> bool:
    """Do the first `sniff` bytes decode as UTF-8 (a character cut at the end is fine)?"""
    with path.open("rb") as handle:
        head = handle.read(sniff)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.reason == "unexpected end of data" and error.start >= len(head) - 3
    return True


def utf8_files(submissions: Path, scratch: Path) -> tuple[list[Path], int]:
    """The submission CSVs as DuckDB can read them: UTF-8 ones as they are, others (GB18030)
    transcoded into `scratch`. Returns the paths and how many were transcoded."""
    scratch.mkdir(parents=True, exist_ok=True)
    out, transcoded = [], 0
    for path in sorted(submissions.glob("*.csv")):
        if _is_utf8(path):
            out.append(path)
            continue
        target = scratch / path.name
        target.write_bytes(path.read_bytes().decode("gb18030").encode("utf-8"))
        out.append(target)
        transcoded += 1
    return out, transcoded


FLOOR_RUNS = 3  # the floor is the fastest of these runs of its query


def _sync() -> float:
    """Flush what was written to the disk, so that the next thing timed does not pay for it; the
    seconds it took."""
    started = time.perf_counter()
    os.sync()
    return round(time.perf_counter() - started, 3)


@dataclass
class Floor:
    seconds: float  # the fastest run of the query
    transcode_seconds: float
    transcoded_files: int
    products: int
    table: object  # pyarrow.Table
    runs: list[float] = field(default_factory=list)  # each run of the query, in order


def run_reference(home: Home, scratch: Path, threads: int | None = None, runs: int = 1) -> Floor:
    """The floor: transcode GB18030 files (timed apart, once), then the one query, `runs` times
    (each timed; the fastest is the floor)."""
    started = time.perf_counter()
    files, transcoded = utf8_files(home.landing / "submissions", scratch)
    transcode_seconds = time.perf_counter() - started
    releases = sorted((home.landing / "factors").glob("*/factors.csv"))
    if len(releases) != 1:
        raise ValueError(f"the floor handles exactly one full factor release, found {len(releases)}")
    sql = reference_sql(files, releases[0])
    connection = duckdb.connect()
    if threads:
        connection.execute(f"set threads = {int(threads)}")
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        table = connection.sql(sql).to_arrow_table()  # the same rows each run: the last is kept
        times.append(time.perf_counter() - started)
    connection.close()
    return Floor(min(times), transcode_seconds, transcoded, table.num_rows, table, times)


# --- the comparison -----------------------------------------------------------------------------------

PIPELINE_PRODUCTS_SQL = """
select
    company_uscc || '/' || product_code || '/' || strftime(reporting_period_start, '%Y-%m-%d')
        || '/' || strftime(reporting_period_end, '%Y-%m-%d') as product_period_key,
    'public' as disclosure,
    pcf_excl_biogenic_kgco2e_per_unit,
    pcf_incl_biogenic_kgco2e_per_unit
from main.product_footprints
union all
select
    product_period_key,
    disclosure,
    pcf_excl_biogenic_kgco2e_per_unit,
    pcf_incl_biogenic_kgco2e_per_unit
from intermediate.int_product_footprints
where disclosure <> 'public' and not coalesce(is_out_of_plausible_range, false)
"""


COMPUTED_PRODUCTS_SQL = """
select product_period_key, disclosure, pcf_excl_biogenic_kgco2e_per_unit, pcf_incl_biogenic_kgco2e_per_unit
from intermediate.int_product_footprints
where not coalesce(is_out_of_plausible_range, false)
"""


@dataclass
class Comparison:
    pipeline_products: int = 0
    reference_products: int = 0
    only_in_pipeline: int = 0
    only_in_reference: int = 0
    value_mismatches: int = 0
    max_relative_difference: float = 0.0
    examples: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def agree(self) -> bool:
        return (
            self.error is None
            and self.reference_products > 0
            and self.only_in_pipeline == self.only_in_reference == self.value_mismatches == 0
        )


def compare(home: Home, floor: Floor) -> Comparison:
    """Same products on both sides; pcf_excl (and incl) within RELATIVE_TOLERANCE."""
    result = Comparison(reference_products=floor.products)
    try:
        warehouse = duckdb.connect(str(home.duckdb), read_only=True)
    except duckdb.Error as error:
        result.error = f"warehouse unreadable: {error}".splitlines()[0]
        return result
    try:
        pipeline = warehouse.sql(PIPELINE_PRODUCTS_SQL).to_arrow_table()
    except duckdb.CatalogException:
        # the mart was not built (a failed run): still compare the computed footprints, for the report
        result.error = "main.product_footprints was not built (the run failed); compared int_product_footprints"
        try:
            pipeline = warehouse.sql(COMPUTED_PRODUCTS_SQL).to_arrow_table()
        except duckdb.Error as error:
            result.error = f"pipeline tables unreadable: {error}".splitlines()[0]
            return result
    except duckdb.Error as error:
        result.error = f"pipeline tables unreadable: {error}".splitlines()[0]
        return result
    finally:
        warehouse.close()
    connection = duckdb.connect()
    connection.register("pipeline", pipeline)
    connection.register("reference", floor.table)
    result.pipeline_products = pipeline.num_rows
    rows = connection.execute(
        """
        select
            coalesce(p.product_period_key, r.product_period_key) as product_period_key,
            p.product_period_key is null as only_reference,
            r.product_period_key is null as only_pipeline,
            p.pcf_excl_biogenic_kgco2e_per_unit as pipeline_excl,
            r.pcf_excl_biogenic_kgco2e_per_unit as reference_excl,
            greatest(
                abs(p.pcf_excl_biogenic_kgco2e_per_unit - r.pcf_excl_biogenic_kgco2e_per_unit)
                    / greatest(abs(r.pcf_excl_biogenic_kgco2e_per_unit), 1e-300),
                abs(p.pcf_incl_biogenic_kgco2e_per_unit - r.pcf_incl_biogenic_kgco2e_per_unit)
                    / greatest(abs(r.pcf_incl_biogenic_kgco2e_per_unit), abs(r.pcf_excl_biogenic_kgco2e_per_unit), 1e-300)
            ) as relative_difference
        from pipeline as p
        full outer join reference as r using (product_period_key)
        """
    ).fetchall()
    connection.close()
    for key, only_reference, only_pipeline, pipeline_value, reference_value, difference in rows:
        if only_reference:
            result.only_in_reference += 1
            note = f"only in the floor: {key} ({reference_value:.6g})"
        elif only_pipeline:
            result.only_in_pipeline += 1
            note = f"only in the pipeline: {key} ({pipeline_value:.6g})"
        else:
            difference = difference or 0.0
            result.max_relative_difference = max(result.max_relative_difference, difference)
            if difference <= RELATIVE_TOLERANCE:
                continue
            result.value_mismatches += 1
            note = f"differs: {key} pipeline {pipeline_value!r} floor {reference_value!r}"
        if len(result.examples) < 5:
            result.examples.append(note)
    return result


# --- running the pipeline, measured -------------------------------------------------------------------


@contextmanager
def _keeping_instances():
    """The Dagster instances created inside the block, kept for reading their event logs.

    `run_nightly` makes its own instance (`night_instance`); the bench wraps that factory for the
    duration of one run to read the step start and end events afterwards (measurement only).
    """
    from orchestration.operations import instance as factory

    original = factory.night_instance
    kept: list = []

    def keep():
        created = original()
        kept.append(created)
        return created

    with mock.patch.object(factory, "night_instance", keep):
        yield kept


def step_durations(instances: list) -> dict[str, float]:
    """Seconds from STEP_START to STEP_SUCCESS/STEP_FAILURE of every step of the kept runs."""
    out: dict[str, float] = {}
    for instance in instances:
        for run in instance.get_runs():
            started: dict[str, float] = {}
            for record in instance.all_logs(run.run_id):
                event = record.dagster_event
                if event is None or not record.step_key:
                    continue
                kind = event.event_type_value
                if kind == "STEP_START":
                    started[record.step_key] = record.timestamp
                elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and record.step_key in started:
                    out[record.step_key] = round(record.timestamp - started[record.step_key], 3)
    return out


@dataclass
class Night:
    seconds: float
    exit_code: int
    steps: dict[str, float]
    errors: list[str]
    failed_checks: list[str]


def run_night(home: Home, as_of: date, quiet: bool = True, profile: Path | None = None) -> Night:
    """One nightly run in this process, timed; with `profile`, under cProfile (stats saved there)."""
    from orchestration.runner import run_nightly

    console = Console(file=open(os.devnull, "w"), width=140) if quiet else Console()  # noqa: SIM115
    profiler = cProfile.Profile() if profile else None
    with _keeping_instances() as instances:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        try:
            outcome = run_nightly(home, as_of=as_of, console=console)
        finally:
            if profiler:
                profiler.disable()
                profiler.dump_stats(str(profile))
        seconds = time.perf_counter() - started
    if quiet:
        console.file.close()
    try:
        steps = step_durations(instances)
    except Exception as error:  # noqa: BLE001 - the profile is a bonus, never a reason to fail the bench
        steps = {"(step times unavailable)": 0.0, str(error)[:80]: 0.0}
    return Night(round(seconds, 3), outcome.exit_code, steps, outcome.errors, outcome.failed_checks)


def run_process_night(home: Home, as_of: date, log: Path) -> tuple[float, int]:
    """One nightly run as an operator starts it, `pcf run` in a process of its own, timed from
    start to exit; its output goes to `log`. Returns (seconds, exit code)."""
    command = [sys.executable, "-m", "orchestration.cli", "run", "--home", str(home.root), "--as-of", as_of.isoformat()]
    with log.open("wb") as output:
        started = time.perf_counter()
        finished = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, check=False)
        seconds = time.perf_counter() - started
    return round(seconds, 3), finished.returncode


def profile_top(path: Path, top: int = 15) -> list[tuple[str, float, float, int]]:
    """(function, own seconds, cumulative seconds, calls) of the slowest functions by own time."""
    stats = pstats.Stats(str(path), stream=io.StringIO())
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename.split("site-packages/")[-1].split("/work/main/")[-1]
        rows.append((f"{where}:{line}({name})", round(own, 3), round(cumulative, 3), calls))
    return sorted(rows, key=lambda row: -row[1])[:top]


def _max_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


class TreeMemory:
    """Peak resident memory of this process and its children together (`orchestration/tree_memory.py`,
    which says why it is sampled so, and from a process of its own).

    Used as a context manager: the sampler starts (and has taken its first sample) on entry and
    reports on exit. `peak_kb` is the largest sum seen, `children_peak_kb` the largest own peak of
    a child, `peak_parts` this process's share and each child's at that moment, `timeline` the tree
    about once a second. If the sampler fails, `error` says why and `peak_mb` falls back to this
    process's own exact peak, a lower bound.
    """

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak_kb = 0
        self.children_peak_kb = 0
        self.peak_parts: tuple[int, list[tuple[int, str, int]]] = (0, [])  # at the peak: own kB, (pid, command, kB)
        self.timeline: list[tuple[float, int, int]] = []  # (seconds, this process kB, children kB), about one a second
        self.error: str | None = None
        self._sampler: subprocess.Popen | None = None

    def __enter__(self) -> "TreeMemory":
        script = Path(__file__).with_name("tree_memory.py")
        self._sampler = subprocess.Popen(
            [sys.executable, "-I", str(script), str(os.getpid()), str(self.interval)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self._sampler.stdout is not None
        if self._sampler.stdout.readline().strip() != "ready":
            self.error = f"the memory sampler did not start (exit code {self._sampler.wait()})"
        return self

    def __exit__(self, *exc) -> None:
        sampler, self._sampler = self._sampler, None
        if sampler is None or self.error:
            return
        try:
            output, _ = sampler.communicate("stop\n", timeout=60)
            found = json.loads(output.strip().splitlines()[-1])
        except (subprocess.TimeoutExpired, ValueError, IndexError) as error:
            sampler.kill()
            sampler.wait()
            self.error = f"the memory sampler gave no result: {error}"
            return
        self.peak_kb, self.children_peak_kb = found["peak_kb"], found["children_peak_kb"]
        own, counted = found["peak_parts"]
        self.peak_parts = (own, [tuple(child) for child in counted])
        self.timeline = [tuple(point) for point in found["timeline"]]

    def peak_mb(self) -> float:
        """The largest sum seen, or this process's own exact peak if that is larger."""
        return max(self.peak_kb / 1024, _max_rss_mb(resource.RUSAGE_SELF))


def _peak_time(timeline: list[tuple[float, int, int]]) -> float | None:
    """Seconds into the run of the largest once-a-second sample (where the peak roughly was)."""
    return max(timeline, key=lambda sample: sample[1] + sample[2])[0] if timeline else None


def _write_timeline(path: Path, timeline: list[tuple[float, int, int]]) -> None:
    """The run's memory, about once a second, for a kept workdir: seconds, this process MB, children MB."""
    lines = ["seconds,pipeline_mb,children_mb"] + [f"{t},{own // 1024},{kids // 1024}" for t, own, kids in timeline]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def dbt_node_times(home: Home, top: int = 8) -> list[tuple[str, float]]:
    """The slowest dbt nodes of the last build in this home (from target/run_results.json)."""
    from orchestration.transform.project import run_results

    for target in (home.dbt_target, DBT_PROJECT_DIR / "target"):
        results = run_results(target)
        if results:
            times = sorted(
                ((r["unique_id"].split(".", 2)[-1], round(float(r.get("execution_time") or 0), 3)) for r in results),
                key=lambda item: -item[1],
            )
            return times[:top]
    return []


# --- the bench ------------------------------------------------------------------------------------------


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_report(result: dict, console: Console) -> None:
    table = Table(title=f"pcf bench — {result['lines']:,} lines in {result['files']:,} files")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("SPEC §8 target", justify="right")
    lines = result["lines"]
    big = lines >= 10_000_000
    mid = lines >= 1_000_000
    table.add_row("generate (s)", _fmt(result["generate_s"]), "")
    table.add_row("pipeline wall time (s)", _fmt(result["pipeline_s"]), "≤ 60" if big else "≤ 20" if mid else "")
    table.add_row("pipeline exit code", _fmt(result["pipeline_exit_code"]), "0")
    runs = result.get("reference_runs_s") or []
    table.add_row(f"floor: one DuckDB query (s, fastest of {len(runs)})", _fmt(result["reference_s"], 3), "")
    if len(runs) > 1:
        table.add_row("  … each run (s)", " / ".join(f"{run:.2f}" for run in runs), "")
    table.add_row("floor: GB18030 → UTF-8 first (s, not counted)", _fmt(result["transcode_s"], 3), "")
    table.add_row("ratio pipeline / floor", _fmt(result["ratio"], 1), "≤ 8" if big else "")
    table.add_row("peak RSS, this process and its children at once (MB)", _fmt(result["peak_rss_mb"], 0), "≤ 6144" if big else "≤ 2048" if mid else "")
    table.add_row("  … this process alone / largest child alone (MB)", f"{_fmt(result['peak_rss_self_mb'], 0)} / {_fmt(result['peak_rss_children_mb'], 0)}", "")
    table.add_row("night with no new input (s)", _fmt(result.get("no_input_s")), "≤ 8")
    table.add_row("one new submission on top (s)", _fmt(result.get("incremental_s")), "≤ 20 % of the full run")
    if result.get("incremental_share") is not None:
        table.add_row("  … share of the full run", f"{100 * result['incremental_share']:.0f} %", "≤ 20 %")
    if result.get("incremental_process_s") is not None:
        table.add_row("as `pcf run`, a process each: no new input (s)", _fmt(result["no_input_process_s"]), "≤ 8")
        table.add_row(
            "  … one new submission (s, share of the full run)",
            f"{_fmt(result['incremental_process_s'])} ({100 * result['incremental_process_share']:.0f} %)", "",
        )
    table.add_row("products: pipeline / floor", f"{result['pipeline_products']:,} / {result['reference_products']:,}", "equal")
    table.add_row("agree to 1e-9 relative", "yes" if result["agree"] else "NO", "yes")
    if result.get("incremental_agree") is not None:
        table.add_row("  … after the new submission", "yes" if result["incremental_agree"] else "NO", "yes")
    table.add_row("max relative difference", f"{result['max_relative_difference']:.2e}", "≤ 1e-9")
    table.add_row("load average at start / end", f"{result['load_start']} / {result['load_end']}", "")
    console.print(table)
    for note in result.get("disagreements", []):
        console.print(f"  [red]{note}[/]")
    for error in result.get("pipeline_errors", [])[:3]:
        console.print(f"  [red]pipeline: {error[:300]}[/]")
    if result.get("steps"):
        steps = Table(title="where the full run's time goes (Dagster steps, s)")
        steps.add_column("step")
        steps.add_column("seconds", justify="right")
        for step, seconds in sorted(result["steps"].items(), key=lambda item: -item[1]):
            steps.add_row(step, _fmt(seconds))
        console.print(steps)
    if result.get("profile_top"):
        functions = Table(title="cProfile of the full run: top functions by own time (s)")
        functions.add_column("function")
        functions.add_column("own", justify="right")
        functions.add_column("cumulative", justify="right")
        functions.add_column("calls", justify="right")
        for name, own, cumulative, calls in result["profile_top"]:
            functions.add_row(name[-90:], _fmt(own), _fmt(cumulative), f"{calls:,}")
        console.print(functions)
    if result.get("dbt_slowest"):
        nodes = Table(title="slowest dbt nodes of the last build (s)")
        nodes.add_column("node")
        nodes.add_column("seconds", justify="right")
        for node, seconds in result["dbt_slowest"]:
            nodes.add_row(node, _fmt(seconds, 3))
        console.print(nodes)


def run_bench(
    lines: int,
    workdir: Path | None = None,
    incremental: bool = True,
    console: Console | None = None,
    seed: int = 0,
    profile: bool = False,
) -> dict:
    """Generate `lines` lines (500 a file), run the pipeline and the floor, compare; print a table
    and, as the last line, one JSON object. Returns that object as a dict.

    `workdir` keeps the home (`<workdir>/home`) for inspection; without it a temporary folder is
    used and removed at the end. `profile` runs the full night under cProfile (slower: the
    pipeline time then includes the profiler's overhead) and adds its top functions by own time;
    the stats stay in `<workdir>/pipeline.prof`.
    """
    console = console or Console()
    companies = max(1, lines // LINES_PER_FILE)
    temporary = workdir is None
    root = Path(tempfile.mkdtemp(prefix="pcf-bench-")) if temporary else Path(workdir).resolve()
    home_root = root / "home"
    if home_root.exists():
        raise FileExistsError(f"{home_root} exists: the bench needs a fresh home")
    result: dict = {"load_start": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    try:
        started = time.perf_counter()
        summary = generate(home_root, companies, PRODUCTS_PER_COMPANY, LINES_PER_PRODUCT, seed=seed)
        result["generate_s"] = round(time.perf_counter() - started, 3)
        result["sync_after_generate_s"] = _sync()
        home = Home(home_root).ensure()
        rss_before = _max_rss_mb(resource.RUSAGE_SELF)

        with TreeMemory() as memory:
            full = run_night(home, AS_OF, profile=root / "pipeline.prof" if profile else None)
        rss_self = _max_rss_mb(resource.RUSAGE_SELF)
        peak_rss = memory.peak_mb()  # now: the floor below runs in this process and has a peak of its own
        result["sync_after_pipeline_s"] = _sync()
        floor = run_reference(home, root / "floor-utf8", runs=FLOOR_RUNS)
        comparison = compare(home, floor)
        result.update(
            lines=summary.lines,
            files=summary.files,
            products=summary.products,
            bad_rows=summary.bad_rows,
            products_with_bad_rows=summary.bad_products,
            supplier_links=summary.supplier_links,
            gb18030_files=summary.gb18030_files,
            input_mb=round(summary.bytes_written / 1e6, 1),
            pipeline_s=full.seconds,
            pipeline_exit_code=full.exit_code,
            pipeline_errors=full.errors,
            failed_checks=full.failed_checks,
            reference_s=round(floor.seconds, 3),
            reference_runs_s=[round(seconds, 3) for seconds in floor.runs],
            transcode_s=round(floor.transcode_seconds, 3),
            reference_counts_transcode=False,
            ratio=round(full.seconds / floor.seconds, 1) if floor.seconds else None,
            peak_rss_mb=round(peak_rss),
            peak_rss_at_s=_peak_time(memory.timeline),
            peak_rss_parts={
                "pipeline_mb": memory.peak_parts[0] // 1024,
                "children": [[command, kb // 1024] for _, command, kb in memory.peak_parts[1]],
            },
            peak_rss_self_mb=round(rss_self),
            peak_rss_children_mb=round(memory.children_peak_kb / 1024),
            **({"peak_rss_error": memory.error} if memory.error else {}),
            rss_before_pipeline_mb=round(rss_before),
            agree=comparison.agree,
            pipeline_products=comparison.pipeline_products,
            reference_products=comparison.reference_products,
            only_in_pipeline=comparison.only_in_pipeline,
            only_in_reference=comparison.only_in_reference,
            value_mismatches=comparison.value_mismatches,
            max_relative_difference=comparison.max_relative_difference,
            disagreements=comparison.examples + ([comparison.error] if comparison.error else []),
            steps=full.steps,
            dbt_slowest=dbt_node_times(home),
            profiled=profile,
        )
        if not temporary:
            _write_timeline(root / "memory.csv", memory.timeline)
        if profile:
            result["profile_top"] = profile_top(root / "pipeline.prof")
        if incremental:
            quiet = run_night(home, AS_OF + timedelta(days=1))
            result["no_input_s"] = quiet.seconds
            result["no_input_exit_code"] = quiet.exit_code
            result["no_input_steps"] = quiet.steps
            add_company(home_root, companies + 1, PRODUCTS_PER_COMPANY, LINES_PER_PRODUCT, seed=seed)
            one_more = run_night(home, AS_OF + timedelta(days=2))
            result["incremental_s"] = one_more.seconds
            result["incremental_exit_code"] = one_more.exit_code
            result["incremental_share"] = round(one_more.seconds / full.seconds, 3) if full.seconds else None
            result["incremental_steps"] = one_more.steps
            again = compare(home, run_reference(home, root / "floor-utf8-2"))
            result["incremental_agree"] = again.agree
            if not again.agree:
                result["disagreements"] += ["after the new submission: " + e for e in again.examples]
            seconds, code = run_process_night(home, AS_OF + timedelta(days=3), root / "pcf-run-no-input.log")
            result["no_input_process_s"], result["no_input_process_exit_code"] = seconds, code
            add_company(home_root, companies + 2, PRODUCTS_PER_COMPANY, LINES_PER_PRODUCT, seed=seed)
            seconds, code = run_process_night(home, AS_OF + timedelta(days=4), root / "pcf-run-one-new-file.log")
            result["incremental_process_s"], result["incremental_process_exit_code"] = seconds, code
            result["incremental_process_share"] = round(seconds / full.seconds, 3) if full.seconds else None
        result["load_end"] = round(os.getloadavg()[0], 2)
        result["duckdb"] = duckdb.__version__
        result["python"] = platform.python_version()
        result["home"] = None if temporary else str(home_root)
    finally:
        if temporary:
            shutil.rmtree(root, ignore_errors=True)
    print_report(result, console)
    print(json.dumps(result, ensure_ascii=False, default=str), flush=True)
    sys.stdout.flush()
    return result
