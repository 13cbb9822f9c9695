{#
  Run-to-run reproducibility of GreenLM's own measurements: one row per configuration (stg configuration_key) and
  implementation (backend_notes: the harness's description of how the backend ran, which changes when its code
  does - a faster version is a new measurement, not noise) with at least two finished runs that meet the protocol. A run's within-run CV describes its windows; this mart says how
  far separate runs of the same configuration (another day, another process, another GPU of the same model) land
  from each other, which is what a reader comparing two numbers needs.
    between_run_cv      = stddev_samp(run means) / mean(run means)
    expected_between_cv = sqrt(mean(within_cv^2 / windows)): the CV a run's mean would have if its windows were
                          independent draws of one distribution - what the runs' spread should be if nothing else
                          differed between runs
    spread_ratio        = between_run_cv / expected_between_cv; runs_agree = spread_ratio <= 2
    max_deviation       = the largest |run - mean| / mean: the "+-" to quote on one run of this configuration
  for tokens/s and for J per output token.
#}
with runs as (
    select *, configuration_key || '|' || coalesce(backend_notes, '') as comparison_key
    from {{ ref('stg_benchmark_runs__runs') }}
    where meets_protocol and tokens_per_s > 0
),

repeated as (
    select
        *,
        abs(tokens_per_s / avg(tokens_per_s) over (partition by comparison_key) - 1) as deviation_tokens_per_s,
        abs(j_per_output_token / avg(j_per_output_token) over (partition by comparison_key) - 1)
            as deviation_j_per_output_token
    from runs
    qualify count(*) over (partition by comparison_key) >= 2
),

summarised as (
    select
        comparison_key,
        any_value(configuration_key) as configuration_key,
        any_value(backend_notes) as backend_notes,
        any_value(model_key) as model_key,
        any_value(params_b) as params_b,
        any_value(device) as device,
        any_value(coalesce(gpu_name, cpu_model)) as hardware,
        any_value(backend) as backend,
        any_value(precision) as precision,
        any_value(batch_size) as batch_size,
        any_value(new_tokens) as new_tokens,
        any_value(prompt_set) as prompt_set,
        any_value(weights) as weights,
        any_value(current_run_id) as current_run_id,
        count(*) as n_runs,
        string_agg(cast(repeats as varchar), ',' order by timestamp_utc) as windows_per_run,
        min(cast(timestamp_utc as timestamp)) as first_run_utc,
        max(cast(timestamp_utc as timestamp)) as last_run_utc,
        max(tokens_per_s) filter (where is_current) as current_tokens_per_s,
        min(tokens_per_s) as min_tokens_per_s,
        max(tokens_per_s) as max_tokens_per_s,
        avg(tokens_per_s) as mean_tokens_per_s,
        stddev_samp(tokens_per_s) / avg(tokens_per_s) as between_run_cv_tokens_per_s,
        avg(tokens_per_s_cv) as mean_within_run_cv_tokens_per_s,
        sqrt(avg(tokens_per_s_cv * tokens_per_s_cv / repeats)) as expected_between_cv_tokens_per_s,
        max(deviation_tokens_per_s) as max_deviation_tokens_per_s,
        max(j_per_output_token) filter (where is_current) as current_j_per_output_token,
        min(j_per_output_token) as min_j_per_output_token,
        max(j_per_output_token) as max_j_per_output_token,
        stddev_samp(j_per_output_token) / avg(j_per_output_token) as between_run_cv_j_per_output_token,
        avg(j_per_output_token_cv) as mean_within_run_cv_j_per_output_token,
        max(deviation_j_per_output_token) as max_deviation_j_per_output_token,
        sqrt(avg(j_per_output_token_cv * j_per_output_token_cv / repeats)) as expected_between_cv_j_per_output_token
    from repeated
    group by comparison_key
)

select
    *,
    between_run_cv_tokens_per_s / nullif(expected_between_cv_tokens_per_s, 0) as spread_ratio_tokens_per_s,
    between_run_cv_tokens_per_s <= 2 * expected_between_cv_tokens_per_s as runs_agree_tokens_per_s,
    between_run_cv_j_per_output_token / nullif(expected_between_cv_j_per_output_token, 0)
        as spread_ratio_j_per_output_token,
    between_run_cv_j_per_output_token <= 2 * expected_between_cv_j_per_output_token as runs_agree_j_per_output_token
from summarised
