{#- The factors in effect for this build, as one number: int_activity_factors keeps it on each row
    it chose for, and chooses again for the rows whose number differs. A hash of every column of
    every version in effect (their ids, units, geographies, reference years, values under the
    run's GWP set): equal numbers mean the same choices and the same arithmetic. -#}
{% macro factor_state() -%}
(select hash(count(*), sum(hash(versions)::hugeint)) from {{ ref('int_factor_versions') }} as versions where versions.is_in_effect)
{%- endmacro %}
