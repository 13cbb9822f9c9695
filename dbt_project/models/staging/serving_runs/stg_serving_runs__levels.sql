-- One row per level of a serving sweep (docs/MEASUREMENT.md "Serving sweeps"): an OpenAI-compatible server at one
-- concurrency. Latencies per request / per streamed-chunk gap (p50/p90/p99), throughput and energy over the
-- steady-state window only; energy_* columns keep energy_scope (gpu = NVML, cpu = RAPL or CodeCarbon's estimate).
with source as (
    select * from {{ source('serving_runs', 'serving_runs') }}
),

renamed as (
    select
        run_id,
        sweep_id,
        config_hash,
        timestamp_utc,
        status,
        failure_reason,
        level_kind,
        -- the catalog key (dim_models) of the served model's hub id, as the quality runs do; the harness key kept
        {{ catalog_model_key('coalesce(hf_model_id, model_key)') }} as model_key,
        model_key as registry_model_key,
        model_name,
        hf_model_id,
        weights,
        server,
        server_version,
        server_settings,
        server_managed,
        load_generator,
        load_generator_version,
        load_mode,
        prompt_set,
        n_prompts,
        requests_per_level,
        concurrency,
        max_tokens,
        device,
        hardware,
        gpu_name,
        gpu_count,
        cpu_model,
        cpu_cores,
        requests_sent,
        requests_ok,
        prompt_tokens_total,
        output_tokens_total,
        output_tokens_client_total,
        output_tokens_source,
        output_tokens_per_request_mean,
        prompt_tokens_per_request_mean,
        ttft_s_p50,
        ttft_s_p90,
        ttft_s_p99,
        itl_s_p50,
        itl_s_p90,
        itl_s_p99,
        tpot_s_p50,
        tpot_s_p90,
        tpot_s_p99,
        e2e_s_p50,
        e2e_s_p90,
        e2e_s_p99,
        run_s,
        window_start_offset_s,
        window_end_offset_s,
        window_s,
        window_output_tokens,
        window_requests_finished,
        requests_per_s,
        output_tokens_per_s,
        coalesce(meets_protocol, false) as meets_protocol,
        energy_source,
        energy_scope,
        energy_source = 'estimate' as energy_is_estimate,
        energy_window_method,
        p_idle_w,
        energy_j,
        energy_net_j,
        energy_net_note,
        avg_power_w,
        j_per_output_token,
        j_per_output_token_net,
        wh_per_1k_tokens,
        j_per_request,
        j_per_request_net,
        -- the split is an estimate; a negative decode share (rows made before the harness refused it, when the
        -- prefill-only level ran on a busier host) is not published
        case when decode_energy_j_est >= 0 then prefill_energy_j_est end as prefill_energy_j_est,
        case when decode_energy_j_est >= 0 then decode_energy_j_est end as decode_energy_j_est,
        case when decode_energy_j_est >= 0 then j_per_decode_token_est end as j_per_decode_token_est,
        case when decode_energy_j_est < 0
            then 'not computable: the prefill-only level''s energy per request exceeds this level''s share'
            else prefill_split_method
        end as prefill_split_method,
        codecarbon_status,
        codecarbon_energy_kwh,
        country_iso3,
        git_commit,
        git_dirty,
        library_versions,
        source_file
    from source
),

keyed as (
    select
        *,
        concat_ws('|', model_key, server, coalesce(server_version, '?'), coalesce(server_settings, '?'),
            coalesce(hardware, '?'), device, level_kind, cast(concurrency as varchar), cast(max_tokens as varchar),
            coalesce(prompt_set, '?')) as serving_config_key
    from renamed
)

select
    *,
    -- the configuration's current level: its latest ok sweep meeting the protocol, else its latest ok sweep
    first_value(case when status = 'ok' then run_id end ignore nulls) over (
        partition by serving_config_key
        order by status = 'ok' desc, meets_protocol desc, timestamp_utc desc
        rows between unbounded preceding and unbounded following
    ) as current_run_id
from keyed
