with

source as (
    select * from {{ source('raw', 'shipment_rows') }}
),

renamed as (
    select
        submission_id || '/' || source_row as element_row_key,
        submission_id,
        source_row,
        shipment_id,
        container_no,
        try_cast({{ to_number('teu') }} as integer) as teu,
        {{ to_number('cargo_mass_t') }} as cargo_mass_t,
        shipper_uscc,
        try_cast({{ to_number('element_seq') }} as integer) as element_seq,
        element_type,
        mode,
        hub_type,
        origin_locode,
        destination_locode,
        {{ to_number('distance_km') }} as distance_km,
        {{ to_date('departure_date') }} as departure_date,
        energy_carrier,
        {{ to_number('energy_amount') }} as energy_amount,
        energy_unit,
        activity_code
    from source
)

select * from renamed
