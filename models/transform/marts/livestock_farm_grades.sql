-- One row per livestock farm product and reporting period, every disclosure level: its footprint,
-- grade and green-loan eligibility (grade at most `green_loan_max_grade`). Restricted: for lenders
-- only, written under restricted/ and never under publish/ (SPEC §5.5).
with

farms as (
    select * from {{ ref('int_product_labels') }}
    where product_category like 'livestock.%'
),

final as (
    select
        {{ stable_uuid('product_period_key') }} as product_footprint_id,
        company_uscc,
        company_name,
        product_code,
        product_name,
        product_category,
        declared_unit,
        reporting_period_start,
        reporting_period_end,
        production_volume,
        pcf_excl_biogenic_kgco2e_per_unit,
        pcf_incl_biogenic_kgco2e_per_unit,
        dqr,
        dqr_class,
        is_verified,
        grade,
        coalesce(grade <= {{ var('green_loan_max_grade', 2) }}, false) as is_green_loan_eligible,
        disclosure
    from farms
)

select * from final
order by company_uscc, product_code, reporting_period_start, reporting_period_end
