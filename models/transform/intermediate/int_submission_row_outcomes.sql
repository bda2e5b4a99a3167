-- One row per received row (inventory rows and PACT footprints) of every readable file received by
-- the as-of date: accepted or quarantined (SPEC §7: received = accepted + quarantined, per file).
-- A row is quarantined when it has an error of its own, or when any row of its product has one,
-- or when its product cannot be computed (a supplier cycle, an unusable supplier, an implausible
-- footprint).
--
-- Built incrementally, by unit: the rows of one product in one submission (or a submission's rows
-- that name no product). A unit's outcomes depend on its rows and its ingestion errors, which never
-- change once received, and on the graph's problems (int_product_problems), which can change any
-- night: a supplier resubmitted, a factor release, another as-of date. A night deletes the units
-- of files no longer received by the as-of date, the units a graph problem decided when they were
-- built (is_graph_decided) and those the graph finds a problem in now, then builds every unit of a
-- received file that is not here. `pcf_dbt_models` builds it whole again (--full-refresh) whenever
-- the project's files change.
{{ config(
    materialized='incremental',
    pre_hook="""
        {% if is_incremental() %}
        delete from {{ this }} as kept
        where kept.is_graph_decided
            or kept.submission_id not in (
                select submission_id from {{ ref('stg_submissions__files') }}
                where received_date <= {{ as_of_date() }} and file_status = 'read'
            )
            or exists (
                select 1 from {{ ref('int_product_problems') }} as problems
                where problems.submission_id = kept.submission_id and problems.product_key = kept.product_key
            )
        {% endif %}
    """,
) }}
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

{% if is_incremental() %}
kept_units as (
    select distinct submission_id, product_key from {{ this }}
),
{% endif %}

to_build as (
    select received.*
    from received
    inner join files using (submission_id)
    {% if is_incremental() %}
        where not exists (
            select 1 from kept_units
            where kept_units.submission_id = received.submission_id
                and kept_units.product_key is not distinct from received.product_key
        )
    {% endif %}
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

graph_units as (
    select distinct submission_id, product_key
    from graph_problems
),

final as (
    select
        to_build.submission_id,
        to_build.source_sheet,
        to_build.source_row,
        to_build.product_key,
        row_errors.codes as error_codes,
        case
            when row_errors.codes is not null then 'quarantined'
            when product_errors.product_key is not null then 'quarantined'
            when to_build.product_key is null then 'quarantined'
            else 'accepted'
        end as row_status,
        row_errors.codes is null and product_errors.product_key is not null as is_blocked_by_product,
        graph_units.submission_id is not null as is_graph_decided,
        -- when the row was added (the build's transaction start): the tests check the rows the
        -- latest build added, not again every row of every earlier night
        now() as built_at
    from to_build
    left join row_errors using (submission_id, source_sheet, source_row)
    left join product_errors using (submission_id, product_key)
    left join graph_units using (submission_id, product_key)
)

select * from final
