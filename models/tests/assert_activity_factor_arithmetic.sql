-- A failure means an activity row's emissions do not follow SPEC §4 with the factor it was given:
-- for a row of int_activity_factors with a factor, either the factor version used is not the one
-- in effect, its unit is of another dimension than the row's, or
-- ghg_kgco2e ≠ amount × allocation_share × (row unit to_base / factor unit to_base) ×
-- ghg_kgco2e_per_activity_unit (or biogenic_co2_kg likewise) beyond 1e-9 relative.
{{ config(meta={'dagster': {'ref': {'name': 'int_activity_factors'}}}) }}  -- shown in Dagster as a check of int_activity_factors
with

-- the rows the latest build chose for: earlier rows were checked when they were chosen, and a row
-- whose factors in effect changed since is chosen for again (int_activity_factors)
chosen as (
    select * from {{ latest_build_rows(ref('int_activity_factors')) if execute else ref('int_activity_factors') }} as factors
    where problem_code is null
),

activity_rows as (
    select * from {{ ref('int_activity_rows') }}
),

versions as (
    select * from {{ ref('int_factor_versions') }}
),

units as (
    select * from {{ ref('units') }}
),

checked as (
    select
        chosen.row_key,
        chosen.factor_id,
        chosen.factor_version_number,
        versions.is_in_effect,
        row_unit.dimension as row_dimension,
        factor_unit.dimension as factor_dimension,
        chosen.ghg_kgco2e,
        activity_rows.amount * activity_rows.allocation_share * (row_unit.to_base / factor_unit.to_base)
            * versions.ghg_kgco2e_per_activity_unit as expected_ghg_kgco2e,
        chosen.biogenic_co2_kg,
        activity_rows.amount * activity_rows.allocation_share * (row_unit.to_base / factor_unit.to_base)
            * versions.biogenic_co2_kg_per_activity_unit as expected_biogenic_co2_kg
    from chosen
    inner join activity_rows using (row_key)
    left join versions
        on versions.factor_id = chosen.factor_id
        and versions.version_number = chosen.factor_version_number
    left join units as row_unit on row_unit.unit = activity_rows.unit
    left join units as factor_unit on factor_unit.unit = versions.activity_unit
),

final as (
    select *
    from checked
    where not coalesce(
        is_in_effect
        and row_dimension = factor_dimension
        and abs(ghg_kgco2e - expected_ghg_kgco2e) <= 1e-9 * abs(expected_ghg_kgco2e) + 1e-12
        and abs(biogenic_co2_kg - expected_biogenic_co2_kg) <= 1e-9 * abs(expected_biogenic_co2_kg) + 1e-12,
        false
    )
)

select * from final
