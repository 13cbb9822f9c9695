{#
  Every measured inference run in one schema: third-party runs (LLM-Perf: machine scope; ML.ENERGY: gpu scope) and
  GreenLM's own finished runs (greenlm-bench: gpu = NVML, cpu = RAPL/estimate, as the harness recorded it, with its
  own roofline figures). One row per run, never merged across scopes.
  - GreenLM rows: only finished runs that meet the protocol (meets_protocol: >= 3 windows of >= 5 s), one per
    configuration (is_current); smoke runs (`make run`) and other off-protocol runs stay in staging only. Figures are
    staging's ratios of sums with the per-window spread (sd, cv, 95 % interval); energy_is_estimate marks CodeCarbon's
    CPU estimate (no RAPL); provenance_clean says whether the row was measured from a clean, known commit (the
    committed GPU rows were not: kept and flagged, not dropped).
  - Third-party rows: energy_source 'published' (their own method and scope), no per-window spread, provenance as
    published (provenance_clean null).
  - gpu_key: from seed inference_hardware_gpu_keys ((source, hardware) -> dim_gpus key; gpu_key_assumed where the
    source leaves form factor or memory unstated). NULL for CPU runs.
  - params_b: GreenLM's exact count (the harness counts the loaded parameters), else dim_models' (leaderboard, from
    safetensors, 2 decimals), else the run's own figure: ML.ENERGY v2 publishes rounded sizes (Mistral 7B v0.3 as 7,
    really 7.25B), which would put models on the wrong side of the 7B boundary.
  - precision: GreenLM's weight-only 'int8-weight' / 'int4-weight' become int8 / int4 (quantization keeps the how).
  - bytes_per_param: seed precision_bytes (fp8 = 1, mxfp4 = 4.25 bits: 4-bit values + one 8-bit scale per block
    of 32, OCP MX spec); ML.ENERGY v1/v2 publish no precision: vLLM/HF default 16-bit assumed
    (precision_assumed = true).
#}
with third_party as (
    select * from {{ ref('int_third_party_runs_unioned') }}
),

ml_energy as (
    select run_id, avg_batch_size, activated_params_b, tensor_parallel
    from {{ ref('stg_ml_energy__runs') }}
),

gpu_keys as (
    select * from {{ ref('inference_hardware_gpu_keys') }}
),

precision_bytes as (
    select precision, bytes_per_param from {{ ref('precision_bytes') }}
),

greenlm as (
    select * from {{ ref('stg_benchmark_runs__runs') }}
    -- the protocol, and a re-measured configuration once; smoke runs stay in staging
    where status = 'ok' and meets_protocol and j_per_output_token is not null and is_current
),

models as (
    select model_key, params_b, size_class, is_moe, active_params_b from {{ ref('dim_models') }}
),

third_party_runs as (
    select
        t.source || ':' || t.run_id as inference_run_key,
        t.run_id,
        t.source,
        t.source_vintage,
        t.model_key,
        t.source_model_id,
        t.params_b as run_params_b,
        e.activated_params_b,
        t.hardware,
        t.hardware_raw,
        case when t.hardware ilike 'CPU%' then 'cpu' else 'gpu' end as device,
        t.num_gpus,
        e.tensor_parallel,
        t.backend,
        t.precision,
        t.quantization,
        t.batch_size,
        e.avg_batch_size,
        t.task,
        t.tokens_per_s,
        t.j_per_output_token,
        null::double as j_per_output_token_net,
        t.avg_power_w,
        t.energy_scope,
        t.weights,
        null::double as measured_roofline_efficiency,
        null::double as measured_bound_tokens_per_s,
        null::double as tokens_per_s_cv,
        null::double as peak_memory_gb,
        null::varchar as country_iso3,
        'published' as energy_source,
        false as energy_is_estimate,
        null::boolean as provenance_clean,
        null::integer as n_windows,
        null::double as tokens_per_s_sd,
        null::double as tokens_per_s_ci95_low,
        null::double as tokens_per_s_ci95_high,
        null::double as j_per_output_token_sd,
        null::double as j_per_output_token_cv,
        null::double as j_per_output_token_ci95_low,
        null::double as j_per_output_token_ci95_high
    from third_party as t
    left join ml_energy as e on t.run_id = e.run_id and t.source like 'ml_energy%'
),

