{#
  "Cheapest model and server meeting my latency target and quality floor, in my country": the latency-target view
  (fct_serving_latency_target) x the model's Open LLM Leaderboard v2 average (dim_models) x every country's grid
  intensity (stg_codecarbon__grid_carbon_intensity; data_year per row, location-based):
    g_co2e_per_1k_tokens = best_wh_per_1k_tokens / 1000 x grid_g_co2e_per_kwh   (MEASUREMENT.md)
  Only configurations with a level meeting the target. The energy keeps its scope (energy_scope): a cpu- or
  gpu-scope figure times the grid is that component's share only. leaderboard_v2_average_score is null where the
  leaderboard does not list the model (then no quality floor can be checked).
#}
with target as (
    select * from {{ ref('fct_serving_latency_target') }}
    where n_levels_meeting_target > 0
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
    target.server,
    target.server_version,
    target.hardware,
    target.device,
    target.energy_scope,
    target.energy_source,
    target.energy_is_estimate,
    target.itl_target_s,
    target.ttft_target_s,
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
cross join grid
