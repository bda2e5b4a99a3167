-- A failure means a product was silently lost: a current product and period whose submission
-- rows were all accepted (int_submission_row_outcomes) has no footprint in int_product_footprints.
-- Every accepted product must be computed (and counted in aggregates) or have a reason that
-- quarantines its rows (SPEC §7: nothing lost). Typical causes: an inventory product all of whose
-- rows were dropped on the way (e.g. links to a supplier that is not in the supplier graph).
{{ config(meta={'dagster': {'ref': {'name': 'int_product_footprints'}}}) }}  -- shown in Dagster as a check of int_product_footprints
with

products as (
    select * from {{ ref('int_submission_products') }}
    where is_current and not has_ingest_errors
),

outcomes as (
    select
        submission_id,
        product_key,
        bool_and(row_status = 'accepted') as all_accepted
    from {{ ref('int_submission_row_outcomes') }}
    where product_key is not null
    group by submission_id, product_key
),

footprints as (
    select product_period_key from {{ ref('int_product_footprints') }}
),

final as (
    select
        products.product_period_key,
        products.submission_id,
        products.source_kind
    from products
    inner join outcomes using (submission_id, product_key)
    left join footprints using (product_period_key)
    where outcomes.all_accepted and footprints.product_period_key is null
)

select * from final
