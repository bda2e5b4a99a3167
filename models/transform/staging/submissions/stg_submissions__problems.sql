with

source as (
    select * from {{ source('raw', 'problems') }}
),

renamed as (
    select
        submission_id,
        source_sheet,
        source_row,
        column_name,
        product_key,
        code,
        severity,
        message_en,
        message_zh
    from source
)

select * from renamed
