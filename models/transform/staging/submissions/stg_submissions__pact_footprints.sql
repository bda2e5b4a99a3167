with

source as (
    select * from {{ source('raw', 'pact_footprints') }}
),

renamed as (
    select
        submission_id,
        source_row,
        pact_id,
        spec_version,
        company_uscc,
        company_name,
        product_code,
        company_uscc || '/' || product_code as product_key,
        product_name,
        product_category,
        hs_code,
        declared_unit,
        product_mass_kg,
        {{ to_date('reporting_period_start') }} as reporting_period_start,
        {{ to_date('reporting_period_end') }} as reporting_period_end,
        pcf_excl_biogenic_kgco2e_per_unit,
        pcf_incl_biogenic_kgco2e_per_unit,
        primary_data_share_pct,
        dqr,
        gwp_set
    from source
)

select * from renamed
