-- One row per product and reporting period per submission received by the as-of date, from
-- inventories (submission rows) and PACT footprints alike; `is_current` marks the latest
-- submission of each product and period, which supersedes the earlier ones (SPEC §3.2).
with

files as (
    select * from {{ ref('stg_submissions__files') }}
    where received_date <= {{ as_of_date() }} and file_status = 'read'
),

inventory_rows as (
    select * from {{ ref('stg_submissions__rows') }}
),

pact_footprints as (
    select * from {{ ref('stg_submissions__pact_footprints') }}
),

problems as (
    select * from {{ ref('stg_submissions__problems') }}
),

error_products as (
    select distinct submission_id, product_key
    from problems
    where severity = 'error' and product_key is not null
),

inventory_products as (
    select
        submission_id,
        product_key,
        company_uscc,
        product_code,
        reporting_period_start,
        reporting_period_end,
        'inventory' as source_kind,
        arg_min(company_name, source_row) as company_name,
        arg_min(product_name, source_row) as product_name,
        arg_min(product_category, source_row) as product_category,
        arg_min(hs_code, source_row) as hs_code,
        arg_min(declared_unit, source_row) as declared_unit,
        arg_min(product_mass_kg, source_row) as product_mass_kg,
        arg_min(production_volume, source_row) as production_volume,
        arg_min(system_boundary, source_row) as system_boundary,
        arg_min(disclosure, source_row) as disclosure,
        arg_min(verifier_name, source_row) as verifier_name,
        arg_min(verification_date, source_row) as verification_date,
        arg_min(export_volume, source_row) as export_volume,
        arg_min(export_markets, source_row) as export_markets,
        cast(null as double) as pact_pcf_excl_biogenic_kgco2e_per_unit,
        cast(null as double) as pact_pcf_incl_biogenic_kgco2e_per_unit,
        cast(null as double) as pact_primary_data_share_pct,
        cast(null as double) as pact_dqr,
        count(*) as rows_received
    from inventory_rows
    where company_uscc is not null
        and product_code is not null
        and reporting_period_start is not null
        and reporting_period_end is not null
    group by submission_id, product_key, company_uscc, product_code, reporting_period_start, reporting_period_end
),

pact_products as (
    select
        submission_id,
        product_key,
        company_uscc,
        product_code,
        reporting_period_start,
        reporting_period_end,
        'pact' as source_kind,
        company_name,
        product_name,
        product_category,
        hs_code,
        declared_unit,
        product_mass_kg,
        cast(null as double) as production_volume,
        'cradle_to_gate' as system_boundary,
        case when product_category is null then 'private' else 'public' end as disclosure,
        cast(null as varchar) as verifier_name,
        cast(null as date) as verification_date,
        cast(null as double) as export_volume,
        cast(null as varchar) as export_markets,
        pcf_excl_biogenic_kgco2e_per_unit as pact_pcf_excl_biogenic_kgco2e_per_unit,
        pcf_incl_biogenic_kgco2e_per_unit as pact_pcf_incl_biogenic_kgco2e_per_unit,
        primary_data_share_pct as pact_primary_data_share_pct,
        dqr as pact_dqr,
        1 as rows_received
    from pact_footprints
    where company_uscc is not null
        and product_code is not null
        and reporting_period_start is not null
        and reporting_period_end is not null
),

all_products as (
    select * from inventory_products
    union all by name
    select * from pact_products
),

final as (
    select
        all_products.product_key || '/' || strftime(all_products.reporting_period_start, '%Y-%m-%d')
            || '/' || strftime(all_products.reporting_period_end, '%Y-%m-%d') as product_period_key,
        all_products.*,
        year(all_products.reporting_period_end) as reporting_year,
        files.received_date,
        files.received_seq,
        files.file_name,
        error_products.submission_id is not null as has_ingest_errors,
        row_number() over (
            partition by all_products.product_key, all_products.reporting_period_start, all_products.reporting_period_end
            order by files.received_date desc, files.received_seq desc
        ) = 1 as is_current
    from all_products
    inner join files using (submission_id)
    left join error_products using (submission_id, product_key)
)

select * from final
