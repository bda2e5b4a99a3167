with

source as (
    select * from {{ source('raw', 'shipment_problems') }}
),

renamed as (
    select
        submission_id,
        source_row,
        column_name,
        shipment_id,
        code,
        severity,
        message_en,
        message_zh
    from source
)

select * from renamed
