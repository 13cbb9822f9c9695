{#
  What training cost, per published training run with GPU-hours (the seed study's financial question):
    rental_cost_usd      = gpu_hours x median on-demand USD per GPU-hour of that GPU (fct_gpu_rental_prices: each
                           provider's latest quote within var('gpu_price_lookback_days'), median across providers;
                           the date range and providers are columns)
    electricity_cost_usd = energy_mwh x 1000 x USD/kWh of seed electricity_prices (vars electricity_country,
                           electricity_price_kind)
    training_cost_usd    = rental_cost_usd + electricity_cost_usd (the issue's formula; a cloud rental already
                           pays its provider's power, so the electricity share is an upper-bound add-on, kept apart)
  gpu_type -> gpu_key by seed training_gpu_keys (normalise_gpu_name's scheme); TPUs have no gpu_key and no rental
  price, so their training_cost_usd is null. Published estimates (seed published_training_costs) sit beside it.
#}
with runs as (
    select * from {{ ref('fct_training_footprint') }}
    where gpu_hours is not null
),

gpu_keys as (
    select * from {{ ref('training_gpu_keys') }}
),

rental as (
    select * from {{ ref('fct_gpu_rental_prices') }}
    where pricing = 'on_demand'
),

electricity as (
    select usd_per_kwh, period
    from {{ ref('electricity_prices') }}
    where country_iso3 = '{{ var("electricity_country") }}'
        and price_kind = '{{ var("electricity_price_kind") }}'
),

published as (
    select * from {{ ref('published_training_costs') }}
),

costed as (
    select
        runs.model_name,
        runs.family,
        runs.params_b,
        runs.size_class,
        runs.gpu_type,
        gpu_keys.gpu_key,
        runs.gpu_hours,
        runs.energy_mwh,
        runs.energy_derived,
        runs.is_independent_pretraining_run,
        'on_demand' as rental_pricing,
        rental.median_usd_per_gpu_hour as rental_usd_per_gpu_hour,
        rental.n_providers as rental_n_providers,
        rental.providers as rental_providers,
        rental.earliest_observed_date as rental_price_from_date,
        rental.latest_observed_date as rental_price_to_date,
        '{{ var("electricity_country") }}' as electricity_country,
        '{{ var("electricity_price_kind") }}' as electricity_price_kind,
        electricity.usd_per_kwh as electricity_usd_per_kwh,
        runs.gpu_hours * rental.median_usd_per_gpu_hour as rental_cost_usd,
        runs.energy_mwh * 1000 * electricity.usd_per_kwh as electricity_cost_usd
    from runs
    left join gpu_keys on runs.gpu_type = gpu_keys.gpu_type
    left join rental on gpu_keys.gpu_key = rental.gpu_key
    cross join electricity
),

final as (
    select
        costed.*,
        costed.rental_cost_usd + coalesce(costed.electricity_cost_usd, 0) as training_cost_usd,
        (costed.rental_cost_usd + coalesce(costed.electricity_cost_usd, 0)) / nullif(costed.params_b, 0)
            as training_cost_usd_per_b_params,
        published.published_cost_usd,
        published.source as published_cost_source,
        (costed.rental_cost_usd + coalesce(costed.electricity_cost_usd, 0)) / published.published_cost_usd
            as ratio_to_published
    from costed
    left join published on costed.model_name = published.model_name
)

select * from final
