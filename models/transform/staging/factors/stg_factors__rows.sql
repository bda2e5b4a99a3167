with

source as (
    select * from {{ source('raw', 'factor_rows') }}
),

renamed as (
    select
        release_id,
        source_row,
        factor_id,
        activity_code,
        name_en,
        name_zh,
        geography,
        cast({{ to_number('reference_year') }} as integer) as reference_year,
        activity_unit,
        {{ to_number('co2_fossil_kg') }} as co2_fossil_kg,
        {{ to_number('ch4_fossil_kg') }} as ch4_fossil_kg,
        {{ to_number('ch4_biogenic_kg') }} as ch4_biogenic_kg,
        {{ to_number('n2o_kg') }} as n2o_kg,
        {{ to_number('other_ghg_kgco2e') }} as other_ghg_kgco2e,
        {{ to_number('co2_biogenic_kg') }} as co2_biogenic_kg,
        {{ to_number('co2e_kg') }} as co2e_kg,
        gwp_basis,
        lca_scope,
        cast({{ to_number('dq_technological') }} as integer) as dq_technological,
        cast({{ to_number('dq_geographical') }} as integer) as dq_geographical,
        cast({{ to_number('dq_temporal') }} as integer) as dq_temporal,
        cast({{ to_number('dq_precision') }} as integer) as dq_precision,
        {{ to_number('uncertainty_gsd') }} as uncertainty_gsd,
        source,
        source_url,
        status
    from source
)

select * from renamed
