"""Row rules for company submissions, run in DuckDB over whole batches of rows (SPEC §3.2, §7).

Each rule is one SQL predicate over a row of received text plus the SQL of the values its message
shows. The same rules run in the nightly ingestion and in `pcf check`, so a company's pre-check and
the night never disagree. Rules that need the factor set in effect or other companies' products
(unknown activity codes, supplier links, cycles) live in the dbt graph instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from orchestration.codes import ISO3166_ALPHA2
from orchestration.home import DBT_PROJECT_DIR
from orchestration.inputs import (
    ACTIVITY_COLUMNS,
    BOUNDARY_STAGES,
    PRODUCT_COLUMNS,
    InputColumn,
)
from orchestration.problems import REASONS

SEEDS = DBT_PROJECT_DIR / "seeds"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Product columns that must agree on every row of one product in one file.
CONSISTENT_COLUMNS = tuple(
    c.name
    for c in PRODUCT_COLUMNS
    if c.name not in ("company_uscc", "product_code", "reporting_period_start", "reporting_period_end")
)
NUMERIC_COLUMNS = ("production_volume", "product_mass_kg", "export_volume", "amount", "allocation_share")
DATE_COLUMNS = ("reporting_period_start", "reporting_period_end", "verification_date")
CHOICE_COLUMNS: tuple[InputColumn, ...] = tuple(c for c in PRODUCT_COLUMNS + ACTIVITY_COLUMNS if c.choices)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(_sql_text(v) for v in values) + "]"


COUNTRIES = _sql_list(sorted(ISO3166_ALPHA2))
# The weighted sum of GB 32100's check, written out term by term (a list lambda per row is slower).
_USCC_SUM = " + ".join(
    f"(instr('{USCC_ALPHABET}', code[{position}]) - 1) * {weight}" for position, weight in enumerate(USCC_WEIGHTS, start=1)
)


MACROS = f"""
create or replace temp macro pcf_num(x) as try_cast(replace(trim(x), ',', '') as double);
create or replace temp macro pcf_is_num(x) as x is null or pcf_num(x) is not null;
create or replace temp macro pcf_date(x) as try_cast(try_strptime(trim(x), '%Y-%m-%d') as date);
create or replace temp macro pcf_uscc_sum(code) as {_USCC_SUM};
create or replace temp macro pcf_uscc_expected(code) as
    '{USCC_ALPHABET}'[cast(((31 - pcf_uscc_sum(code) % 31) % 31) + 1 as bigint)];
