-- A failure means a received row was lost or duplicated between ingestion and feedback (SPEC
-- §7: every received row ends up accepted or quarantined — received = accepted + quarantined,
-- per file, always). Every row the raw tables hold for a file that was read and received by the
-- as-of date (raw.submission_rows, and raw.pact_footprints with source_sheet '') must appear
-- exactly once in int_submission_row_outcomes, and nothing else may appear there.
--
-- Row by row: each received row has exactly one outcome and each outcome a received row (a row
-- named is such a row, with how many outcomes it has). The table is built incrementally, by unit
-- (one product's rows in one submission): when one build made every row they are all checked row
-- by row; otherwise the units the latest build added are, and per submission, over every row,
-- there must be as many outcomes as received rows (a row named with source_row null is a
-- submission whose counts differ). The rows of earlier builds were checked row by row when they
-- were added, and a night only deletes or adds whole units.
{{ config(meta={'dagster': {'ref': {'name': 'int_submission_row_outcomes'}}}) }}  -- shown in Dagster as a check of int_submission_row_outcomes
{%- set latest = latest_build_rows(ref('int_submission_row_outcomes')) if execute else ref('int_submission_row_outcomes') %}
{%- set whole_build = latest is not string %}
with

files as (
    select submission_id
    from {{ source('raw', 'files') }}
    where file_status = 'read' and received_date <= {{ as_of_date() }}
),

received as (
    select submission_id, source_sheet, source_row, company_uscc || '/' || product_code as product_key
    from {{ source('raw', 'submission_rows') }}
    union all
    select submission_id, '' as source_sheet, source_row, company_uscc || '/' || product_code as product_key
    from {{ source('raw', 'pact_footprints') }}
),

received_by_as_of as (
    select received.*
    from received
    inner join files using (submission_id)
),

latest_outcomes as (
    select * from {{ latest }}
),

{% if whole_build %}
received_in_latest_units as (
    select * from received_by_as_of
),
{% else %}
-- per submission, over every row
received_per_submission as (
    select submission_id, count(*) as received_rows
    from received_by_as_of
    group by submission_id
),

outcomes_per_submission as (
    select submission_id, count(*) as outcome_rows
    from {{ ref('int_submission_row_outcomes') }}
    group by submission_id
),

submissions_off as (
    select
        coalesce(received_per_submission.submission_id, outcomes_per_submission.submission_id) as submission_id,
        null as source_sheet,
        null as source_row,
        received_per_submission.submission_id is not null as is_received,
        coalesce(received_per_submission.received_rows, 0) as received,
        coalesce(outcomes_per_submission.outcome_rows, 0) as outcomes
    from received_per_submission
    full outer join outcomes_per_submission using (submission_id)
    where coalesce(received_per_submission.received_rows, 0) <> coalesce(outcomes_per_submission.outcome_rows, 0)
),

-- row by row, the received rows of the units the latest build added
latest_units as (
    select distinct submission_id, product_key from latest_outcomes
),

received_in_latest_units as (
    select received_by_as_of.*
    from received_by_as_of
    where exists (
        select 1 from latest_units
        where latest_units.submission_id = received_by_as_of.submission_id
            and latest_units.product_key is not distinct from received_by_as_of.product_key
    )
),
{% endif %}

latest_outcomes_per_row as (
    select
        submission_id,
        source_sheet,
        source_row,
        count(*) as outcomes
    from latest_outcomes
    group by submission_id, source_sheet, source_row
),

rows_off as (
    select
        coalesce(received_in_latest_units.submission_id, latest_outcomes_per_row.submission_id) as submission_id,
        coalesce(received_in_latest_units.source_sheet, latest_outcomes_per_row.source_sheet) as source_sheet,
        coalesce(received_in_latest_units.source_row, latest_outcomes_per_row.source_row) as source_row,
        received_in_latest_units.submission_id is not null as is_received,
        (received_in_latest_units.submission_id is not null)::int as received,
        coalesce(latest_outcomes_per_row.outcomes, 0) as outcomes
    from received_in_latest_units
    full outer join latest_outcomes_per_row
        on latest_outcomes_per_row.submission_id = received_in_latest_units.submission_id
        and latest_outcomes_per_row.source_sheet = received_in_latest_units.source_sheet
        and latest_outcomes_per_row.source_row = received_in_latest_units.source_row
    where received_in_latest_units.submission_id is null
        or coalesce(latest_outcomes_per_row.outcomes, 0) <> 1
),

final as (
    {% if not whole_build %}
        select * from submissions_off
        union all
    {% endif %}
    select * from rows_off
)

select * from final
