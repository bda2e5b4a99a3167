with

source as (
    select * from {{ source('raw', 'files') }}
),

renamed as (
    select
        submission_id,
        file_sha256,
        kind,
        file_name,
        landing_path,
        archive_path,
        size_bytes,
        received_date,
        received_seq,
        format,
        encoding,
        file_status,
        reason_code
    from source
)

select * from renamed
