-- One row per received transport-chain element of every readable shipment file received by the
-- as-of date: accepted or quarantined (SPEC §7: received = accepted + quarantined, per file), with
-- its well-to-wheel and tank-to-wheel kgCO2e (SPEC §3.3). A row is quarantined when it has an
-- error of its own (ingestion rules, or no usable factor), or when any other row of its shipment
-- in the same file has one: a shipment is computed whole or not at all. `is_current` marks the
-- latest file that holds a shipment, which supersedes earlier ones.
with

files as (
    select * from {{ ref('stg_submissions__files') }}
    where kind = 'shipment' and received_date <= {{ as_of_date() }} and file_status = 'read'
),

elements as (
    select * from {{ ref('stg_shipments__elements') }}
),

ingest_problems as (
    select * from {{ ref('stg_shipments__problems') }}
    where severity = 'error'
),

element_factors as (
    select * from {{ ref('int_shipment_element_factors') }}
),

received as (
    select
        elements.*,
        files.received_date,
        files.received_seq
    from elements
    inner join files using (submission_id)
),

all_row_problems as (
    select submission_id, source_row, code
    from ingest_problems
    where source_row is not null
    union all
    select submission_id, source_row, problem_code as code
    from element_factors
    where problem_code is not null
),

row_errors as (
    select submission_id, source_row, list(distinct code order by code) as error_codes
    from all_row_problems
    group by submission_id, source_row
),

shipment_errors as (
    select distinct received.submission_id, received.shipment_id
    from received
    inner join row_errors using (submission_id, source_row)
    where received.shipment_id is not null
    union
    select distinct submission_id, shipment_id
    from ingest_problems
    where shipment_id is not null
),

shipment_versions as (
    select
        submission_id,
        shipment_id,
        row_number() over (
            partition by shipment_id order by max(received_date) desc, max(received_seq) desc
        ) = 1 as is_current
    from received
    where shipment_id is not null
    group by submission_id, shipment_id
),

final as (
    select
        received.element_row_key,
        received.submission_id,
        received.source_row,
        received.shipment_id,
        received.container_no,
        received.teu,
        received.cargo_mass_t,
        received.shipper_uscc,
        received.element_seq,
        received.element_type,
        received.mode,
        received.hub_type,
        received.origin_locode,
        received.destination_locode,
        received.distance_km,
        received.departure_date,
        strftime(received.departure_date, '%Y-%m') as departure_month,
        received.received_date,
        coalesce(shipment_versions.is_current, false) as is_current,
        row_errors.error_codes,
        case
            when row_errors.error_codes is not null then 'quarantined'
            when shipment_errors.shipment_id is not null then 'quarantined'
            when received.shipment_id is null then 'quarantined'
            else 'accepted'
        end as row_status,
        row_errors.error_codes is null and shipment_errors.shipment_id is not null as is_blocked_by_shipment,
        case when received.element_type = 'transport' then received.teu * received.distance_km end
            as transport_work_teukm,
        case when received.element_type = 'transport' then received.cargo_mass_t * received.distance_km end
            as transport_work_tkm,
        element_factors.calculation_method,
        element_factors.factor_activity_code,
        element_factors.activity_amount,
        element_factors.activity_unit,
        element_factors.wtw_factor_id,
        element_factors.wtw_factor_release_id,
        element_factors.wtw_kgco2e_per_factor_unit,
        element_factors.wtw_factor_activity_unit,
        element_factors.ttw_factor_id,
        element_factors.ttw_factor_release_id,
        element_factors.ttw_kgco2e_per_factor_unit,
        element_factors.ttw_factor_activity_unit,
        element_factors.wtw_kgco2e,
        element_factors.ttw_kgco2e,
        element_factors.wtw_kgco2e - element_factors.ttw_kgco2e as wtt_kgco2e
    from received
    left join row_errors using (submission_id, source_row)
    left join shipment_errors using (submission_id, shipment_id)
    left join shipment_versions using (submission_id, shipment_id)
    left join element_factors using (element_row_key)
)

select * from final
