{#-
    Generic test: the rules that hold for every row of a model, seed or source table, checked in
    one dbt test (one node, one scan for the row rules) instead of one test per column and rule.
    A failure returns one row per broken rule: the rule and how many rows break it (for `unique`,
    how many values are repeated); dbt reports the sum.

    Usage in a model YAML (every argument optional):
      data_tests:
        - rules:
            name: <model>_rules
            arguments:
              not_null: [company_uscc, product_code]
              unique: [product_code, "factor_id || '|' || version_number"]
              accepted_values:
                disclosure: [public, restricted, private]
                grade: [1, 2, 3, 4, 5]              # numbers are compared as numbers
              relationships:
                activity_unit: {to: ref('units'), field: unit}
              expressions:
                total_not_negative: "pcf_excl_biogenic_kgco2e_per_unit >= 0"

    `unique` entries and `expressions` are SQL over the table's columns. An expression that is false
    or null breaks its rule, so guard nullable columns in the expression itself. A rule that holds
    only for some rows stays a test of its own with `config: where:` (not_null, accepted_values,
    relationships, unique, expression_is_true).
-#}
{% test rules(model, not_null=[], unique=[], accepted_values={}, relationships={}, expressions={}) %}
{{ config(fail_calc="coalesce(sum(failing_rows), 0)") }}

{%- set row_rules = [] -%}
{%- for column in not_null -%}
    {%- do row_rules.append(("not_null(" ~ column ~ ")", column ~ " is null")) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set listed = [] -%}
    {%- for value in values -%}
        {%- do listed.append(value if value is number else "'" ~ (value | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- do row_rules.append(("accepted_values(" ~ column ~ ")", column ~ " not in (" ~ listed | join(", ") ~ ")")) -%}
{%- endfor -%}
{%- for name, expression in expressions.items() -%}
    {%- do row_rules.append(("expression(" ~ name ~ ")", "not coalesce((" ~ expression ~ "), false)")) -%}
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
    {%- for key in unique %}
    union all
    select '{{ ("unique(" ~ key ~ ")") | replace("'", "''") }}', count(*)
    from (select {{ key }} as value from {{ model }} where {{ key }} is not null group by 1 having count(*) > 1)
    {%- endfor %}
    {%- for column, reference in relationships.items() %}
    union all
    select '{{ ("relationships(" ~ column ~ " -> " ~ reference.to ~ "." ~ reference.field ~ ")") | replace("'", "''") }}', count(*)
    from {{ model }} as child
    where child.{{ column }} is not null
      and not exists (select 1 from {{ reference.to }} as parent where parent.{{ reference.field }} = child.{{ column }})
    {%- endfor %}
)

select rule, failing_rows
from broken
where failing_rows > 0

{% endtest %}
