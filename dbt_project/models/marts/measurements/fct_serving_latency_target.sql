{#
  The latency-target view (docs/MEASUREMENT.md "Serving sweeps"): per model x server (version) x hardware x energy
  scope, among its levels that meet both targets (ITL p90 <= var serving_itl_target_ms, TTFT p90 <= var
  serving_ttft_target_ms; fct_serving_levels.meets_latency_target), the least J per output token and the least
  USD per 1K tokens, each with the concurrency that gives it. A configuration with no level meeting the target keeps
  its row, with n_levels_meeting_target = 0 and null figures.
#}
with levels as (
    select * from {{ ref('fct_serving_levels') }}
),

grouped as (
    select
        model_key,
        weights,
        any_value(server_settings) as server_settings,
        server,
        server_version,
        hardware,
        device,
        energy_scope,
        energy_source,
        bool_or(energy_is_estimate) as energy_is_estimate,
        any_value(itl_target_s) as itl_target_s,
        any_value(ttft_target_s) as ttft_target_s,
        count(*) as n_levels,
        count(*) filter (where meets_latency_target) as n_levels_meeting_target,
        min(j_per_output_token) filter (where meets_latency_target) as best_j_per_output_token,
        arg_min(j_per_output_token_net, j_per_output_token) filter (where meets_latency_target)
            as best_j_per_output_token_net,
        arg_min(wh_per_1k_tokens, j_per_output_token) filter (where meets_latency_target)
            as best_wh_per_1k_tokens,
        arg_min(concurrency, j_per_output_token) filter (where meets_latency_target)
            as best_energy_concurrency,
        arg_min(itl_s_p90, j_per_output_token) filter (where meets_latency_target) as best_energy_itl_s_p90,
        arg_min(ttft_s_p90, j_per_output_token) filter (where meets_latency_target) as best_energy_ttft_s_p90,
        arg_min(output_tokens_per_s, j_per_output_token) filter (where meets_latency_target)
            as best_energy_output_tokens_per_s,
        min(usd_per_1k_tokens) filter (where meets_latency_target) as best_usd_per_1k_tokens,
        arg_min(concurrency, usd_per_1k_tokens) filter (where meets_latency_target) as best_cost_concurrency,
        arg_min(cost_basis, usd_per_1k_tokens) filter (where meets_latency_target) as best_cost_basis,
        bool_and(meets_protocol) as all_levels_meet_protocol
    from levels
    group by model_key, weights, server, server_version, hardware, device, energy_scope, energy_source
)

select * from grouped
