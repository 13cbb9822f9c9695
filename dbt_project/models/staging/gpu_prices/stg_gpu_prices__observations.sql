-- Every GPU rental price observation, snapshot and scraped; is_usable = known GPU and not quarantined.
with snapshot_rows as (
    select * from {{ source('gpu_prices', 'gpu_price_observations') }}
    where origin = 'snapshot'
),

scraped_rows as (
    select * from {{ source('gpu_prices', 'gpu_price_scrape') }}
    where origin = 'scrape'
),

source as (
    select * from snapshot_rows
    union all
    select * from scraped_rows
),

renamed as (
    select
        origin,
        scrape_date as observed_date,
        observed_at,
        price_source,
        provider,
        provider_name,
        segment,
        pricing,
        price_stat,
        gpu_name_raw,
        gpu_key,
        gpu_count,
        usd_per_hour,
        usd_per_gpu_hour,
        sample_size,
        sku,
        region,
        quarantine_reason,
        gpu_key is not null and quarantine_reason is null as is_usable,
        _source,
        _source_ref
    from source
)

select * from renamed
