{#
  One row per configuration (model x backend x precision) of a GreenLM quality run on SQuAD v1.1: EM and F1 in
  percent over n_questions, the energy of the whole generation span in its own scope (energy_scope; 'estimate' =
  CodeCarbon's CPU estimate, no counter), and agreement of the answers with the run's fp32 reference.
  Rows that did not run (failed / not_run / empty) are kept: status and failure_reason say why.
#}
with source as (
    select * from {{ source('quality_runs', 'quality_runs') }}
),

renamed as (
    select
        run_id,
        quality_run_id,
        config_hash,
        timestamp_utc as measured_at,
        status,
        status = 'ok' as is_scored,
        failure_reason,
        {{ catalog_model_key('hf_model_id') }} as model_key,
        model_key as registry_model_key,
        hf_model_id,
        architecture,
        parameters,
        params_b,
        weights,
        weights_ref,
        weights_quantization,
        backend,
        precision,
        config_key,
        quantization,
        compute_dtype,
        device,
        hardware,
        task,
        n_questions,
        max_new_tokens,
        prompt_version,
        reference_config,
        note,
        exact_match as exact_match_pct,
        f1 as f1_pct,
        n_correct,
        n_empty_answers,
        tokens_out_total,
        tokens_in_total,
        load_s,
        generation_s,
        tokens_per_s,
        energy_j,
        energy_source,
        energy_scope,
        energy_source = 'estimate' as energy_is_estimate,
        j_per_output_token as runner_j_per_output_token,
        j_per_correct_answer as runner_j_per_correct_answer,
        grid_country_iso3,
        grid_g_co2e_per_kwh as runner_grid_g_co2e_per_kwh,
        g_co2e_per_correct_answer as runner_g_co2e_per_correct_answer,
        token_agreement_vs_fp32,
        answer_agreement_vs_fp32,
        codecarbon_energy_kwh,
        codecarbon_cpu_energy_kwh,
        host_load_avg_1m_start,
        host_load_avg_1m_end,
        torch_threads,
        git_commit,
        git_dirty,
        source_file,
        source_row,
        _source,
        _source_ref
    from source
)

select * from renamed
