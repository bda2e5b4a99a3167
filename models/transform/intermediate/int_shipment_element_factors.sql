-- One row per transport-chain element with no ingestion error of its own: its activity (measured
-- energy, or the default-intensity basis of its mode: TEU-km for sea and inland waterway, t-km for
-- road and rail, TEU for hubs), the well-to-wheel and tank-to-wheel factors chosen for it, its
-- kgCO2e — or the reason no factor could be used (SPEC §3.3, ISO 14083 / GLEC).
-- Choice per scope (wtw, ttw), in the spirit of SPEC §3.1: among factors in effect with the
-- element's activity code, that lca_scope and a unit of the activity's dimension, the most specific
-- geography that contains the element's origin (CN for an origin in China, then GLO); then the
-- latest reference_year not after the departure year, else the earliest after it; then the
-- smallest factor_id.
with

elements as (
    select * from {{ ref('stg_shipments__elements') }}
),

row_errors as (
    select distinct submission_id, source_row
    from {{ ref('stg_shipments__problems') }}
    where severity = 'error' and source_row is not null
),

factors as (
    select * from {{ ref('int_factor_versions') }}
    where is_in_effect
),

units as (
    select * from {{ ref('units') }}
),

activities as (
    select
        elements.element_row_key,
        elements.submission_id,
        elements.source_row,
        case when elements.energy_carrier is not null then 'measured_energy' else 'default_intensity' end
            as calculation_method,
        coalesce(elements.energy_carrier, elements.activity_code) as factor_activity_code,
        case when elements.energy_carrier is not null then 'energy_carrier' else 'activity_code' end
            as factor_code_column,
        case
            when elements.energy_carrier is not null then elements.energy_amount
            when elements.element_type = 'hub' then elements.teu
            when elements.mode in ('sea', 'inland_waterway') then elements.teu * elements.distance_km
            else elements.cargo_mass_t * elements.distance_km
        end as activity_amount,
        case
            when elements.energy_carrier is not null then elements.energy_unit
            when elements.element_type = 'hub' then 'TEU'
            when elements.mode in ('sea', 'inland_waterway') then 'TEUkm'
            else 'tkm'
        end as activity_unit,
        substr(elements.origin_locode, 1, 2) as origin_country_code,
        year(elements.departure_date) as departure_year
    from elements
    left join row_errors using (submission_id, source_row)
    where row_errors.source_row is null
),

located as (
    select
        activities.*,
        activity_unit_row.dimension as activity_dimension,
        activity_unit_row.to_base as activity_to_base
    from activities
    left join units as activity_unit_row on activity_unit_row.unit = activities.activity_unit
),

candidates as (
    select
        located.element_row_key,
        located.departure_year,
        factors.factor_id,
        factors.release_id,
        factors.lca_scope,
        factors.geography,
        factors.reference_year,
        factors.activity_unit as factor_activity_unit,
        factors.ghg_kgco2e_per_activity_unit,
        located.activity_to_base / factor_unit.to_base as unit_conversion,
        factors.lca_scope in ('wtw', 'ttw') as is_chain_scope,
        case factors.geography
            when 'CN' then case when located.origin_country_code = 'CN' then 1 end
            when 'GLO' then 2
        end as geography_rank,
        coalesce(factor_unit.dimension = located.activity_dimension, false) as is_unit_compatible
    from located
    inner join factors on factors.activity_code = located.factor_activity_code
    left join units as factor_unit on factor_unit.unit = factors.activity_unit
),

chosen as (
    select *
    from candidates
    where is_chain_scope and geography_rank is not null and is_unit_compatible
    qualify row_number() over (
        partition by element_row_key, lca_scope
        order by
            geography_rank,
            reference_year > departure_year,
            case when reference_year <= departure_year then -reference_year else reference_year end,
            factor_id
    ) = 1
),

