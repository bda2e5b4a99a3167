{#- The sum of a DOUBLE `expression` over a group, the same to the last bit however the rows arrive.

    A parallel `sum(x)` adds a group's doubles in the order its rows reach the threads, which
    changes from one run to the next once a table spans several row groups: at a million lines
    the same inputs gave footprints differing in the last bits, and so different bytes in the
    published Parquet (SPEC §6: same inputs, same as-of → byte-identical data files). Here the
    whole part of each value and its fraction, rounded to 18 decimal places, are added apart as
    128-bit integers: whole, so in any order the same (whole numbers stay exact, 800000 + 20000
    is 820000). A group holding a value of 1e12 or more (a million tonnes in one line, or NaN or
    infinity) cannot be added that way without risking overflow and falls back to the double sum.
    `where` is the aggregate's filter. NULLs are ignored and a group without a value gives NULL,
    as `sum` does. Integers need none of this: their sum is already exact. -#}
{% macro stable_sum(expression, where=none) -%}
    {%- set filter = " filter (where " ~ where ~ ")" if where else "" -%}
    {%- set kept = "case when abs(" ~ expression ~ ") < 1e12 then " ~ expression ~ " end" -%}
    (case
        when bool_and(abs({{ expression }}) < 1e12){{ filter }}
            then cast(sum(cast(trunc({{ kept }}) as bigint)){{ filter }} as double)
                + cast(sum(cast({{ kept }} - trunc({{ kept }}) as decimal(38, 18))){{ filter }} as double)
        else sum({{ expression }}){{ filter }}
    end)
{%- endmacro %}
