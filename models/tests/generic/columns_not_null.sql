{#-
    Generic test: none of the listed columns holds a null. One scan of the model checks them all
    (a `not_null` test per column would be one query and one dbt node each). A failure returns one
    row per column with nulls: the column's name and how many rows have a null there.
    Usage in a model YAML (a column that may be null only in some rows keeps its own
    `not_null` with `config: where:`):
      data_tests:
        - columns_not_null:
            arguments:
              columns: [company_uscc, product_code]
-#}
{% test columns_not_null(model, columns) %}

with counted as (
    select
        {%- for column in columns %}
        count(*) filter (where {{ adapter.quote(column) }} is null) as {{ adapter.quote(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
),

columns as (
    unpivot counted on columns(*) into name column_name value null_rows
)

select column_name, null_rows
from columns
where null_rows > 0

{% endtest %}