candidate_summary as (
    select
        element_row_key,
        count(*) as factors_found,
        count(*) filter (where is_chain_scope and lca_scope = 'wtw') as wtw_found,
        count(*) filter (where is_chain_scope and lca_scope = 'ttw') as ttw_found,
        count(*) filter (where is_chain_scope and lca_scope = 'wtw' and geography_rank is not null) as wtw_in_geography,
        count(*) filter (where is_chain_scope and lca_scope = 'ttw' and geography_rank is not null) as ttw_in_geography
    from candidates
    group by element_row_key
),

final as (
    select
        located.element_row_key,
        located.submission_id,
        located.source_row,
        located.calculation_method,
        located.factor_activity_code,
        located.activity_amount,
        located.activity_unit,
        wtw.factor_id as wtw_factor_id,
        wtw.release_id as wtw_factor_release_id,
        wtw.geography as wtw_factor_geography,
        wtw.reference_year as wtw_factor_reference_year,
        wtw.factor_activity_unit as wtw_factor_activity_unit,
        wtw.ghg_kgco2e_per_activity_unit as wtw_kgco2e_per_factor_unit,
        ttw.factor_id as ttw_factor_id,
        ttw.release_id as ttw_factor_release_id,
        ttw.geography as ttw_factor_geography,
        ttw.reference_year as ttw_factor_reference_year,
        ttw.factor_activity_unit as ttw_factor_activity_unit,
        ttw.ghg_kgco2e_per_activity_unit as ttw_kgco2e_per_factor_unit,
        case when ttw.factor_id is not null then
            located.activity_amount * wtw.unit_conversion * wtw.ghg_kgco2e_per_activity_unit
        end as wtw_kgco2e,
        case when wtw.factor_id is not null then
            located.activity_amount * ttw.unit_conversion * ttw.ghg_kgco2e_per_activity_unit
        end as ttw_kgco2e,
        case
            when wtw.factor_id is not null and ttw.factor_id is not null then null
            when coalesce(candidate_summary.factors_found, 0) = 0 then 'UNKNOWN_ACTIVITY_CODE'
            when candidate_summary.wtw_found = 0 or candidate_summary.ttw_found = 0 then 'NO_FACTOR_FOR_SCOPE'
            when candidate_summary.wtw_in_geography = 0 or candidate_summary.ttw_in_geography = 0
                then 'NO_FACTOR_FOR_ORIGIN'
            else 'NO_FACTOR_FOR_UNIT'
        end as problem_code,
        case
            when wtw.factor_id is not null and ttw.factor_id is not null then null
            when located.calculation_method = 'measured_energy'
                and coalesce(candidate_summary.factors_found, 0) > 0
                and candidate_summary.wtw_in_geography > 0
                and candidate_summary.ttw_in_geography > 0
                then 'energy_unit'
            else located.factor_code_column
        end as problem_column,
        case
            when wtw.factor_id is not null and ttw.factor_id is not null then null
            when coalesce(candidate_summary.factors_found, 0) = 0
                then json_object('value', located.factor_activity_code)
            when candidate_summary.wtw_found = 0 or candidate_summary.ttw_found = 0
                then json_object(
                    'value', located.factor_activity_code,
                    'expected', concat_ws(' and ',
                        case when candidate_summary.wtw_found = 0 then 'wtw' end,
                        case when candidate_summary.ttw_found = 0 then 'ttw' end)
                )
            when candidate_summary.wtw_in_geography = 0 or candidate_summary.ttw_in_geography = 0
                then json_object('value', located.factor_activity_code, 'expected', coalesce(located.origin_country_code, 'GLO'))
            else json_object('value', located.factor_activity_code, 'expected', located.activity_unit)
        end as problem_details
    from located
    left join chosen as wtw on wtw.element_row_key = located.element_row_key and wtw.lca_scope = 'wtw'
    left join chosen as ttw on ttw.element_row_key = located.element_row_key and ttw.lca_scope = 'ttw'
    left join candidate_summary on candidate_summary.element_row_key = located.element_row_key
)

select * from final
