-- One row per activity row that names an activity_code or a factor_id: the factor version chosen
-- (SPEC §3.1: most specific geography containing the company, then the latest reference year not
-- after the reporting year, else the earliest after it, then the smallest factor_id), the unit
-- conversion, the row's emissions gas by gas, or the reason no factor could be used.
--
-- Built incrementally: a row's choice depends only on the row and on the factors in effect (the
-- units and geographies are seeds, part of the project's files). Each row records the factors it
-- was chosen among (`factor_state`); a night deletes the rows whose activity row is gone or whose
-- factors in effect have changed since (a new release, another GWP set, an as-of date before a
-- release), then chooses for every activity row without one.
{{ config(
    materialized='incremental',
    pre_hook="""
        {% if is_incremental() %}
        delete from {{ this }} as kept
        where kept.factor_state <> {{ factor_state() }}
            or not exists (select 1 from {{ ref('int_activity_rows') }} as activities where activities.row_key = kept.row_key)
        {% endif %}
    """,
) }}
with

activities as (
    select * from {{ ref('int_activity_rows') }} as candidates
    where supplier_product is null
    {% if is_incremental() %}
        and not exists (select 1 from {{ this }} as kept where kept.row_key = candidates.row_key)
    {% endif %}
),

companies as (
    select * from {{ ref('int_companies') }}
),

factors as (
    select * from {{ ref('int_factor_versions') }}
    where is_in_effect
),

units as (
    select * from {{ ref('units') }}
),

located as (
    select
        activities.*,
        companies.city_geography_code,
        companies.province_geography_code,
        row_unit.dimension as unit_dimension,
        row_unit.to_base as unit_to_base
    from activities
    left join companies using (company_uscc)
    left join units as row_unit on row_unit.unit = activities.unit
),

-- The choice depends only on what the rule reads, not on the row: it is made once per distinct
-- choice key (a few thousand at any size) and joined back to every row by its id.
choice_keys as (
    select *, row_number() over () as choice_key_id
    from (
        select distinct
            activity_code as key_activity_code,
            factor_id as key_factor_id,
            city_geography_code as key_city_geography_code,
            province_geography_code as key_province_geography_code,
            reporting_year as key_reporting_year,
            unit_dimension as key_unit_dimension
        from located
    )
),

keyed as (
    select located.*, choice_keys.choice_key_id
    from located
    inner join choice_keys
        on located.activity_code is not distinct from choice_keys.key_activity_code
        and located.factor_id is not distinct from choice_keys.key_factor_id
        and located.city_geography_code is not distinct from choice_keys.key_city_geography_code
        and located.province_geography_code is not distinct from choice_keys.key_province_geography_code
        and located.reporting_year is not distinct from choice_keys.key_reporting_year
        and located.unit_dimension is not distinct from choice_keys.key_unit_dimension
),

candidates as (
    select
        choice_keys.*,
        factors.*,
        factor_unit.dimension as factor_unit_dimension,
        factor_unit.to_base as factor_unit_to_base,
        case factors.geography
            when choice_keys.key_city_geography_code then 1
            when choice_keys.key_province_geography_code then 2
            when 'CN' then 3
            when 'GLO' then 4
        end as geography_rank,
        factor_unit.dimension = choice_keys.key_unit_dimension as is_unit_compatible
    from choice_keys
    inner join factors
        -- a product's activity takes life-cycle factors: tank-to-wheel and well-to-tank parts
        -- (transport chains, SPEC §3.3) only when named by factor_id
        on (
            choice_keys.key_activity_code is not null
            and factors.activity_code = choice_keys.key_activity_code
            and factors.lca_scope not in ('ttw', 'wtt')
        )
        or (choice_keys.key_factor_id is not null and factors.factor_id = choice_keys.key_factor_id)
    left join units as factor_unit on factor_unit.unit = factors.activity_unit
),

chosen as (
    select *
    from candidates
    where is_unit_compatible and (key_factor_id is not null or geography_rank is not null)
    qualify row_number() over (
        partition by choice_key_id
        order by
            geography_rank nulls last,
            reference_year > key_reporting_year,
            case when reference_year <= key_reporting_year then -reference_year else reference_year end,
            factor_id
    ) = 1
),

candidate_summary as (
    select
        choice_key_id,
        count(*) as factors_found,
        count(*) filter (where geography_rank is not null) as factors_in_geography,
        -- the nearest factor's unit and its dimension, of one and the same factor: among equally near
        -- factors the first unit in text order (not the order rows arrive in)
        arg_min(activity_unit, (coalesce(geography_rank, 9), activity_unit)) as nearest_factor_unit,
        arg_min(factor_unit_dimension, (coalesce(geography_rank, 9), activity_unit)) as nearest_factor_unit_dimension
    from candidates
    group by choice_key_id
),

final as (
    select
        located.row_key,
        located.product_period_key,
        chosen.factor_id,
        chosen.version_number as factor_version_number,
        chosen.release_id as factor_release_id,
        chosen.activity_unit as factor_activity_unit,
        chosen.geography as factor_geography,
        chosen.reference_year as factor_reference_year,
        chosen.is_gwp_basis_mismatch,
        located.unit_to_base / chosen.factor_unit_to_base as unit_conversion,
        located.amount * located.allocation_share * (located.unit_to_base / chosen.factor_unit_to_base) as activity_amount_in_factor_unit,
        located.amount * located.allocation_share * (located.unit_to_base / chosen.factor_unit_to_base)
            * chosen.ghg_kgco2e_per_activity_unit as ghg_kgco2e,
        located.amount * located.allocation_share * (located.unit_to_base / chosen.factor_unit_to_base)
            * chosen.biogenic_co2_kg_per_activity_unit as biogenic_co2_kg,
        chosen.dqr,
        case
            when chosen.factor_id is not null then null
            when coalesce(candidate_summary.factors_found, 0) = 0 and located.factor_id is not null then 'UNKNOWN_FACTOR_ID'
            when coalesce(candidate_summary.factors_found, 0) = 0 then 'UNKNOWN_ACTIVITY_CODE'
            when located.activity_code is not null and candidate_summary.factors_in_geography = 0 then 'NO_FACTOR_FOR_GEOGRAPHY'
            else 'UNIT_DIMENSION_MISMATCH'
        end as problem_code,
        case
            when chosen.factor_id is not null then null
            when located.activity_code is not null and coalesce(candidate_summary.factors_found, 0) = 0 then 'activity_code'
            when located.factor_id is not null and coalesce(candidate_summary.factors_found, 0) = 0 then 'factor_id'
            when located.activity_code is not null and candidate_summary.factors_in_geography = 0 then 'activity_code'
            else 'unit'
        end as problem_column,
        -- null for a row with a factor: at ten million rows the JSON of every row cost seconds to build and store
        case
            when chosen.factor_id is not null then null
            when coalesce(candidate_summary.factors_found, 0) = 0 then json_object('value', coalesce(located.activity_code, located.factor_id))
            when located.activity_code is not null and candidate_summary.factors_in_geography = 0
                then json_object('value', located.activity_code, 'expected', coalesce(located.city_geography_code, located.province_geography_code, 'CN'))
            else json_object(
                'value', located.unit, 'value_dimension', located.unit_dimension,
                'expected', candidate_summary.nearest_factor_unit, 'expected_dimension', candidate_summary.nearest_factor_unit_dimension
            )
        end as problem_details,
        {{ factor_state() }} as factor_state,
        now() as built_at  -- see int_activity_rows
    from keyed as located
    left join chosen using (choice_key_id)
    left join candidate_summary using (choice_key_id)
)

select * from final
