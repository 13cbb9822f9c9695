{#
  Money per 1K output tokens for every measured GPU run whose GPU has a rental price (run x pricing), MEASUREMENT.md:
    weight_gb                = params_b x bytes_per_param
    gpus_needed              = ceil(weight_gb x (1 + headroom) / gpu_memory_gb)        (var gpu_memory_headroom)
    gpus_billed              = max(gpus_needed, GPUs the run was measured on)
    usd_per_1k_tokens_rental = median USD/GPU-h x gpus_billed / (tokens_per_s x 3.6)  (= per token x 1000 / 3600)
    usd_per_1k_tokens_energy = wh_per_1k_tokens / 1000 x USD/kWh                       (seed electricity_prices,
                               vars electricity_country (USA) and electricity_price_kind (retail))
  Cloud vs local (the seed study's question): the cloud price is the rental alone (the provider pays the power);
  a local GPU costs its purchase price amortised over var local_gpu_lifetime_years (3) of hours used at
  var local_gpu_utilisation (0.5), plus the electricity:
    local_usd_per_gpu_hour    = purchase_price_usd / (lifetime_years x 8760 x utilisation)
    local_usd_per_1k_tokens   = local_usd_per_gpu_hour x gpus_billed / (tokens_per_s x 3.6) + usd_per_1k_tokens_energy
  The energy figure keeps the run's scope (energy_scope): ML.ENERGY's gpu scope leaves out the host.
  GreenLM runs carry their 95 % interval: usd_per_1k_tokens_rental_ci95_low/high from tokens_per_s_ci95_high/low (the
  rental is per hour, so the faster end is the cheaper one); provenance_clean comes with the run.
#}
with runs as (
    select * from {{ ref('fct_inference_efficiency') }}
    where gpu_key is not null and tokens_per_s > 0 and params_b > 0
),

gpus as (
    select gpu_key, memory_gb, purchase_price_usd, purchase_price_kind from {{ ref('dim_gpus') }}
),

rental as (
    select gpu_key, pricing, median_usd_per_gpu_hour, n_provider_quotes, latest_observed_date
    from {{ ref('fct_gpu_rental_prices') }}
),

electricity as (
    select country_iso3, price_kind, usd_per_kwh, period
    from {{ ref('electricity_prices') }}
    where country_iso3 = '{{ var('electricity_country') }}'
        and price_kind = '{{ var('electricity_price_kind') }}'
),

sized as (
    select
        runs.inference_run_key,
        runs.model_key,
        runs.params_b,
        runs.size_class,
        runs.source,
        runs.energy_scope,
        runs.hardware,
        runs.gpu_key,
        runs.gpu_key_assumed,
        runs.num_gpus,
        runs.precision,
        runs.bytes_per_param,
        runs.batch_size,
        runs.task,
        runs.tokens_per_s,
        runs.tokens_per_s_ci95_low,
        runs.tokens_per_s_ci95_high,
        runs.wh_per_1k_tokens,
        runs.provenance_clean,
        runs.weight_gb,
        gpus.memory_gb as gpu_memory_gb,
        cast(ceil(runs.weight_gb * (1 + {{ var('gpu_memory_headroom') }}) / gpus.memory_gb) as integer)
            as gpus_needed,
        gpus.purchase_price_usd,
        gpus.purchase_price_kind
    from runs
    inner join gpus on runs.gpu_key = gpus.gpu_key
),

priced as (
    select
        sized.*,
        greatest(sized.gpus_needed, sized.num_gpus) as gpus_billed,
        rental.pricing,
        rental.median_usd_per_gpu_hour,
        rental.n_provider_quotes,
        rental.latest_observed_date as rental_price_date,
        electricity.country_iso3 as electricity_country,
        electricity.price_kind as electricity_price_kind,
        electricity.usd_per_kwh,
        electricity.period as electricity_price_period,
        sized.purchase_price_usd
        / ({{ var('local_gpu_lifetime_years') }} * 8760 * {{ var('local_gpu_utilisation') }})
            as local_usd_per_gpu_hour
    from sized
    inner join rental on sized.gpu_key = rental.gpu_key
    left join electricity on true
),

costed as (
    select
        *,
        median_usd_per_gpu_hour * gpus_billed / (tokens_per_s * 3.6) as usd_per_1k_tokens_rental,
        median_usd_per_gpu_hour * gpus_billed / (tokens_per_s_ci95_high * 3.6) as usd_per_1k_tokens_rental_ci95_low,
        median_usd_per_gpu_hour * gpus_billed / (nullif(greatest(tokens_per_s_ci95_low, 0), 0) * 3.6)
            as usd_per_1k_tokens_rental_ci95_high,
        wh_per_1k_tokens / 1000 * usd_per_kwh as usd_per_1k_tokens_energy,
        local_usd_per_gpu_hour * gpus_billed / (tokens_per_s * 3.6) as local_usd_per_1k_tokens_hardware
    from priced
),

final as (
    select
        inference_run_key,
        pricing,
        model_key,
        params_b,
        size_class,
        source,
        energy_scope,
        hardware,
        gpu_key,
        gpu_key_assumed,
        precision,
        bytes_per_param,
        batch_size,
        task,
        tokens_per_s,
        wh_per_1k_tokens,
        weight_gb,
        gpu_memory_gb,
        gpus_needed,
        num_gpus as gpus_measured,
        gpus_billed,
        median_usd_per_gpu_hour,
        n_provider_quotes,
        rental_price_date,
        usd_per_1k_tokens_rental,
        usd_per_1k_tokens_rental_ci95_low,
        usd_per_1k_tokens_rental_ci95_high,
        provenance_clean,
        electricity_country,
        electricity_price_kind,
        electricity_price_period,
        usd_per_kwh,
        usd_per_1k_tokens_energy,
        usd_per_1k_tokens_rental as cloud_usd_per_1k_tokens,
        purchase_price_usd,
        purchase_price_kind,
        local_usd_per_gpu_hour,
        local_usd_per_1k_tokens_hardware,
        local_usd_per_1k_tokens_hardware + usd_per_1k_tokens_energy as local_usd_per_1k_tokens,
        case
            when local_usd_per_1k_tokens_hardware + usd_per_1k_tokens_energy is null then null
            when local_usd_per_1k_tokens_hardware + usd_per_1k_tokens_energy < usd_per_1k_tokens_rental then 'local'
            else 'cloud'
        end as cheaper_option
    from costed
)

select * from final
