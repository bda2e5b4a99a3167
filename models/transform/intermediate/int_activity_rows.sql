-- One row per activity row of a current inventory product that passed ingestion checks, with the
-- product context the footprint arithmetic needs.
with

products as (
    select * from {{ ref('int_submission_products') }}
    where is_current and not has_ingest_errors and source_kind = 'inventory'
),

-- Read twice (the sheets below, and the rows): DuckDB would otherwise store every received row
-- once to read it back, which at ten million rows took twice as long as scanning it twice.
activity_rows as not materialized (
    select * from {{ ref('stg_submissions__rows') }}
),

-- Each sheet of the night's rows numbered in order of submission and sheet: a row's key is its
-- sheet's number times 2^32 plus its line, an integer. The activity-level tables are joined and
-- checked on it; at ten million rows a text key cost seconds to store in each and to join.
sheets as (
    select submission_id, source_sheet, row_number() over (order by submission_id, source_sheet) as sheet_number
    from (select distinct submission_id, source_sheet from activity_rows)
),

final as (
    select
        (sheets.sheet_number << 32) + activity_rows.source_row as row_key,
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
    inner join sheets
        on activity_rows.submission_id = sheets.submission_id
        and activity_rows.source_sheet = sheets.source_sheet
)

select * from final
