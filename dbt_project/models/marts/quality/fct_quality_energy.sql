{#
  Quality next to energy: one row per configuration of a GreenLM quality run (SQuAD v1.1, real weights).
    j_per_output_token        = energy_j / tokens_out_total
    wh_per_1k_tokens          = j_per_output_token x 1000 / 3600
    j_per_correct_answer      = energy_j / n_correct           (n_correct = exact-match answers; null when 0)
    g_co2e_per_correct_answer = energy_j / 3.6e6 x grid gCO2e/kWh / n_correct
  energy_j is the whole generation span (all n_questions answers, right or wrong) in the row's own energy_scope;
  the grid intensity is raw.grid_carbon_intensity's (codecarbon's table) for the run's country, else the value the
  runner recorded. energy_is_estimate = CodeCarbon's CPU estimate (no counter): not a measurement.
  Rows that did not run stay, with status and failure_reason, and null figures.
#}
with runs as (
    select * from {{ ref('stg_quality_runs__squad') }}
),

grid as (
    select country_iso3, g_co2e_per_kwh from {{ ref('stg_codecarbon__grid_carbon_intensity') }}
),

figures as (
    select
        runs.*,
        coalesce(grid.g_co2e_per_kwh, runs.runner_grid_g_co2e_per_kwh) as grid_g_co2e_per_kwh,
        case when grid.g_co2e_per_kwh is not null then 'raw.grid_carbon_intensity' else 'runner' end
            as grid_intensity_source,
        case when runs.tokens_out_total > 0 then runs.energy_j / runs.tokens_out_total end as j_per_output_token,
        case when runs.n_correct > 0 then runs.energy_j / runs.n_correct end as j_per_correct_answer
    from runs
    left join grid on grid.country_iso3 = runs.grid_country_iso3
)

select
    run_id,
    quality_run_id,
    measured_at,
    status,
    failure_reason,
    model_key,
    hf_model_id,
    architecture,
    params_b,
    {{ size_class('params_b') }} as size_class,
    weights,
    weights_ref,
    weights_quantization,
    backend,
    precision,
    config_key,
    config_key = reference_config as is_reference,
    quantization,
    compute_dtype,
    device,
    hardware,
    task,
    n_questions,
    max_new_tokens,
    exact_match_pct,
    f1_pct,
    n_correct,
    n_empty_answers,
    tokens_out_total,
    tokens_per_s,
    generation_s,
    energy_j,
    energy_scope,
    energy_source,
    energy_is_estimate,
    j_per_output_token,
    j_per_output_token * 1000 / 3600 as wh_per_1k_tokens,
    energy_j / n_questions as j_per_answer,
    j_per_correct_answer,
    j_per_correct_answer / 3600 as wh_per_correct_answer,
    grid_country_iso3,
    grid_g_co2e_per_kwh,
    grid_intensity_source,
    j_per_correct_answer / 3.6e6 * grid_g_co2e_per_kwh as g_co2e_per_correct_answer,
    token_agreement_vs_fp32,
    answer_agreement_vs_fp32,
    reference_config,
    note,
    host_load_avg_1m_start,
    torch_threads,
    git_commit,
    source_file
from figures
