-- One row per accepted, current container shipment: the sum of its transport-chain elements'
-- well-to-wheel and tank-to-wheel kgCO2e and its intensities per TEU and per TEU-km (SPEC §3.3,
-- §5.6; ISO 14083 / GLEC). Restricted: for the shipper, never in the public release.
with

elements as (
    select * from {{ ref('int_shipment_elements') }}
    where is_current and row_status = 'accepted'
),

shipments as (
    select
        shipment_id,
        any_value(submission_id) as submission_id,
        any_value(shipper_uscc) as shipper_uscc,
        any_value(container_no) as container_no,
        any_value(teu) as teu,
        any_value(cargo_mass_t) as cargo_mass_t,
        arg_min(origin_locode, element_seq) as origin_locode,
        arg_max(coalesce(destination_locode, origin_locode), element_seq) as destination_locode,
        min(departure_date) as first_departure_date,
        string_agg(coalesce(mode, hub_type), ' > ' order by element_seq) as transport_chain,
        count(*) as element_count,
        coalesce({{ stable_sum('distance_km', where="element_type = 'transport'") }}, 0) as distance_km,
        coalesce({{ stable_sum('transport_work_teukm') }}, 0) as transport_work_teukm,
        coalesce({{ stable_sum('transport_work_tkm') }}, 0) as transport_work_tkm,
        {{ stable_sum('wtw_kgco2e') }} as wtw_kgco2e,
        {{ stable_sum('ttw_kgco2e') }} as ttw_kgco2e,
        {{ stable_sum('wtw_kgco2e', where="calculation_method = 'measured_energy'") }} as measured_wtw_kgco2e,
        string_agg(distinct wtw_factor_release_id, '; ' order by wtw_factor_release_id) as factor_release_ids,
        any_value(received_date) as received_date
    from elements
    group by shipment_id
),

final as (
    select
        {{ stable_uuid("'shipment/' || shipment_id") }} as shipment_footprint_id,
        shipment_id,
        shipper_uscc,
        container_no,
        cast(teu as integer) as teu,
        cargo_mass_t,
        origin_locode,
        destination_locode,
        first_departure_date,
        strftime(first_departure_date, '%Y-%m') as departure_month,
        transport_chain,
        cast(element_count as integer) as element_count,
        distance_km,
        transport_work_teukm,
        transport_work_tkm,
        wtw_kgco2e,
        ttw_kgco2e,
        wtw_kgco2e - ttw_kgco2e as wtt_kgco2e,
        wtw_kgco2e / teu as wtw_kgco2e_per_teu,
        ttw_kgco2e / teu as ttw_kgco2e_per_teu,
        case when transport_work_teukm > 0 then wtw_kgco2e / transport_work_teukm end as wtw_kgco2e_per_teukm,
        case when transport_work_teukm > 0 then ttw_kgco2e / transport_work_teukm end as ttw_kgco2e_per_teukm,
        case when wtw_kgco2e > 0 then 100 * coalesce(measured_wtw_kgco2e, 0) / wtw_kgco2e end as primary_data_share_pct,
        {{ run_gwp_set() }} as gwp_set,
        factor_release_ids,
        submission_id,
        received_date
    from shipments
)

select * from final
order by shipment_id
