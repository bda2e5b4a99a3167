with

source as (
    select * from {{ source('raw', 'factor_releases') }}
),

renamed as (
    select
        release_id,
        publisher,
        published_date,
        license,
        release_type,
        description,
        metadata_sha256,
        factors_sha256,
        received_date,
        release_status,
        rows_received
    from source
)

select * from renamed
