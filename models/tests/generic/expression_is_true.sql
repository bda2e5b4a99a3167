{#-
    Generic test: every row of the model (optionally filtered with `config: where:`) satisfies a SQL
    boolean expression, e.g. an arithmetic identity between columns. A failure returns the rows for
    which the expression is false or null, so a null counts as a violation: guard nullable
    columns in the expression itself.
    Usage in a model YAML:
      data_tests:
        - expression_is_true:
            arguments:
              expression: "abs(a + b - total) <= 1e-9 * abs(total)"
-#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
