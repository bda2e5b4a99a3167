{#- The factors in effect for this build, as one number: int_activity_factors keeps it on each row
    it chose for, and chooses again for the rows whose number differs. A hash of every column of
    every version in effect (their ids, units, geographies, reference years, values under the
    run's GWP set): equal numbers mean the same choices and the same arithmetic. -#}
{% macro factor_state() -%}
(select hash(count(*), sum(hash(versions)::hugeint)) from {{ ref('int_factor_versions') }} as versions where versions.is_in_effect)
{%- endmacro %}

{#- The rows of `relation` (a table built incrementally, whose rows carry the time the build that
    added them began in `built_at`) that its latest build added: the relation itself when one build
    made every row, else a subquery comparing `built_at` with that time as a constant (DuckDB then
    skips the row groups of earlier builds outright; a subquery in the comparison would be
    evaluated on every row). -#}
{% macro latest_build_rows(relation) -%}
{%- set found = run_query("select cast(min(built_at) as varchar), cast(max(built_at) as varchar) from " ~ relation) -%}
{%- set earliest, latest = found.columns[0].values()[0], found.columns[1].values()[0] -%}
{%- if earliest == latest -%}
{{- return(relation) -}}
{%- endif -%}
{{- return("(select * from " ~ relation ~ " where built_at = '" ~ latest ~ "'::timestamptz)") -}}
{%- endmacro %}

{#- The rows of `relation` (received rows, keyed by `submission_id`, never changed once stored)
    from the submissions received since the last build that succeeded (`files`: raw.files, whose
    received_seq numbers each file in order of receipt; pipeline.dbt_builds.files_through, the
    last number that build had). Every row under a full refresh (the project's files changed) or
    when no build has succeeded yet. -#}
{% macro rows_received_since_last_build(relation, files) -%}
{%- if flags.FULL_REFRESH -%}
{{- return(relation) -}}
{%- endif -%}
{%- set found = run_query("select coalesce(max(files_through), 0) from pipeline.dbt_builds") -%}
{%- set through = found.columns[0].values()[0] | int -%}
{%- if through == 0 -%}
{{- return(relation) -}}
{%- endif -%}
{{- return("(select * from " ~ relation ~ " where submission_id in (select submission_id from " ~ files ~ " where received_seq > " ~ through ~ "))") -}}
{%- endmacro %}
