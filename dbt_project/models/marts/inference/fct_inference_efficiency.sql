{#
  One row per measured inference run (GreenLM's own + LLM-Perf + ML.ENERGY), one schema, the run's own energy scope
  (gpu / machine / cpu) - nothing here is averaged, so no number mixes scopes.
  Decode roofline (MEASUREMENT.md), for GPU runs without a published one:
    weight_bytes       = params_b x 1e9 x bytes_per_param
    memory bound       = batch x num_gpus x HBM bytes/s / weight_bytes   (KV-cache reads ignored: an upper bound)
    compute bound      = num_gpus x peak bf16 dense FLOP/s / (2 x params_b x 1e9)
    bound_tokens_per_s = min(memory bound, compute bound);  roofline_efficiency = tokens_per_s / bound
  batch = the published average batch when there is one (ML.ENERGY v2/v3), else the configured batch. Computed only
  where both bounds mean something: dense models (MoE reads only its active experts), 16-bit compute (bf16/fp16
  weights, or int8/int4 weight-only quantisation that computes in 16 bits; fp32/fp8/mxfp4 peaks are not the bf16
  one), one model replica (num_gpus = tensor-parallel degree: no data/pipeline/expert parallel), and a GPU whose
  bandwidth and bf16 peak dim_gpus knows. GreenLM rows carry the harness's own figures (roofline_source 'harness').
  GreenLM rows: only runs meeting the protocol (smoke runs stay in staging; data test only_protocol_runs); figures are
  ratios of sums over the windows with their per-window spread and 95 % interval (*_sd, *_cv, *_ci95_low/high);
  energy_is_estimate = CodeCarbon's CPU estimate (no RAPL), never a measurement; provenance_clean = measured from a
  clean, known commit (false for every GPU row committed so far: flagged, not dropped). Plausibility (data tests,
  failing the build and naming the row): tokens_per_s <= bound_tokens_per_s, and j_per_output_token >= avg_power_w /
  bound_tokens_per_s (the least energy per token the bound allows at the measured power).
#}
with runs as (
    select * from {{ ref('int_inference_runs_unioned') }}
),

gpus as (
    select gpu_key, memory_gb, memory_bandwidth_tb_s, bf16_dense_tflop_s from {{ ref('dim_gpus') }}
),

bounds as (
    select
        runs.*,
        gpus.memory_gb as gpu_memory_gb,
        gpus.memory_bandwidth_tb_s,
        gpus.bf16_dense_tflop_s,
        runs.params_b * runs.bytes_per_param as weight_gb,
        coalesce(runs.avg_batch_size, runs.batch_size) as roofline_batch,
        runs.device = 'gpu'
            and not runs.is_moe
            and runs.precision in ('bf16', 'fp16', 'int8', 'int4')
            and runs.num_gpus = coalesce(runs.tensor_parallel, 1)
            and runs.params_b > 0
            and gpus.memory_bandwidth_tb_s > 0
            and gpus.bf16_dense_tflop_s > 0 as roofline_computable
    from runs
    left join gpus on runs.gpu_key = gpus.gpu_key
),

computed as (
    select
        *,
        case when roofline_computable then
            roofline_batch * num_gpus * memory_bandwidth_tb_s * 1e12 / (params_b * 1e9 * bytes_per_param)
        end as memory_bound_tokens_per_s,
        case when roofline_computable then
            num_gpus * bf16_dense_tflop_s * 1e12 / (2 * params_b * 1e9)
        end as compute_bound_tokens_per_s
    from bounds
),

final as (
    select
        inference_run_key,
        run_id,
        source,
        source_vintage,
        model_key,
        source_model_id,
        params_b,
        params_b_source,
        activated_params_b,
        is_moe,
        size_class,
        hardware,
        hardware_raw,
        device,
        gpu_key,
        gpu_key_assumed,
        num_gpus,
        backend,
        precision,
        precision_assumed,
        quantization,
        bytes_per_param,
        weight_gb,
        gpu_memory_gb,
        batch_size,
        avg_batch_size,
        task,
        tokens_per_s,
        j_per_output_token,
        j_per_output_token_net,
        wh_per_1k_tokens,
        avg_power_w,
        energy_scope,
        weights,
        memory_bound_tokens_per_s,
        compute_bound_tokens_per_s,
        coalesce(measured_bound_tokens_per_s, least(memory_bound_tokens_per_s, compute_bound_tokens_per_s))
            as bound_tokens_per_s,
        coalesce(
            measured_roofline_efficiency,
            tokens_per_s / least(memory_bound_tokens_per_s, compute_bound_tokens_per_s)
        ) as roofline_efficiency,
        case
            when measured_roofline_efficiency is not null then 'harness'
            when roofline_computable then 'computed_kv_cache_ignored'
        end as roofline_source,
        tokens_per_s_cv,
        peak_memory_gb,
        country_iso3,
        energy_source,
        energy_is_estimate,
        provenance_clean,
        n_windows,
        tokens_per_s_sd,
        tokens_per_s_ci95_low,
        tokens_per_s_ci95_high,
        j_per_output_token_sd,
        j_per_output_token_cv,
        j_per_output_token_ci95_low,
        j_per_output_token_ci95_high,
        wh_per_1k_tokens_ci95_low,
        wh_per_1k_tokens_ci95_high
    from computed
)

select * from final
