{#
  One row per measured configuration (docs/MEASUREMENT.md). energy_* columns keep the scope of energy_scope
  (gpu = NVML counter, cpu = RAPL or CodeCarbon's estimate: energy_is_estimate); codecarbon_* columns are CodeCarbon's.
  The row's figures are ratios of sums over its measurement windows, recomputed here from the windows the harness
  recorded (per_window, windows_s) - rows written before the harness aggregated that way hold the mean of per-window
  ratios, which weights windows of unequal length wrongly (kept as *_recorded):
    tokens_per_s            = sum(tokens_out) / sum(window_s)
    j_per_output_token      = sum(energy_j) / sum(tokens_out)        (_net from the net energies)
    avg_power_w             = sum(energy_j) / sum(window_s)
    wh_per_1k_tokens        = j_per_output_token x 1000 / 3600
  Spread of the per-window values (n windows): *_sd (sample), *_cv = sd / mean of the windows, and the 95 % interval
  *_ci95_low/high = figure -/+ t(0.975, n - 1) x sd / sqrt(n).
  A window's duration: its own window_s, else energy_j / avg_power_w (full precision), else windows_s[i] (rounded to
  0.1 ms); its tokens: its own tokens_out, else energy_j / j_per_output_token, else tokens_per_s x window_s.
#}
with source as (
    select * from {{ source('benchmark_runs', 'benchmark_runs') }}
),

windows_json as (
    select
        run_id,
        unnest(from_json(per_window, '[{"window_s": "DOUBLE", "tokens_out": "DOUBLE", "tokens_per_s": "DOUBLE",
            "j_per_output_token": "DOUBLE", "j_per_output_token_net": "DOUBLE", "avg_power_w": "DOUBLE",
            "energy_j": "DOUBLE", "energy_net_j": "DOUBLE"}]')) as w,
        unnest(from_json(windows_s, '["DOUBLE"]')) as listed_window_s
    from source
    where per_window is not null and status = 'ok'
),

windows as (
    select
        run_id,
        w.tokens_per_s,
        w.j_per_output_token,
        w.j_per_output_token_net,
        w.avg_power_w,
        w.energy_j,
        w.energy_net_j,
        coalesce(w.window_s, w.energy_j / nullif(w.avg_power_w, 0), listed_window_s) as window_s,
        coalesce(
            w.tokens_out,
            round(w.energy_j / nullif(w.j_per_output_token, 0)),
            round(w.tokens_per_s * coalesce(w.window_s, w.energy_j / nullif(w.avg_power_w, 0), listed_window_s))
        ) as tokens_out
    from windows_json
),

window_totals as (
    select
        run_id,
        count(*) as n_windows,
        sum(window_s) as w_window_total_s,
        sum(tokens_out) as window_tokens_out,
        case when count(energy_j) = count(*) then sum(energy_j) end as w_energy_total_j,
        case when count(energy_net_j) = count(*) then sum(energy_net_j) end as w_energy_net_total_j,
        avg(tokens_per_s) as tokens_per_s_window_mean,
        stddev_samp(tokens_per_s) as tokens_per_s_sd,
        avg(j_per_output_token) as j_per_output_token_window_mean,
        stddev_samp(j_per_output_token) as j_per_output_token_sd,
        avg(j_per_output_token_net) as j_per_output_token_net_window_mean,
        stddev_samp(j_per_output_token_net) as j_per_output_token_net_sd,
        avg(avg_power_w) as avg_power_w_window_mean,
        stddev_samp(avg_power_w) as avg_power_w_sd
    from windows
    group by run_id
),

figures as (
    select
        s.*,
        t.n_windows as w_n_windows,
        t.w_window_total_s,
        t.window_tokens_out,
        t.w_energy_total_j,
        t.w_energy_net_total_j,
        t.tokens_per_s_window_mean,
        t.j_per_output_token_window_mean,
        t.j_per_output_token_net_window_mean,
        t.avg_power_w_window_mean,
        s.tokens_per_s as tokens_per_s_recorded,
        s.j_per_output_token as j_per_output_token_recorded,
        s.j_per_output_token_net as j_per_output_token_net_recorded,
        s.avg_power_w as avg_power_w_recorded,
        coalesce(s.aggregation, 'mean_of_window_ratios') as recorded_aggregation,
        t.n_windows is not null as figures_from_windows,
        -- MEASUREMENT.md "A measurement window": the row's figure is the ratio of sums over its windows
        case when t.n_windows is not null then s.tokens_out_total / nullif(t.w_window_total_s, 0)
            else s.tokens_per_s end as ros_tokens_per_s,
        case when t.n_windows is not null then t.w_energy_total_j / nullif(s.tokens_out_total, 0)
            else s.j_per_output_token end as ros_j_per_output_token,
        case when t.n_windows is not null then t.w_energy_net_total_j / nullif(s.tokens_out_total, 0)
            else s.j_per_output_token_net end as ros_j_per_output_token_net,
        case when t.n_windows is not null then t.w_energy_total_j / nullif(t.w_window_total_s, 0)
            else s.avg_power_w end as ros_avg_power_w,
        coalesce(t.tokens_per_s_sd, s.tokens_per_s_sd) as w_tokens_per_s_sd,
        coalesce(t.j_per_output_token_sd, s.j_per_output_token_sd) as w_j_per_output_token_sd,
        coalesce(t.j_per_output_token_net_sd, s.j_per_output_token_net_sd) as w_j_per_output_token_net_sd,
        coalesce(t.avg_power_w_sd, s.avg_power_w_sd) as w_avg_power_w_sd,
        {{ t_975('coalesce(t.n_windows, s.n_windows, s.repeats) - 1') }}
            / sqrt(coalesce(t.n_windows, s.n_windows, s.repeats)) as ci_factor
    from source as s
    left join window_totals as t on s.run_id = t.run_id
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
        coalesce(w_n_windows, n_windows, repeats) as n_windows,
        min_window_s,
        window_s,
        coalesce(w_window_total_s, window_total_s) as window_total_s,
        tokens_out_total,
        tokens_in_total,
        window_tokens_out,
        figures_from_windows,
        recorded_aggregation,
        ros_tokens_per_s as tokens_per_s,
        w_tokens_per_s_sd as tokens_per_s_sd,
        w_tokens_per_s_sd / nullif(coalesce(tokens_per_s_window_mean, tokens_per_s_recorded), 0) as tokens_per_s_cv,
        ros_tokens_per_s - ci_factor * w_tokens_per_s_sd as tokens_per_s_ci95_low,
        ros_tokens_per_s + ci_factor * w_tokens_per_s_sd as tokens_per_s_ci95_high,
        tokens_per_s_recorded,
        ttft_s,
        decode_tokens_per_s,
        latency_s_per_call,
        ros_j_per_output_token as j_per_output_token,
        w_j_per_output_token_sd as j_per_output_token_sd,
        w_j_per_output_token_sd / nullif(coalesce(j_per_output_token_window_mean, j_per_output_token_recorded), 0)
            as j_per_output_token_cv,
        ros_j_per_output_token - ci_factor * w_j_per_output_token_sd as j_per_output_token_ci95_low,
        ros_j_per_output_token + ci_factor * w_j_per_output_token_sd as j_per_output_token_ci95_high,
        j_per_output_token_recorded,
        ros_j_per_output_token_net as j_per_output_token_net,
        w_j_per_output_token_net_sd as j_per_output_token_net_sd,
        j_per_output_token_net_recorded,
        -- MEASUREMENT.md: wh_per_1k_tokens = j_per_token x 1000 / 3600
        ros_j_per_output_token * 1000 / 3600 as wh_per_1k_tokens,
        (ros_j_per_output_token - ci_factor * w_j_per_output_token_sd) * 1000 / 3600 as wh_per_1k_tokens_ci95_low,
        (ros_j_per_output_token + ci_factor * w_j_per_output_token_sd) * 1000 / 3600 as wh_per_1k_tokens_ci95_high,
        ros_avg_power_w as avg_power_w,
        w_avg_power_w_sd as avg_power_w_sd,
        avg_power_w_recorded,
        p_idle_w,
        energy_j,
        energy_net_j,
        coalesce(w_energy_total_j, energy_total_j) as energy_total_j,
        coalesce(w_energy_net_total_j, energy_net_total_j) as energy_net_total_j,
        energy_scope,
        energy_source,
        cpu_energy_source,
        -- CodeCarbon's load-based CPU estimate (no RAPL counter): an estimate, never ranked against measurements
        coalesce(energy_source = 'estimate', false) as energy_is_estimate,
        codecarbon_status,
        codecarbon_energy_kwh,
        codecarbon_cpu_energy_kwh,
        codecarbon_gpu_energy_kwh,
        codecarbon_ram_energy_kwh,
        codecarbon_emissions_kg * 1000 as codecarbon_emissions_g_co2e,
        codecarbon_j_per_output_token,
        codecarbon_g_co2e_per_1k_tokens,
        codecarbon_gpu_vs_counter_ratio,
        codecarbon_machine_vs_counter_ratio,
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
        git_dirty,
        git_dirty_paths,
        git_state_method,
        coalesce(allow_dirty, false) as allow_dirty,
        -- measured from a known commit with every file matching it (harness >= this column refuses otherwise)
        coalesce(git_commit is not null and git_dirty = false, false) as provenance_clean,
        library_versions,
        source_file,
        _source,
        _source_ref
    from figures
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