create or replace temp macro pcf_uscc_format_ok(code) as regexp_full_match(code, '[0-9A-HJ-NP-RTUWXY]{{18}}');
"""


@dataclass(frozen=True)
class RowRule:
    """A check on one received row: `when` is true for a bad row."""

    code: str
    column: str | None
    when: str
    value: str = "null"
    expected: str = "null"


def _required_rules() -> list[RowRule]:
    return [
        RowRule("REQUIRED_MISSING", c.name, f"{c.name} is null")
        for c in PRODUCT_COLUMNS + ACTIVITY_COLUMNS
        if c.required
    ]


def _number_rules() -> list[RowRule]:
    rules = [
        RowRule("NOT_A_NUMBER", c, f"not pcf_is_num({c})", value=c) for c in NUMERIC_COLUMNS
    ]
    rules += [
        RowRule("NOT_FINITE", c, f"pcf_num({c}) is not null and not isfinite(pcf_num({c}))", value=c)
        for c in NUMERIC_COLUMNS
    ]
    rules += [
        RowRule("NEGATIVE_AMOUNT", c, f"pcf_num({c}) < 0", value=c) for c in ("amount", "export_volume")
    ]
    rules += [
        RowRule("NOT_POSITIVE", c, f"pcf_num({c}) <= 0", value=c)
        for c in ("production_volume", "product_mass_kg")
    ]
    rules.append(
        RowRule(
            "ALLOCATION_SHARE_RANGE",
            "allocation_share",
            "pcf_num(allocation_share) <= 0 or pcf_num(allocation_share) > 1",
            value="allocation_share",
        )
    )
    return rules


def _choice_rules() -> list[RowRule]:
    return [
        RowRule(
            "BAD_CHOICE",
            c.name,
            f"{c.name} is not null and not list_contains({_sql_list(c.choices)}, {c.name})",
            value=c.name,
            expected=_sql_text(", ".join(c.choices)),
        )
        for c in CHOICE_COLUMNS
    ]


def _stage_rules() -> list[RowRule]:
    cases = " ".join(
        f"when {_sql_text(boundary)} then not list_contains({_sql_list(stages)}, lifecycle_stage)"
        for boundary, stages in BOUNDARY_STAGES.items()
    )
    return [
        RowRule(
            "STAGE_OUTSIDE_BOUNDARY",
            "lifecycle_stage",
            f"lifecycle_stage is not null and (case system_boundary {cases} else false end)",
            value="lifecycle_stage",
            expected="system_boundary",
        )
    ]


ROW_RULES: tuple[RowRule, ...] = tuple(
    _required_rules()
    + [
        RowRule("USCC_FORMAT", "company_uscc", "company_uscc is not null and not pcf_uscc_format_ok(company_uscc)", value="company_uscc"),
        RowRule(
            "USCC_CHECK_CHARACTER",
            "company_uscc",
            "pcf_uscc_format_ok(company_uscc) and company_uscc[18] <> pcf_uscc_expected(company_uscc)",
            value="company_uscc",
            expected="pcf_uscc_expected(company_uscc)",
        ),
        RowRule(
            "USCC_AREA_UNKNOWN",
            "company_uscc",
            "pcf_uscc_format_ok(company_uscc) and company_uscc[3:4] not in (select gbt2260_code from ref_geographies where level = 'province')",
            value="company_uscc",
            expected="company_uscc[3:8]",
        ),
    ]
    + _number_rules()
    + [
        RowRule(*spec)
        for spec in (
            ("BAD_DATE", c, f"{c} is not null and pcf_date({c}) is null", c)
            for c in DATE_COLUMNS
        )
    ]
    + [
        RowRule(
            "PERIOD_ORDER",
            "reporting_period_end",
            "pcf_date(reporting_period_end) < pcf_date(reporting_period_start)",
            value="reporting_period_end",
            expected="reporting_period_start",
        ),
        RowRule("UNKNOWN_CATEGORY", "product_category", "product_category is not null and product_category not in (select category_code from ref_categories)", value="product_category"),
        RowRule("UNKNOWN_UNIT", "declared_unit", "declared_unit is not null and declared_unit not in (select unit from ref_units)", value="declared_unit"),
        RowRule("UNKNOWN_UNIT", "unit", "unit is not null and unit not in (select unit from ref_units)", value="unit"),
        RowRule("PRODUCT_MASS_REQUIRED", "product_mass_kg", "declared_unit = 'piece' and product_mass_kg is null"),
        RowRule("BAD_HS_CODE", "hs_code", "hs_code is not null and not regexp_full_match(hs_code, '[0-9]{6,10}')", value="hs_code"),
        RowRule(
            "BAD_MARKET_CODE",
            "export_markets",
            f"export_markets is not null and len(list_filter(string_split(export_markets, ';'), lambda m: trim(m) <> '' and not list_contains({COUNTRIES}, trim(m)))) > 0",
            value=f"array_to_string(list_filter(string_split(export_markets, ';'), lambda m: trim(m) <> '' and not list_contains({COUNTRIES}, trim(m))), ';')",
        ),
        RowRule(
            "EXPORT_EXCEEDS_PRODUCTION",
            "export_volume",
            "pcf_num(export_volume) > pcf_num(production_volume)",
            value="export_volume",
            expected="production_volume",
        ),
        RowRule(
            "REFERENCE_COUNT",
            "activity_code",
            "(activity_code is not null)::int + (factor_id is not null)::int + (supplier_product is not null)::int <> 1",
            value="((activity_code is not null)::int + (factor_id is not null)::int + (supplier_product is not null)::int)::varchar",
        ),
        RowRule(
            "BAD_SUPPLIER_REFERENCE",
            "supplier_product",
            "supplier_product is not null and not regexp_full_match(supplier_product, '[0-9A-Z]{18}/.+')",
            value="supplier_product",
        ),
    ]
    + _choice_rules()
    + _stage_rules()
)


def load_reference_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Temporary lookup tables the rules use, read from the dbt seeds (their one home)."""
    connection.execute(MACROS)
    connection.execute(
        f"create or replace temp table ref_units as select * from read_csv('{SEEDS / 'units.csv'}', all_varchar = true)"
    )
    connection.execute(
        f"create or replace temp table ref_categories as select * from read_csv('{SEEDS / 'product_categories.csv'}', all_varchar = true)"
    )
    connection.execute(
        f"create or replace temp table ref_geographies as select * from read_csv('{SEEDS / 'geographies.csv'}', all_varchar = true)"
    )


def _messages_sql(code: str) -> tuple[str, str]:
    """SQL expressions for the English and Chinese message of `code`, with {column}/{value}/{expected}."""
    reason = REASONS[code]
    out = []
    for template in (reason.message_en, reason.message_zh):
        expression = _sql_text(template)
        for key in ("column", "value", "expected", "product"):
            expression = f"replace({expression}, '{{{key}}}', coalesce(_{key}, ''))"
        out.append(f"regexp_replace({expression}, '\\{{[a-z_]+\\}}', '', 'g')")
    return out[0], out[1]


