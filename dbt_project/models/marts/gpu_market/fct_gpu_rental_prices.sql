-- Current rental price per GPU x pricing: each provider's (x segment) latest daily price within
-- var('gpu_price_lookback_days') of the GPU's latest observation, then median / min / max across those quotes.
-- Old quotes (e.g. the 2023 FSDL table) only count for GPUs nobody has quoted since.
with provider_days as (
    select * from {{ ref('int_gpu_prices_aggregated_to_provider_day') }}
),

latest as (
    select gpu_key, pricing, max(observed_date) as latest_observed_date
    from provider_days
    group by all
),

recent as (
    select provider_days.*
    from provider_days
    inner join latest using (gpu_key, pricing)
    where provider_days.observed_date > latest.latest_observed_date - to_days({{ var('gpu_price_lookback_days') }})
),

provider_quotes as (
    select
        gpu_key,
        pricing,
        provider,
        segment,
        arg_max(usd_per_gpu_hour, observed_date) as usd_per_gpu_hour,
        max(observed_date) as observed_date,
        sum(n_observations) as n_observations
    from recent
    group by all
)

select
    gpu_key,
    pricing,
    median(usd_per_gpu_hour) as median_usd_per_gpu_hour,
    min(usd_per_gpu_hour) as min_usd_per_gpu_hour,
    max(usd_per_gpu_hour) as max_usd_per_gpu_hour,
    count(*) as n_provider_quotes,
    sum(n_observations) as n_observations,
    count(distinct provider) as n_providers,
    string_agg(distinct provider, ', ' order by provider) as providers,
    min(observed_date) as earliest_observed_date,
    max(observed_date) as latest_observed_date
from provider_quotes
group by all
