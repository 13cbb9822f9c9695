-- One price per GPU x pricing x provider x segment x day: the median of that provider's usable quotes that day.
-- Marts aggregate across these, so a provider quoted half-hourly or with hundreds of marketplace offers counts once.
with observations as (
    select * from {{ ref('stg_gpu_prices__observations') }}
    where is_usable
)

select
    observed_date,
    gpu_key,
    pricing,
    segment,
    provider,
    median(usd_per_gpu_hour) as usd_per_gpu_hour,
    min(usd_per_gpu_hour) as min_usd_per_gpu_hour,
    count(*) as n_observations,
    string_agg(distinct price_source, ', ' order by price_source) as price_sources
from observations
group by all