PRODUCT_KEY_SQL = "company_uscc || '/' || product_code"


def row_problems_sql(
    rows_table: str,
    rules: tuple[RowRule, ...] = ROW_RULES,
    consistency: bool = True,
    key_sql: str = PRODUCT_KEY_SQL,
    suspects_table: str | None = None,
) -> str:
    """One query returning a problem row for every rule every received row breaks.

    `suspects_table`, when given, holds the rows of `rows_table` that break at least one row rule
    (`suspects_sql`): the row rules read it instead, the consistency rules still read every row.
    """
    parts = []
    for rule in rules:
        message_en, message_zh = _messages_sql(rule.code)
        column = _sql_text(rule.column) if rule.column else "null"
        parts.append(
            f"""
            select submission_id, source_sheet, source_row, {column} as column_name,
                   _product as product_key,
                   {_sql_text(rule.code)} as code, {_sql_text(REASONS[rule.code].severity)} as severity,
                   {message_en} as message_en, {message_zh} as message_zh
            from (
                select *, {column} as _column, ({rule.value})::varchar as _value,
                       ({rule.expected})::varchar as _expected,
                       {key_sql} as _product
                from {suspects_table or rows_table}
                where coalesce({rule.when}, false)
            )"""
        )
    if consistency:
        parts.append(_consistency_sql(rows_table))
        parts.append(_company_consistency_sql(rows_table))
    return "\nunion all\n".join(parts)


# Product columns of a submission row, and every column a submission row has.
PRODUCT_LEVEL = frozenset(c.name for c in PRODUCT_COLUMNS)
_SUBMISSION_ROW_COLUMNS = PRODUCT_LEVEL | {c.name for c in ACTIVITY_COLUMNS} | {"submission_id", "source_sheet", "source_row"}


def _columns_read(rule: RowRule) -> set[str]:
    """Submission row columns named in the rule's condition (a word that is a column's name counts),
    leaving out the lookups in reference tables (`(select unit from ref_units)`)."""
    outside_lookups = re.sub(r"\(select [^()]* from ref_[a-z_]+[^()]*\)", "()", rule.when)
    return {word for word in re.findall(r"[a-z_0-9]+", outside_lookups) if word in _SUBMISSION_ROW_COLUMNS}


def suspects_sql(rows_table: str, rules: tuple[RowRule, ...], product_columns: frozenset[str] = frozenset()) -> str:
    """The rows that break at least one of `rules`, in one pass over the rows.

    With `product_columns` (the rows are submission rows), a rule that reads only those columns
    gives the same answer on every line of a product: it is evaluated once per distinct
    combination of the columns it reads, and a line is a suspect when its combination broke one
    (matched by hash; a collision only adds a suspect, which the rules then clear). Every other
    rule is evaluated on every line.
    """
    conditions: list[str] = []
    product_rules: list[RowRule] = []
    product_read: set[str] = set()
    for rule in rules:
        read = _columns_read(rule)
        if product_columns and read and read <= product_columns:
            product_rules.append(rule)
            product_read |= read
        else:
            conditions.append(f"coalesce({rule.when}, false)")
    # A number is parsed once per line, not once per rule reading it (four rules read `amount`:
    # 3.4 of the 4.1 s the line rules took on ten million lines).
    numbers = [c for c in NUMERIC_COLUMNS if any(f"num({c})" in condition for condition in conditions)]
    for column in numbers:
        conditions = [
            condition.replace(f"pcf_is_num({column})", f"({column} is null or _num_{column} is not null)")
            .replace(f"pcf_num({column})", f"_num_{column}")
            for condition in conditions
        ]
    if product_rules:
        columns = ", ".join(sorted(product_read))
        broken = " or ".join(f"coalesce({rule.when}, false)" for rule in product_rules)
        conditions.append(
            f"hash({columns}) in (select hash({columns}) from (select distinct {columns} from {rows_table}) where {broken})"
        )
    if not numbers:
        return f"select * from {rows_table} where " + " or ".join(conditions)
    parsed = ", ".join(f"pcf_num({column}) as _num_{column}" for column in numbers)
    return (
        f"select * exclude ({', '.join(f'_num_{column}' for column in numbers)}) "
        f"from (select *, {parsed} from {rows_table}) where " + " or ".join(conditions)
    )


