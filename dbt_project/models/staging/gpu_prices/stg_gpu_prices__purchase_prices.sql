with source as (
    select * from {{ source('gpu_prices', 'gpu_purchase_prices') }}
),

renamed as (
    select
        gpu_name_raw,
        gpu_key,
        observed_at,
        cast(observed_at as date) as observed_date,
        price_usd,
        price_kind,
        retailer,
        source_file,
        _source,
        _source_ref
    from source
)

select * from renamed
