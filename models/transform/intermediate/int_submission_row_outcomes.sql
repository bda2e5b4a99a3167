-- One row per received row (inventory rows and PACT footprints) of every readable file received by
-- the as-of date: accepted or quarantined (SPEC §7: received = accepted + quarantined, per file).
-- A row is quarantined when it has an error of its own, or when any row of its product has one,
-- or when its product cannot be computed (a supplier cycle, an unusable supplier, an implausible
-- footprint).
with

files as (
    select * from {{ ref('stg_submissions__files') }}
    where received_date <= {{ as_of_date() }} and file_status = 'read'
),

received as (
    select submission_id, source_sheet, source_row, product_key
    from {{ ref('stg_submissions__rows') }}
    union all
    select submission_id, '' as source_sheet, source_row, product_key
    from {{ ref('stg_submissions__pact_footprints') }}
),

ingest_problems as (
    select submission_id, source_sheet, source_row, product_key, code
    from {{ ref('stg_submissions__problems') }}
    where severity = 'error'
),

graph_problems as (
    select submission_id, source_sheet, source_row, product_key, code
    from {{ ref('int_product_problems') }}
),

all_problems as (
    select * from ingest_problems
    union all
    select * from graph_problems
),

row_errors as (
    select submission_id, source_sheet, source_row, list(distinct code order by code) as codes
    from all_problems
    where source_row is not null
    group by all
),

product_errors as (
    select distinct submission_id, product_key
    from all_problems
    where product_key is not null
),

final as (
    select
        received.submission_id,
        received.source_sheet,
        received.source_row,
        received.product_key,
        row_errors.codes as error_codes,
        case
            when row_errors.codes is not null then 'quarantined'
            when product_errors.product_key is not null then 'quarantined'
            when received.product_key is null then 'quarantined'
            else 'accepted'
        end as row_status,
        row_errors.codes is null and product_errors.product_key is not null as is_blocked_by_product
    from received
    inner join files using (submission_id)
    left join row_errors using (submission_id, source_sheet, source_row)
    left join product_errors using (submission_id, product_key)
)

select * from final
