-- A failure means a computed footprint cannot be retraced from its lineage: for an inventory
-- product of int_product_footprints, Σ int_activity_footprints.ghg_kgco2e / production_volume
-- differs from pcf_excl_biogenic_kgco2e_per_unit by more than 1e-9 relative, or the product has
-- no lineage rows at all. The lineage table is what an auditor (and `pcf explain`) uses to show
-- which factor or supplier produced each kgCO2e; it must add up to the published number.
{{ config(meta={'dagster': {'ref': {'name': 'int_product_footprints'}}}) }}  -- shown in Dagster as a check of int_product_footprints
with

footprints as (
    select * from {{ ref('int_product_footprints') }}
    where source_kind = 'inventory'
),

lineage as (
    select
        product_period_key,
        count(*) as lineage_rows,
        sum(ghg_kgco2e) as ghg_kgco2e
    from {{ ref('int_activity_footprints') }}
    group by product_period_key
),

checked as (
    select
        footprints.product_period_key,
        footprints.pcf_excl_biogenic_kgco2e_per_unit,
        coalesce(lineage.lineage_rows, 0) as lineage_rows,
        lineage.ghg_kgco2e / footprints.production_volume as lineage_kgco2e_per_unit
    from footprints
    left join lineage using (product_period_key)
),

final as (
    select *
    from checked
    where lineage_rows = 0
        or not coalesce(
            abs(lineage_kgco2e_per_unit - pcf_excl_biogenic_kgco2e_per_unit)
                <= 1e-9 * abs(pcf_excl_biogenic_kgco2e_per_unit) + 1e-12,
            false
        )
)

select * from final
