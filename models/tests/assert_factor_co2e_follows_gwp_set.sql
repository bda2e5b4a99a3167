-- A failure means a factor version's CO2e per activity unit does not follow SPEC §4 under the
-- run's GWP set: ghg_kgco2e_per_activity_unit must be co2e_kg when the factor has no gas split,
-- else co2_fossil + ch4_fossil·GWP_CH4_fossil + ch4_biogenic·GWP_CH4_nonfossil + n2o·GWP_N2O +
-- other_ghg (missing gases 0), with the GWP values of seeds/gwp_sets.csv for the run's gwp_set. It
-- also fails when that set names no row of the seed while accepted factors exist: every factor
-- would silently drop out of the factor set (the model cross-joins the chosen GWP row).
{{ config(meta={'dagster': {'ref': {'name': 'int_factor_versions'}}}) }}  -- shown in Dagster as a check of int_factor_versions
with

versions as (
    select * from {{ ref('int_factor_versions') }}
),

gwp as (
    select * from {{ ref('gwp_sets') }}
    where gwp_set = {{ run_gwp_set() }}
),

factor_rows as (
    select * from {{ ref('stg_factors__rows') }}
),

wrong_value as (
    select
        versions.factor_id,
        versions.version_number,
        'ghg_kgco2e_per_activity_unit ' || versions.ghg_kgco2e_per_activity_unit || ' expected '
            || coalesce(
                versions.co2e_kg,
                coalesce(versions.co2_fossil_kg, 0)
                + coalesce(versions.ch4_fossil_kg, 0) * gwp.gwp_ch4_fossil
                + coalesce(versions.ch4_biogenic_kg, 0) * gwp.gwp_ch4_nonfossil
                + coalesce(versions.n2o_kg, 0) * gwp.gwp_n2o
                + coalesce(versions.other_ghg_kgco2e, 0)
            ) as problem
    from versions
    left join gwp on gwp.gwp_set = versions.gwp_set
    where not coalesce(
        abs(
            versions.ghg_kgco2e_per_activity_unit - coalesce(
                versions.co2e_kg,
                coalesce(versions.co2_fossil_kg, 0)
                + coalesce(versions.ch4_fossil_kg, 0) * gwp.gwp_ch4_fossil
                + coalesce(versions.ch4_biogenic_kg, 0) * gwp.gwp_ch4_nonfossil
                + coalesce(versions.n2o_kg, 0) * gwp.gwp_n2o
                + coalesce(versions.other_ghg_kgco2e, 0)
            )
        ) <= 1e-9 * greatest(1, abs(versions.ghg_kgco2e_per_activity_unit)),
        false
    )
),

unknown_gwp_set as (
    select
        cast(null as varchar) as factor_id,
        cast(null as bigint) as version_number,
        'the run''s gwp_set ' || {{ run_gwp_set() }} || ' is not in seeds/gwp_sets.csv' as problem
    where not exists (select 1 from gwp)
        and exists (select 1 from factor_rows)
),

final as (
    select * from wrong_value
    union all
    select * from unknown_gwp_set
)

select * from final
