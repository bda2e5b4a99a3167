-- One row per activity row that names a supplier_product: the supplier's submission chosen for it
-- (the one whose reporting period covers the buyer's, else the latest that ended before it), the
-- conversion from the row's unit to the supplier's declared unit, or the reason no link was made.
with

links as (
    select * from {{ ref('int_activity_rows') }}
    where supplier_product is not null
),

products as (
    select * from {{ ref('int_submission_products') }}
    where is_current
),

units as (
    select * from {{ ref('units') }}
),

candidates as (
    select
        links.row_key,
        products.product_period_key as supplier_product_period_key,
        products.submission_id as supplier_submission_id,
        products.declared_unit as supplier_declared_unit,
        products.reporting_period_start <= links.reporting_period_start
            and products.reporting_period_end >= links.reporting_period_end as is_covering,
        products.reporting_period_end
    from links
    inner join products
        on products.product_key = links.supplier_product
        and (
            (products.reporting_period_start <= links.reporting_period_start and products.reporting_period_end >= links.reporting_period_end)
            or products.reporting_period_end <= links.reporting_period_end
        )
),

chosen as (
    select *
    from candidates
    qualify row_number() over (
        partition by row_key order by is_covering desc, reporting_period_end desc, supplier_product_period_key
    ) = 1
),

final as (
    select
        links.row_key,
        links.product_period_key,
        links.production_volume,
        chosen.supplier_product_period_key,
        chosen.supplier_submission_id,
        chosen.supplier_declared_unit,
        row_unit.to_base / supplier_unit.to_base as unit_conversion,
        links.amount * links.allocation_share * (row_unit.to_base / supplier_unit.to_base) as supplier_units,
        case
            when chosen.row_key is null then 'UNKNOWN_SUPPLIER_PRODUCT'
            when row_unit.dimension is distinct from supplier_unit.dimension then 'UNIT_DIMENSION_MISMATCH'
        end as problem_code,
        case
            when chosen.row_key is null then 'supplier_product'
            when row_unit.dimension is distinct from supplier_unit.dimension then 'unit'
        end as problem_column,
        case
            when chosen.row_key is null then json_object('value', links.supplier_product)
            when row_unit.dimension is not distinct from supplier_unit.dimension then null
            else json_object(
                'value', links.unit, 'value_dimension', row_unit.dimension,
                'expected', chosen.supplier_declared_unit, 'expected_dimension', supplier_unit.dimension
            )
        end as problem_details
    from links
    left join chosen using (row_key)
    left join units as row_unit on row_unit.unit = links.unit
    left join units as supplier_unit on supplier_unit.unit = chosen.supplier_declared_unit
)

select * from final
