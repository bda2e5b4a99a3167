{#-
    Generic test: the rules of a model, seed or source table, checked in one dbt test (one node,
    one scan for the row rules) instead of one test per column and rule. A failure returns one row
    per broken rule: the rule and how many rows break it (for `unique`, how many values are
    repeated); dbt reports the sum, and the night's failed check lists the rules.

    Usage in a model YAML (every argument optional):
      data_tests:
        - rules:
            name: <model>_rules
            arguments:
              not_null: [company_uscc, product_code]
              unique: [product_code, [factor_id, version_number]]   # a list: the columns together
              accepted_values:
                disclosure: [public, restricted, private]
                grade: [1, 2, 3, 4, 5]              # numbers are compared as numbers
              relationships:
                activity_unit: {to: ref('units'), field: unit}
              expressions:
                total_not_negative: "pcf_excl_biogenic_kgco2e_per_unit >= 0"

    A rule that holds only for some rows takes a `where` (rows for which it is false or null are
    not checked):
              not_null: [{column: production_volume, where: "source_kind = 'inventory'"}]
              unique: [{key: product_period_key, where: "is_current"}]
              accepted_values:
                release_type: {values: [full, delta], where: "release_status = 'accepted'"}
              relationships:
                declared_unit: {to: ref('units'), field: unit, where: "not has_ingest_errors"}
              expressions:
                valid_to_not_before_valid_from: {expression: "valid_to_date >= valid_from_date", where: "valid_to_date is not null"}

    `unique` keys and expressions are SQL over the table's columns. An expression that is false or
    null breaks its rule, so guard nullable columns in the expression itself.

    `latest_build_only: true` checks only the rows the latest build added, for a model built
    incrementally with a `built_at` column (int_activity_rows): the rows of earlier nights were
    checked when they were added and have not changed since.

    `received_since_last_build: true` checks only the rows of the submissions received since the
    last build that succeeded (by `submission_id`, every row of each), for the received rows,
    which never change once stored: a build whose project files are that build's (not a full
    refresh) finds the rows of earlier submissions as they were checked then. A full refresh, or
    a warehouse without a successful build, checks every row.
-#}
{% test rules(model, not_null=[], unique=[], accepted_values={}, relationships={}, expressions={}, latest_build_only=false, received_since_last_build=false) %}
{{ config(fail_calc="coalesce(sum(failing_rows), 0)") }}
{%- if latest_build_only and execute -%}
    {%- set model = latest_build_rows(model) -%}
{%- endif -%}
{%- if received_since_last_build -%}
    {%- set received_files = source('raw', 'files') -%}  {#- called when parsed too: the test's dependency #}
    {%- if execute -%}
        {%- set model = rows_received_since_last_build(model, received_files) -%}
    {%- endif -%}
{%- endif -%}

{#- Each rule: (label, condition for a row that breaks it); a `where` narrows the rows checked. -#}
{%- set row_rules = [] -%}
{%- for item in not_null -%}
    {%- set column = item.column if item is mapping else item -%}
    {%- set where = item.where if item is mapping else none -%}
    {%- do row_rules.append((rules_label("not_null(" ~ column ~ ")", where), rules_in_scope(where) ~ column ~ " is null")) -%}
{%- endfor -%}
{%- for column, item in accepted_values.items() -%}
    {%- set where = item.where if item is mapping else none -%}
    {%- set listed = [] -%}
    {%- for value in (item["values"] if item is mapping else item) -%}
        {%- do listed.append(value if value is number else "'" ~ (value | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- do row_rules.append((
        rules_label("accepted_values(" ~ column ~ ")", where),
        rules_in_scope(where) ~ column ~ " not in (" ~ listed | join(", ") ~ ")"
    )) -%}
{%- endfor -%}
{%- for name, item in expressions.items() -%}
    {%- set expression = item.expression if item is mapping else item -%}
    {%- set where = item.where if item is mapping else none -%}
    {%- do row_rules.append((
        rules_label("expression(" ~ name ~ ")", where),
        rules_in_scope(where) ~ "not coalesce((" ~ expression ~ "), false)"
    )) -%}
{%- endfor -%}

with broken as (
    {%- if row_rules %}
    select unnest([
        {%- for label, _ in row_rules %}
        '{{ label | replace("'", "''") }}'{{ "," if not loop.last }}
        {%- endfor %}
    ]) as rule, unnest([
        {%- for _, condition in row_rules %}
        count(*) filter (where {{ condition }}){{ "," if not loop.last }}
        {%- endfor %}
    ]) as failing_rows
    from {{ model }}
    {%- else %}
    select null::varchar as rule, 0::bigint as failing_rows where false
    {%- endif %}
    {%- for item in unique %}
    {%- set key = item.key if item is mapping else item %}
    {%- set columns = [key] if key is string else key %}
    {%- set where = item.where if item is mapping else none %}
    union all
    select '{{ rules_label("unique(" ~ columns | join(", ") ~ ")", where) | replace("'", "''") }}', count(*)
    from (
        select {{ columns | join(", ") }} from {{ model }}
        where {{ rules_in_scope(where) }}{% for column in columns %}({{ column }}) is not null{{ " and " if not loop.last }}{% endfor %}
        group by all having count(*) > 1
    )
    {%- endfor %}
    {%- for column, reference in relationships.items() %}
    union all
    select '{{ rules_label("relationships(" ~ column ~ " -> " ~ reference.to ~ "." ~ reference.field ~ ")", reference.where) | replace("'", "''") }}', count(*)
    {#- Only the column goes into the anti-join: given the whole row (`from model as child where
        child.x is not null and not exists …`), DuckDB 2.0 copies every column of every row first
        (10M rows: 7.6 s against 0.2 s). #}
    from (
        select {{ column }} as value from {{ model }}
        where {{ rules_in_scope(reference.where) }}{{ column }} is not null
    ) as child
    where not exists (select 1 from {{ reference.to }} as parent where parent.{{ reference.field }} = child.value)
    {%- endfor %}
)

select rule, failing_rows
from broken
where failing_rows > 0

{% endtest %}
