-- A failure means biogenic CO2 is mishandled for an inventory product of int_product_footprints:
-- pcf_incl_biogenic_kgco2e_per_unit - pcf_excl_biogenic_kgco2e_per_unit differs (beyond 1e-9
-- relative) from Σ biogenic_co2_kg / production_volume over the product's lineage rows in
-- int_activity_footprints (SPEC §4: incl = excl + Σ biogenic_co2_kg / production_volume; biogenic
-- CO2 is reported apart, never inside ghg_kgco2e). Typical causes: biogenic CO2 added into the
-- CO2e total, a supplier's biogenic part not carried through the link, or a sign flipped.
{{ config(meta={'dagster': {'ref': {'name': 'int_product_footprints'}}}) }}  -- shown in Dagster as a check of int_product_footprints
with

footprints as (
    select * from {{ ref('int_product_footprints') }}
    where source_kind = 'inventory'
),

lineage as (
    select
        product_period_key,
        sum(biogenic_co2_kg) as biogenic_co2_kg
    from {{ ref('int_activity_footprints') }}
    group by product_period_key
),

checked as (
    select
        footprints.product_period_key,
        footprints.pcf_excl_biogenic_kgco2e_per_unit,
        footprints.pcf_incl_biogenic_kgco2e_per_unit,
        footprints.pcf_incl_biogenic_kgco2e_per_unit - footprints.pcf_excl_biogenic_kgco2e_per_unit
            as incl_minus_excl_kg_per_unit,
        coalesce(lineage.biogenic_co2_kg, 0) / footprints.production_volume as lineage_biogenic_kg_per_unit
    from footprints
    left join lineage using (product_period_key)
),

final as (
    select *
    from checked
    where not coalesce(
        abs(incl_minus_excl_kg_per_unit - lineage_biogenic_kg_per_unit)
            <= 1e-9 * greatest(
                abs(pcf_excl_biogenic_kgco2e_per_unit),
                abs(pcf_incl_biogenic_kgco2e_per_unit),
                abs(lineage_biogenic_kg_per_unit)
            ) + 1e-12,
        false
    )
)

select * from final
