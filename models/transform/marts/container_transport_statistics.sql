-- One row per month, mode and route of the accepted, current container shipments' chain elements
-- (SPEC §5.6): shipments, shippers, TEU, transport work, well-to-wheel and tank-to-wheel kgCO2e and
-- intensities. A hub is a route from its location to itself, its hub type in place of a mode.
-- Cells built from fewer than 3 shippers are suppressed: every quantity null, is_suppressed true.
with

elements as (
    select * from {{ ref('int_shipment_elements') }}
    where is_current and row_status = 'accepted'
),

cells as (
    select
        departure_month,
        coalesce(mode, hub_type) as mode,
        origin_locode,
        coalesce(destination_locode, origin_locode) as destination_locode,
        any_value(element_type) as element_type,
        count(distinct shipment_id) as shipment_count,
        count(distinct shipper_uscc) as shipper_count,
        sum(teu) as teu,
        {{ stable_sum('transport_work_teukm') }} as transport_work_teukm,
        {{ stable_sum('transport_work_tkm') }} as transport_work_tkm,
        {{ stable_sum('wtw_kgco2e') }} as wtw_kgco2e,
        {{ stable_sum('ttw_kgco2e') }} as ttw_kgco2e,
        {{ stable_sum('wtw_kgco2e', where="calculation_method = 'measured_energy'") }} as measured_wtw_kgco2e
    from elements
    group by 1, 2, 3, 4
),

final as (
    select
        departure_month,
        mode,
        origin_locode,
        destination_locode,
        element_type,
        cast(shipment_count as integer) as shipment_count,
        cast(shipper_count as integer) as shipper_count,
        shipper_count < 3 as is_suppressed,
        case when shipper_count >= 3 then cast(teu as integer) end as teu,
        case when shipper_count >= 3 then transport_work_teukm end as transport_work_teukm,
        case when shipper_count >= 3 then transport_work_tkm end as transport_work_tkm,
        case when shipper_count >= 3 then wtw_kgco2e end as wtw_kgco2e,
        case when shipper_count >= 3 then ttw_kgco2e end as ttw_kgco2e,
        case when shipper_count >= 3 then wtw_kgco2e / teu end as wtw_kgco2e_per_teu,
        case when shipper_count >= 3 then ttw_kgco2e / teu end as ttw_kgco2e_per_teu,
        case when shipper_count >= 3 and transport_work_teukm > 0 then wtw_kgco2e / transport_work_teukm end
            as wtw_kgco2e_per_teukm,
        case when shipper_count >= 3 and transport_work_teukm > 0 then ttw_kgco2e / transport_work_teukm end
            as ttw_kgco2e_per_teukm,
        case when shipper_count >= 3 and wtw_kgco2e > 0 then 100 * coalesce(measured_wtw_kgco2e, 0) / wtw_kgco2e end
            as primary_data_share_pct
    from cells
)

select * from final
order by departure_month, mode, origin_locode, destination_locode
