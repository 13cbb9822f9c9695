-- One row per measured configuration (docs/MEASUREMENT.md). energy_* columns keep the scope of energy_scope
-- (gpu = NVML counter, cpu = RAPL or CodeCarbon's estimate); codecarbon_* columns are CodeCarbon's own figures.
with source as (
    select * from {{ source('benchmark_runs', 'benchmark_runs') }}
),

renamed as (
    select
        run_id,
        config_hash,
        timestamp_utc,
        source,
        status,
        failure_reason,
        model_key,
        hf_model_id,
        model_config_source,
        architecture,
        parameters,
        params_b,
        weights,
        tokenizer,
        device,
        hardware,
        backend,
        precision,
        quantization,
        compute_dtype,
        backend_notes,
        batch_size,
        new_tokens,
        max_prompt_tokens,
        prompt_set,
        n_prompts,
        repeats,
        min_window_s,
        window_s,
        tokens_out_total,
        tokens_in_total,
        tokens_per_s,
        tokens_per_s_sd,
        tokens_per_s_cv,
        ttft_s,
        decode_tokens_per_s,
        latency_s_per_call,
        j_per_output_token,
        j_per_output_token_sd,
        j_per_output_token_cv,
        j_per_output_token_net,
        wh_per_1k_tokens,
        avg_power_w,
        avg_power_w_sd,
        p_idle_w,
        energy_j,
        energy_net_j,
        energy_scope,
        energy_source,
        cpu_energy_source,
        codecarbon_status,
        codecarbon_energy_kwh,
        codecarbon_cpu_energy_kwh,
        codecarbon_gpu_energy_kwh,
        codecarbon_ram_energy_kwh,
        codecarbon_emissions_kg * 1000 as codecarbon_emissions_g_co2e,
        codecarbon_j_per_output_token,
        codecarbon_g_co2e_per_1k_tokens,
        codecarbon_gpu_vs_counter_ratio,
        peak_memory_gb,
        peak_memory_scope,
        bound_tokens_per_s,
        roofline_efficiency,
        roofline_efficiency_decode,
        hardware_catalog,
        country_iso3,
        -- The protocol: windows of at least 5 s, at least 3 repeats, a finished run (smoke runs are kept, flagged).
        (status = 'ok' and min_window_s >= 5 and repeats >= 3) as meets_protocol,
        gpu_name,
        gpu_driver,
        cuda_version,
        cpu_model,
        cpu_cores,
        host_load_avg_1m_start,
        git_commit,
        library_versions,
        source_file,
        _source,
        _source_ref
    from source
),

-- A configuration = same model, backend, precision, device, batch, token counts, prompts, weights and hardware.
configured as (
    select
        *,
        concat_ws(
            '|', model_key, backend, precision, device, batch_size, new_tokens, max_prompt_tokens, prompt_set,
            coalesce(cast(n_prompts as varchar), 'all'), weights, coalesce(gpu_name, cpu_model, 'unknown')
        ) as configuration_key
    from renamed
),

-- A configuration measured again keeps every run here; current_run_id names the one marts and charts show: the
-- latest run that meets the protocol, else the latest run. Older runs stay queryable (fct_run_reproducibility).
keyed as (
    select
        *,
        first_value(run_id) over (
            partition by configuration_key
            order by meets_protocol desc, cast(timestamp_utc as timestamp) desc, run_id
        ) as current_run_id
    from configured
)

select *, run_id = current_run_id as is_current
from keyed
