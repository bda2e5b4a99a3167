with

source as (
    select * from {{ source('raw', 'submission_rows') }}
),

renamed as (
    select
        submission_id,
        source_sheet,
        source_row,
        company_uscc || '/' || product_code as product_key,
        company_uscc,
        company_name,
        product_code,
        product_name,
        product_category,
        hs_code,
        declared_unit,
        {{ to_number('product_mass_kg') }} as product_mass_kg,
        {{ to_date('reporting_period_start') }} as reporting_period_start,
        {{ to_date('reporting_period_end') }} as reporting_period_end,
        {{ to_number('production_volume') }} as production_volume,
        system_boundary,
        disclosure,
        verifier_name,
        {{ to_date('verification_date') }} as verification_date,
        {{ to_number('export_volume') }} as export_volume,
        export_markets,
        lifecycle_stage,
        activity_name,
        {{ to_number('amount') }} as amount,
        unit,
        activity_code,
        factor_id,
        supplier_product,
        data_source,
        {{ to_number('allocation_share') }} as allocation_share
    from source
)

select * from renamed
