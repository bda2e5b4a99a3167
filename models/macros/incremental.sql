{#- The factors in effect for this build, as one number: int_activity_factors keeps it on each row
    it chose for, and chooses again for the rows whose number differs. A hash of every column of
    every version in effect (their ids, units, geographies, reference years, values under the
    run's GWP set): equal numbers mean the same choices and the same arithmetic. -#}
{% macro factor_state() -%}
(select hash(count(*), sum(hash(versions)::hugeint)) from {{ ref('int_factor_versions') }} as versions where versions.is_in_effect)
{%- endmacro %}

{#- The time the latest build of `relation` began, as a SQL timestamp literal (none when empty):
    the rows a build added to an incrementally built table carry it in `built_at`. -#}
{% macro latest_built_at(relation) -%}
{%- set found = run_query("select cast(max(built_at) as varchar) from " ~ relation).columns[0].values()[0] -%}
{{- return("'" ~ found ~ "'::timestamptz" if found else none) -}}
{%- endmacro %}
