{#- Text received from a file, as a number: thousands separators and spaces tolerated, anything else null. -#}
{% macro to_number(column) -%}
    try_cast(replace(trim({{ column }}), ',', '') as double)
{%- endmacro %}

{#- Text received from a file, as a date written YYYY-MM-DD; anything else null. -#}
{% macro to_date(column) -%}
    try_cast(try_strptime(trim({{ column }}), '%Y-%m-%d') as date)
{%- endmacro %}

{#- The as-of date of the run (SPEC §2), as the pipeline wrote it before the build (source
    pipeline.run_settings; a unit test gives it as an input). Read in SQL rather than rendered from a
    var or an environment variable, so a new date every night changes no parsed file. -#}
{% macro as_of_date() -%}
    {{ run_setting('as_of') }}
{%- endmacro %}

{#- The GWP100 set of the run (seed gwp_sets), from the same row. -#}
{% macro run_gwp_set() -%}
    {{ run_setting('gwp_set') }}
{%- endmacro %}

{#- One value of the run's settings row; the build stops when there is not exactly one row. -#}
{% macro run_setting(column) -%}
    (
        select case when count(*) = 1 then max({{ column }})
            else error('pipeline.run_settings holds ' || count(*) || ' rows, not one: `pcf run` writes it before dbt') end
        from {{ source('pipeline', 'run_settings') }}
    )
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
