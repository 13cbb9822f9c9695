-- Daily GPU rental prices per GPU x segment x pricing: min / median / p90 across providers (each provider's daily
-- median counts once).
with provider_days as (
    select * from {{ ref('int_gpu_prices_aggregated_to_provider_day') }}
)

select
    observed_date,
    gpu_key,
    segment,
    pricing,
    min(usd_per_gpu_hour) as min_usd_per_gpu_hour,
    median(usd_per_gpu_hour) as median_usd_per_gpu_hour,
    quantile_cont(usd_per_gpu_hour, 0.9) as p90_usd_per_gpu_hour,
    count(distinct provider) as n_providers,
    sum(n_observations) as n_observations,
    string_agg(distinct provider, ', ' order by provider) as providers
from provider_days
group by all
