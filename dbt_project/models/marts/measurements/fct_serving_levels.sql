{#
  One row per current level of a serving sweep (greenlm-bench serve; docs/MEASUREMENT.md "Serving sweeps"): an
  OpenAI-compatible server at one concurrency, its latencies, steady-state throughput, energy and money. Serving
  rows only - never unioned with the offline generate() rows of fct_inference_efficiency (no shared median).
    usd_per_1k_tokens_energy = wh_per_1k_tokens / 1000 x USD/kWh   (seed electricity_prices, vars
                               electricity_country / electricity_price_kind, as fct_cost_per_1k_tokens)
    usd_per_1k_tokens_rental = median USD/GPU-h x gpu_count / (output_tokens_per_s x 3.6)   (GPU levels whose GPU
                               has a rental price; fct_gpu_rental_prices)
    usd_per_1k_tokens        = the rental when priced (the provider pays the power), else the electricity alone;
                               cost_basis says which.
    meets_latency_target     = itl_s_p90 <= var serving_itl_target_ms / 1000 and
                               ttft_s_p90 <= var serving_ttft_target_ms / 1000
    on_time_energy_front     = no other level of the same model and energy scope has both a lower-or-equal ITL p90
                               and a lower-or-equal J per output token, one of them strictly (the Pareto chart).
#}
with levels as (
    select * from {{ ref('stg_serving_runs__levels') }}
    where status = 'ok' and level_kind = 'sweep' and run_id = current_run_id
),

gpu_keys as (
    select hardware as gpu_name, gpu_key
    from {{ ref('inference_hardware_gpu_keys') }}
    where source = 'greenlm'
),

rental as (
    select gpu_key, min(median_usd_per_gpu_hour) as median_usd_per_gpu_hour
    from {{ ref('fct_gpu_rental_prices') }}
    where pricing = 'on_demand'
    group by gpu_key
),

electricity as (
    select country_iso3, price_kind, usd_per_kwh
    from {{ ref('electricity_prices') }}
    where country_iso3 = '{{ var('electricity_country') }}'
        and price_kind = '{{ var('electricity_price_kind') }}'
),

costed as (
    select
        levels.*,
        gpu_keys.gpu_key,
        rental.median_usd_per_gpu_hour,
        electricity.country_iso3 as electricity_country,
        electricity.usd_per_kwh,
        levels.wh_per_1k_tokens / 1000 * electricity.usd_per_kwh as usd_per_1k_tokens_energy,
        case when levels.output_tokens_per_s > 0 and levels.gpu_count > 0 then
            rental.median_usd_per_gpu_hour * levels.gpu_count / (levels.output_tokens_per_s * 3.6)
        end as usd_per_1k_tokens_rental
    from levels
    left join gpu_keys on levels.gpu_name = gpu_keys.gpu_name
    left join rental on gpu_keys.gpu_key = rental.gpu_key
    left join electricity on true
),

flagged as (
    select
        *,
        coalesce(usd_per_1k_tokens_rental, usd_per_1k_tokens_energy) as usd_per_1k_tokens,
        case when usd_per_1k_tokens_rental is not null then 'GPU rental (median USD/GPU-hour)'
            when usd_per_1k_tokens_energy is not null then 'electricity only (no rental price for this hardware)'
        end as cost_basis,
        {{ var('serving_itl_target_ms') }} / 1000.0 as itl_target_s,
        {{ var('serving_ttft_target_ms') }} / 1000.0 as ttft_target_s,
        itl_s_p90 <= {{ var('serving_itl_target_ms') }} / 1000.0
            and ttft_s_p90 <= {{ var('serving_ttft_target_ms') }} / 1000.0 as meets_latency_target
    from costed
)

select
    a.run_id,
    a.sweep_id,
    a.model_key,
    a.hf_model_id,
    a.model_name,
    a.weights,
    a.server,
    a.server_version,
    a.server_settings,
    a.load_generator,
    a.load_generator_version,
    a.device,
    a.hardware,
    a.gpu_name,
    a.gpu_count,
    a.gpu_key,
    a.energy_scope,
    a.energy_source,
    a.energy_is_estimate,
    a.concurrency,
    a.max_tokens,
    a.prompt_set,
    a.requests_sent,
    a.output_tokens_total,
    a.output_tokens_per_request_mean,
    a.prompt_tokens_per_request_mean,
    a.ttft_s_p50,
    a.ttft_s_p90,
    a.ttft_s_p99,
    a.itl_s_p50,
    a.itl_s_p90,
    a.itl_s_p99,
    a.tpot_s_p50,
    a.tpot_s_p90,
    a.tpot_s_p99,
    a.e2e_s_p50,
    a.e2e_s_p90,
    a.e2e_s_p99,
    a.window_s,
    a.meets_protocol,
    a.requests_per_s,
    a.output_tokens_per_s,
    a.avg_power_w,
    a.p_idle_w,
    a.energy_j,
    a.energy_net_j,
    a.j_per_output_token,
    a.j_per_output_token_net,
    a.wh_per_1k_tokens,
    a.j_per_request,
    a.j_per_request_net,
    a.prefill_energy_j_est,
    a.decode_energy_j_est,
    a.j_per_decode_token_est,
    a.electricity_country,
    a.usd_per_kwh,
    a.usd_per_1k_tokens_energy,
    a.median_usd_per_gpu_hour,
    a.usd_per_1k_tokens_rental,
    a.usd_per_1k_tokens,
    a.cost_basis,
    a.itl_target_s,
    a.ttft_target_s,
    coalesce(a.meets_latency_target, false) as meets_latency_target,
    a.j_per_output_token is not null and not exists (
        select 1 from flagged as b
        where b.model_key = a.model_key
            and b.energy_scope = a.energy_scope
            and b.run_id <> a.run_id
            and b.itl_s_p90 <= a.itl_s_p90
            and b.j_per_output_token <= a.j_per_output_token
            and (b.itl_s_p90 < a.itl_s_p90 or b.j_per_output_token < a.j_per_output_token)
    ) as on_time_energy_front
from flagged as a