def _company_consistency_sql(rows_table: str) -> str:
    """Rows whose company_uscc differs from the valid USCC most rows with their product_code give.

    A mistyped or empty USCC on one row moves that row out of its product (the key is
    <uscc>/<product_code>); the problem is filed under the product the row belongs to, so that
    product is held back instead of being published without the row (SPEC §7).
    """
    message_en, message_zh = _messages_sql("INCONSISTENT_PRODUCT")
    return f"""
        select submission_id, source_sheet, source_row, _column as column_name, _product as product_key,
               'INCONSISTENT_PRODUCT' as code, 'error' as severity,
               {message_en} as message_en, {message_zh} as message_zh
        from (
            -- only a product whose rows name two USCCs, or none on some row, can have a row off the
            -- most common one: the others are not read again
            with mixed as (
                select submission_id, product_code
                from {rows_table}
                where product_code is not null
                group by all
                having min(company_uscc) is distinct from max(company_uscc) or count(company_uscc) < count(*)
            ),
            mixed_rows as (
                select received.* from {rows_table} as received semi join mixed using (submission_id, product_code)
            ),
            modal as (
                select submission_id, product_code, mode(company_uscc order by company_uscc) as _expected
                from mixed_rows
                where pcf_uscc_format_ok(company_uscc) and company_uscc[18] = pcf_uscc_expected(company_uscc)
                group by all
            )
            select received.submission_id, received.source_sheet, received.source_row, 'company_uscc' as _column,
                   coalesce(received.company_uscc, '') as _value, modal._expected,
                   modal._expected || '/' || received.product_code as _product
            from mixed_rows as received
            join modal using (submission_id, product_code)
            where modal._expected is not null and received.company_uscc is distinct from modal._expected
        )"""


def _consistency_sql(rows_table: str) -> str:
    """Rows whose product columns differ from the most common value for their product in the file."""
    message_en, message_zh = _messages_sql("INCONSISTENT_PRODUCT")
    unpivot_columns = ", ".join(CONSISTENT_COLUMNS)
    # Only products with some column of two values can have a row off the most common value: they
    # are the products with two distinct combinations of the columns, and only their rows are
    # unpivoted.
    return f"""
        select submission_id, source_sheet, source_row, _column as column_name, _product as product_key,
               'INCONSISTENT_PRODUCT' as code, 'error' as severity,
               {message_en} as message_en, {message_zh} as message_zh
        from (
            -- read twice, and scanned twice: stored once to be read back it took longer (ten
            -- million lines: 3.7 s against 1.7 s for the rule)
            with keyed as not materialized (
                select submission_id, source_sheet, source_row,
                       company_uscc || '/' || product_code as _product,
                       coalesce(reporting_period_start, '') || '..' || coalesce(reporting_period_end, '') as _period,
                       {", ".join(f"coalesce({c}, '') as {c}" for c in CONSISTENT_COLUMNS)}
                from {rows_table}
                where company_uscc is not null and product_code is not null
            ),
            mixed as (
                select submission_id, _product, _period
                from (select distinct * exclude (source_sheet, source_row) from keyed)
                group by all having count(*) > 1
            ),
            cells as (
                unpivot (
                    select keyed.* from keyed semi join mixed using (submission_id, _product, _period)
                ) on {unpivot_columns} into name _column value _value
            ),
            modal as (
                select submission_id, _product, _period, _column, mode(_value order by _value) as _expected
                from cells group by all
            )
            select cells.*, modal._expected
            from cells join modal using (submission_id, _product, _period, _column)
            where cells._value <> modal._expected
        )"""


# A PACT footprint is already computed: only the product-level rules apply to it.
PACT_RULES: tuple[RowRule, ...] = tuple(
    rule
    for rule in ROW_RULES
    if rule.column in {"company_uscc", "product_category", "declared_unit", "hs_code", "reporting_period_start", "reporting_period_end"}
    and not (rule.code == "REQUIRED_MISSING" and rule.column == "product_category")
)


def add_row_problems(
    connection: duckdb.DuckDBPyConnection,
    rows_table: str,
    target: str = "raw.problems",
    rules: tuple[RowRule, ...] = ROW_RULES,
    consistency: bool = True,
    key_sql: str = PRODUCT_KEY_SQL,
    product_columns: frozenset[str] = frozenset(),
) -> int:
    """Append the problems of every row in `rows_table` to `target`; returns how many were found.

    `product_columns`: for submission rows, the columns that are the same on every line of a
    product (`PRODUCT_LEVEL`), so the rules reading only them run once per product (`suspects_sql`).
    Without rows nothing is planned: planning the rules takes 0.1-0.15 s, and a night's files
    often have no rows of a kind (no PACT footprints).
    """
    if not connection.execute(f"select exists (select 1 from {rows_table})").fetchall()[0][0]:
        return 0
    before = connection.execute(f"select count(*) from {target}").fetchall()[0][0]
    connection.execute(f"create or replace temp table rule_suspects as {suspects_sql(rows_table, rules, product_columns)}")
    try:
        sql = row_problems_sql(rows_table, rules, consistency, key_sql, suspects_table="rule_suspects")
        connection.execute(f"insert into {target} by name ({sql})")
    finally:
        connection.execute("drop table if exists rule_suspects")
    return connection.execute(f"select count(*) from {target}").fetchall()[0][0] - before
