{#- The pieces of the `rules` generic test (models/tests/generic/rules.sql) that every kind of rule shares. -#}

{#- A rule's name as the test reports it: `not_null(code)`, with ` where <condition>` when it has one. -#}
{% macro rules_label(text, where) -%}
    {{- text ~ (" where " ~ where if where else "") -}}
{%- endmacro %}

{#- The start of a condition that holds only for the rows a rule's `where` selects (none: every row). -#}
{% macro rules_in_scope(where) -%}
    {{- "coalesce((" ~ where ~ "), false) and " if where else "" -}}
{%- endmacro %}
