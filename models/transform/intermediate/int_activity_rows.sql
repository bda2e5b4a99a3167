-- One row per activity row of a current inventory product that passed ingestion checks, with the
-- product context the footprint arithmetic needs.
--
-- Built incrementally: a row never changes once received, so a night adds the rows of the products
-- that became current (a new submission, or an older one again when the as-of date moves back) and
-- deletes those of the products no longer current. `pcf_dbt_models` builds it whole again
-- (--full-refresh) whenever the project's files change.
{{ config(
    materialized='incremental',
    pre_hook="""
        {% if is_incremental() %}
        delete from {{ this }} as kept
        where not exists (
            select 1 from {{ ref('int_submission_products') }} as products
            where products.is_current and not products.has_ingest_errors and products.source_kind = 'inventory'
                and products.submission_id = kept.submission_id and products.product_period_key = kept.product_period_key
        )
        {% endif %}
    """,
) }}
with

products as (
    select * from {{ ref('int_submission_products') }} as candidates
    where is_current and not has_ingest_errors and source_kind = 'inventory'
    {% if is_incremental() %}
        and not exists (
            select 1 from {{ this }} as kept
            where kept.submission_id = candidates.submission_id and kept.product_period_key = candidates.product_period_key
        )
    {% endif %}
),

-- Read twice (the sheets below, and the rows): DuckDB would otherwise store every received row
-- once to read it back, which at ten million rows took twice as long as scanning it twice.
activity_rows as not materialized (
    select * from {{ ref('stg_submissions__rows') }}
),

files as (
    select submission_id, received_seq from {{ ref('stg_submissions__files') }}
),

-- Every sheet ever received, numbered in order of receipt (then submission and sheet): a row's
-- key is its sheet's number times 2^32 plus its line, an integer. A new file's sheets come after
-- every earlier one, so a row keeps its key from one build to the next. The activity-level tables
-- are joined and checked on it; at ten million rows a text key cost seconds to store in each and
-- to join.
sheets as (
    select
        sheets.submission_id,
        sheets.source_sheet,
        row_number() over (order by files.received_seq, sheets.submission_id, sheets.source_sheet) as sheet_number
    from (select distinct submission_id, source_sheet from activity_rows) as sheets
    inner join files using (submission_id)
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
        coalesce(activity_rows.allocation_share, 1.0) as allocation_share,
        -- when the row was added (the build's transaction start): the rules tests check the rows
        -- the latest build added, not again every row of every earlier night
        now() as built_at
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
