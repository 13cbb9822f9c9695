{#
  Every measured inference run in one schema: third-party runs (LLM-Perf: machine scope; ML.ENERGY: gpu scope) and,
  once the harness is staged, GreenLM's own runs. One row per run, never merged across scopes.
  - gpu_key: from seed inference_hardware_gpu_keys ((source, hardware) -> dim_gpus key; gpu_key_assumed where the
    source leaves form factor or memory unstated). NULL for CPU runs.
  - params_b: dim_models' (the leaderboard's exact safetensors count) when the model is there, else the run's own
    figure. ML.ENERGY v2 publishes rounded sizes (Mistral 7B v0.3 as 7, really 7.25B), which would put models on the
    wrong side of the 7B boundary.
  - bytes_per_param: seed precision_bytes; fp8 = 1 and mxfp4 = 4.25 bits (4-bit values + one 8-bit scale per block
    of 32, OCP MX spec) are not in the seed; ML.ENERGY v1/v2 publish no precision: vLLM/HF default 16-bit assumed
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

models as (
    select model_key, params_b from {{ ref('dim_models') }}
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
        null::varchar as country_iso3
    from third_party as t
    left join ml_energy as e on t.run_id = e.run_id and t.source like 'ml_energy%'
),

unioned as (
    select * from third_party_runs
),

final as (
    select
        u.inference_run_key,
        u.run_id,
        u.source,
        u.source_vintage,
        u.model_key,
        u.source_model_id,
        coalesce(m.params_b, u.run_params_b) as params_b,
        case
            when m.params_b is not null then 'dim_models'
            when u.run_params_b is not null then 'run'
        end as params_b_source,
        u.activated_params_b,
        coalesce(u.activated_params_b < coalesce(m.params_b, u.run_params_b), false) as is_moe,
        {{ size_class('coalesce(m.params_b, u.run_params_b)') }} as size_class,
        u.hardware,
        u.hardware_raw,
        u.device,
        case when u.device = 'gpu' then k.gpu_key end as gpu_key,
        coalesce(k.gpu_key_assumed, false) as gpu_key_assumed,
        u.num_gpus,
        u.tensor_parallel,
        u.backend,
        coalesce(u.precision, 'bf16') as precision,
        u.precision is null as precision_assumed,
        u.quantization,
        coalesce(
            pb.bytes_per_param,
            case coalesce(u.precision, 'bf16') when 'fp8' then 1.0 when 'mxfp4' then 4.25 / 8 end
        ) as bytes_per_param,
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
        u.country_iso3
    from unioned as u
    left join models as m on u.model_key = m.model_key
    left join gpu_keys as k on u.source = k.source and u.hardware = k.hardware
    left join precision_bytes as pb on coalesce(u.precision, 'bf16') = pb.precision
)

select * from final
