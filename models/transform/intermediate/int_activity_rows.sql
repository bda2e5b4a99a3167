-- One row per activity row of a current inventory product that passed ingestion checks, with the
-- product context the footprint arithmetic needs.
with

products as (
    select * from {{ ref('int_submission_products') }}
    where is_current and not has_ingest_errors and source_kind = 'inventory'
),

activity_rows as (
    select * from {{ ref('stg_submissions__rows') }}
),

final as (
    select
        activity_rows.submission_id || ':' || activity_rows.source_sheet || ':' || activity_rows.source_row as row_key,
        activity_rows.submission_id,
        activity_rows.source_sheet,
        activity_rows.source_row,
        products.product_period_key,
        products.product_key,
        products.company_uscc,
        products.reporting_year,
        products.reporting_period_start,
        products.reporting_period_end,
        products.production_volume,
        activity_rows.lifecycle_stage,
        activity_rows.activity_name,
        activity_rows.amount,
        activity_rows.unit,
        activity_rows.activity_code,
        activity_rows.factor_id,
        activity_rows.supplier_product,
        activity_rows.data_source,
        coalesce(activity_rows.allocation_share, 1.0) as allocation_share
    from activity_rows
    inner join products
        on activity_rows.submission_id = products.submission_id
        and activity_rows.company_uscc = products.company_uscc
        and activity_rows.product_code = products.product_code
        and activity_rows.reporting_period_start = products.reporting_period_start
        and activity_rows.reporting_period_end = products.reporting_period_end
)

select * from final
