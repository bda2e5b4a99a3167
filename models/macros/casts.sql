{#- Text received from a file, as a number: thousands separators and spaces tolerated, anything else null. -#}
{% macro to_number(column) -%}
    try_cast(replace(trim({{ column }}), ',', '') as double)
{%- endmacro %}

{#- Text received from a file, as a date written YYYY-MM-DD; anything else null. -#}
{% macro to_date(column) -%}
    try_cast(try_strptime(trim({{ column }}), '%Y-%m-%d') as date)
{%- endmacro %}

{#- The as-of date of the run (SPEC §2): PCF_DBT_AS_OF as the pipeline sets it, else the var (dbt unit
    tests). An environment variable, not --vars, so that a new date re-parses only the files using it. -#}
{% macro as_of_date() -%}
    cast('{{ env_var("PCF_DBT_AS_OF", var("as_of")) }}' as date)
{%- endmacro %}

{#- The GWP100 set of the run: PCF_DBT_GWP_SET as the pipeline sets it, else the var. -#}
{% macro run_gwp_set() -%}
    {{ env_var("PCF_DBT_GWP_SET", var("gwp_set")) }}
{%- endmacro %}

{#- A stable UUID (RFC 4122 layout, version 5 nibble) derived from a text key. -#}
{% macro stable_uuid(key) -%}
    (
        substr(sha256('pcf-sd:' || {{ key }}), 1, 8) || '-' ||
        substr(sha256('pcf-sd:' || {{ key }}), 9, 4) || '-5' ||
        substr(sha256('pcf-sd:' || {{ key }}), 14, 3) || '-8' ||
        substr(sha256('pcf-sd:' || {{ key }}), 18, 3) || '-' ||
        substr(sha256('pcf-sd:' || {{ key }}), 21, 12)
    )
{%- endmacro %}