greenlm_runs as (
    select
        'greenlm:' || run_id as inference_run_key,
        run_id,
        'greenlm' as source,
        'greenlm-bench ' || strftime(timestamp_utc, '%Y-%m-%d') as source_vintage,
        model_key,
        hf_model_id as source_model_id,
        params_b as run_params_b,
        null::double as activated_params_b,
        hardware,
        coalesce(gpu_name, cpu_model) as hardware_raw,
        case when device = 'cuda' then 'gpu' else 'cpu' end as device,
        1 as num_gpus,
        null::integer as tensor_parallel,
        backend,
        precision,
        quantization,
        batch_size,
        null::double as avg_batch_size,
        prompt_set as task,
        tokens_per_s,
        j_per_output_token,
        j_per_output_token_net,
        avg_power_w,
        energy_scope,
        weights,
        roofline_efficiency as measured_roofline_efficiency,
        bound_tokens_per_s as measured_bound_tokens_per_s,
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
        j_per_output_token_ci95_high
    from greenlm
),

unioned as (
    select * from third_party_runs
    union all
    select * from greenlm_runs
),

final as (
    select
        u.inference_run_key,
        u.run_id,
        u.source,
        u.source_vintage,
        u.model_key,
        u.source_model_id,
        p.params_b,
        case
            when p.params_b is null then null
            when p.params_b = u.run_params_b and (u.source = 'greenlm' or m.params_b is null) then 'run'
            else 'dim_models'
        end as params_b_source,
        coalesce(u.activated_params_b, m.active_params_b) as activated_params_b,
        coalesce(u.activated_params_b < p.params_b, m.is_moe, false) as is_moe,
        -- macros/size_class.sql: GreenLM's harness count is exact; else dim_models' class (undetermined when only a
        -- rounded size straddling the threshold is known); a model dim_models lacks: its own size, taken as rounded
        case
            when u.source = 'greenlm' and u.run_params_b is not null then {{ size_class('u.run_params_b') }}
            when m.model_key is not null then m.size_class
            else {{ size_class(params_b_lower_bound('u.run_params_b', 'false'),
                params_b_upper_bound('u.run_params_b', 'false')) }}
        end as size_class,
        u.hardware,
        u.hardware_raw,
        u.device,
        case when u.device = 'gpu' then k.gpu_key end as gpu_key,
        coalesce(k.gpu_key_assumed, false) as gpu_key_assumed,
        u.num_gpus,
        u.tensor_parallel,
        u.backend,
        p.precision,
        u.precision is null as precision_assumed,
        u.quantization,
        pb.bytes_per_param,
        u.batch_size,
        u.avg_batch_size,
        u.task,
        u.tokens_per_s,
        u.j_per_output_token,
        u.j_per_output_token_net,
        -- MEASUREMENT.md: wh_per_1k_tokens = j_per_token x 1000 / 3600
        u.j_per_output_token * 1000 / 3600 as wh_per_1k_tokens,
        u.avg_power_w,
        u.energy_scope,
        u.weights,
        u.measured_roofline_efficiency,
        u.measured_bound_tokens_per_s,
        u.tokens_per_s_cv,
        u.peak_memory_gb,
        u.country_iso3,
        u.energy_source,
        u.energy_is_estimate,
        u.provenance_clean,
        u.n_windows,
        u.tokens_per_s_sd,
        u.tokens_per_s_ci95_low,
        u.tokens_per_s_ci95_high,
        u.j_per_output_token_sd,
        u.j_per_output_token_cv,
        u.j_per_output_token_ci95_low,
        u.j_per_output_token_ci95_high,
        u.j_per_output_token_ci95_low * 1000 / 3600 as wh_per_1k_tokens_ci95_low,
        u.j_per_output_token_ci95_high * 1000 / 3600 as wh_per_1k_tokens_ci95_high
    from unioned as u
    left join models as m on u.model_key = m.model_key
    cross join lateral (
        select
            coalesce(case when u.source = 'greenlm' then u.run_params_b end, m.params_b, u.run_params_b) as params_b,
            case
                when u.precision is null then 'bf16'
                when u.precision like 'int8%' then 'int8'
                when u.precision like 'int4%' then 'int4'
                else u.precision
            end as precision
    ) as p
    left join gpu_keys as k on u.source = k.source and u.hardware = k.hardware
    left join precision_bytes as pb on p.precision = pb.precision
)

select * from final
