-- A failure means a received row was lost or duplicated between ingestion and feedback (SPEC
-- §7: every received row ends up accepted or quarantined — received = accepted + quarantined,
-- per file, always). Every row the raw tables hold for a file that was read and received by the
-- as-of date (raw.submission_rows, and raw.pact_footprints with source_sheet '') must appear
-- exactly once in int_submission_row_outcomes, and nothing else may appear there. Each returned
-- row names the row and how many outcomes it has (0, or 2 and more; or an outcome of no row).
{{ config(meta={'dagster': {'ref': {'name': 'int_submission_row_outcomes'}}}) }}  -- shown in Dagster as a check of int_submission_row_outcomes
with

files as (
    select submission_id
    from {{ source('raw', 'files') }}
    where file_status = 'read' and received_date <= {{ as_of_date() }}
),

received as (
    select submission_id, source_sheet, source_row
    from {{ source('raw', 'submission_rows') }}
    union all
    select submission_id, '' as source_sheet, source_row
    from {{ source('raw', 'pact_footprints') }}
),

received_by_as_of as (
    select received.*
    from received
    inner join files using (submission_id)
),

outcomes as (
    select
        submission_id,
        source_sheet,
        source_row,
        count(*) as outcomes
    from {{ ref('int_submission_row_outcomes') }}
    group by submission_id, source_sheet, source_row
),

final as (
    select
        coalesce(received_by_as_of.submission_id, outcomes.submission_id) as submission_id,
        coalesce(received_by_as_of.source_sheet, outcomes.source_sheet) as source_sheet,
        coalesce(received_by_as_of.source_row, outcomes.source_row) as source_row,
        received_by_as_of.submission_id is not null as is_received,
        coalesce(outcomes.outcomes, 0) as outcomes
    from received_by_as_of
    full outer join outcomes
        on outcomes.submission_id = received_by_as_of.submission_id
        and outcomes.source_sheet = received_by_as_of.source_sheet
        and outcomes.source_row = received_by_as_of.source_row
    where received_by_as_of.submission_id is null
        or coalesce(outcomes.outcomes, 0) <> 1
)

select * from final
