{#
  "Cheapest model and server meeting my latency target and quality floor, in my country": the latency-target view
  (fct_serving_latency_target) x the model's Open LLM Leaderboard v2 average (dim_models) x every country's grid
  intensity (stg_codecarbon__grid_carbon_intensity; data_year per row, location-based):
    g_co2e_per_1k_tokens = best_wh_per_1k_tokens / 1000 x grid_g_co2e_per_kwh   (MEASUREMENT.md)
  Every configuration, meeting the target or not (n_levels_meeting_target = 0: the best_* figures are null and
  fastest_itl_s_p90 says how close it came). The energy keeps its scope (energy_scope): a cpu- or
  gpu-scope figure times the grid is that component's share only. leaderboard_v2_average_score is null where the
  leaderboard does not list the model (then no quality floor can be checked).
#}
with target as (
    select * from {{ ref('fct_serving_latency_target') }}
),

fastest as (
    select model_key, server, server_version, hardware, energy_scope, min(itl_s_p90) as fastest_itl_s_p90,
        min(ttft_s_p90) as fastest_ttft_s_p90
    from {{ ref('fct_serving_levels') }}
    group by model_key, server, server_version, hardware, energy_scope
),

models as (
    select model_key, display_name, params_b, size_class, leaderboard_v2_average_score
    from {{ ref('dim_models') }}
),

grid as (
    select country_iso3, country_name, g_co2e_per_kwh, data_year
    from {{ ref('stg_codecarbon__grid_carbon_intensity') }}
)

select
    target.model_key,
    models.display_name,
    models.params_b,
    models.size_class,
    models.leaderboard_v2_average_score,
    target.weights,
    -- what the score is worth for this row's weights (as fct_quality_leaderboard_energy.join_basis)
    case
        when target.weights = 'real' and json_extract_string(target.server_settings, '$.precision') like 'Q%'
            then 'same_model_quantized'
        when target.weights = 'real' then 'same_model'
        else 'architecture_size_only'
    end as join_basis,
    target.server,
    target.server_version,
    target.hardware,
    target.device,
    target.energy_scope,
    target.energy_source,
    target.energy_is_estimate,
    target.itl_target_s,
    target.ttft_target_s,
    target.n_levels,
    target.n_levels_meeting_target,
    target.n_levels_meeting_target > 0 as meets_latency_target,
    fastest.fastest_itl_s_p90,
    fastest.fastest_ttft_s_p90,
    target.best_energy_concurrency,
    target.best_j_per_output_token,
    target.best_wh_per_1k_tokens,
    target.best_cost_concurrency,
    target.best_usd_per_1k_tokens,
    target.best_cost_basis,
    grid.country_iso3,
    grid.country_name,
    grid.g_co2e_per_kwh as grid_g_co2e_per_kwh,
    grid.data_year as grid_data_year,
    target.best_wh_per_1k_tokens / 1000 * grid.g_co2e_per_kwh as g_co2e_per_1k_tokens
from target
left join models on target.model_key = models.model_key
left join fastest
    on target.model_key = fastest.model_key
        and target.server = fastest.server
        and target.server_version is not distinct from fastest.server_version
        and target.hardware is not distinct from fastest.hardware
        and target.energy_scope = fastest.energy_scope
cross join grid
