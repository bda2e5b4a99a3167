-- A failure means a published footprint's life-cycle stages do not add up to its total: for a
-- product_footprints row whose five <stage>_kgco2e_per_unit columns are given (inventory
-- footprints; PACT footprints carry no stage split and have them null), raw_materials +
-- production + distribution + use + end_of_life differs from pcf_excl_biogenic_kgco2e_per_unit
-- by more than 1e-9 relative (SPEC §4: "one <stage>_kgco2e_per_unit column per life-cycle
-- stage, summing to the excl. total"). A stage row lost or counted twice, or a stage outside
-- the five, shows up here.
with

footprints as (
    select * from {{ ref('product_footprints') }}
),

checked as (
    select
        product_footprint_id,
        company_uscc,
        product_code,
        reporting_period_start,
        reporting_period_end,
        pcf_excl_biogenic_kgco2e_per_unit,
        raw_materials_kgco2e_per_unit + production_kgco2e_per_unit + distribution_kgco2e_per_unit
            + use_kgco2e_per_unit + end_of_life_kgco2e_per_unit as stages_sum_kgco2e_per_unit
    from footprints
    where raw_materials_kgco2e_per_unit is not null
        and production_kgco2e_per_unit is not null
        and distribution_kgco2e_per_unit is not null
        and use_kgco2e_per_unit is not null
        and end_of_life_kgco2e_per_unit is not null
),

final as (
    select *
    from checked
    where not coalesce(
        abs(stages_sum_kgco2e_per_unit - pcf_excl_biogenic_kgco2e_per_unit)
            <= 1e-9 * abs(pcf_excl_biogenic_kgco2e_per_unit) + 1e-12,
        false
    )
)

select * from final
