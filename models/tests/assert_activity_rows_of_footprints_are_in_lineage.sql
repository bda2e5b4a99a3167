-- A failure means a computed footprint silently left out some of its activity rows: an inventory
-- product of int_product_footprints has an activity row (int_activity_rows) with no lineage row
-- in int_activity_footprints. Every row of a published product must contribute (a factor or a
-- usable supplier) or quarantine the product with a reason (SPEC §7); a row dropped in between —
-- e.g. a link to a supplier product that is not in the supplier graph because its own submission
-- has ingestion errors — understates the footprint without any error.
{{ config(meta={'dagster': {'ref': {'name': 'int_activity_footprints'}}}) }}  -- shown in Dagster as a check of int_activity_footprints
with

footprints as (
    select product_period_key from {{ ref('int_product_footprints') }}
    where source_kind = 'inventory'
),

activity_rows as (
    select * from {{ ref('int_activity_rows') }}
),

lineage as (
    select row_key from {{ ref('int_activity_footprints') }}
),

final as (
    select
        activity_rows.product_period_key,
        activity_rows.row_key,
        activity_rows.lifecycle_stage,
        activity_rows.activity_code,
        activity_rows.factor_id,
        activity_rows.supplier_product
    from activity_rows
    inner join footprints using (product_period_key)
    left join lineage using (row_key)
    where lineage.row_key is null
)

select * from final
