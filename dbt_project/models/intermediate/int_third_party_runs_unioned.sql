{#
  Third-party measured inference runs in one schema (contract for other marts; first 16 columns fixed).
  Scopes are never mixed: ML.ENERGY = 'gpu' (NVML over the run's GPUs), LLM-Perf = 'machine' (CodeCarbon cpu+ram+gpu).
  wh_per_1k_tokens = j_per_output_token x 1000 / 3600 (MEASUREMENT.md). Failed LLM-Perf rows are left out.
#}
with llm_perf as (
    select * from {{ ref('stg_llm_perf__runs') }} where not is_failed
),

ml_energy as (
    select * from {{ ref('stg_ml_energy__runs') }}
),

leaderboard_params as (
    select model_id, max(params_b) as params_b
    from {{ ref('stg_open_llm_leaderboard__v2_submissions') }}
    group by all
),

unioned as (
    select
        p.model_id as source_model_id,
        lp.params_b,
        p.hardware,
        p.backend,
        p.precision,
        p.quantization,
        p.batch_size,
        p.tokens_per_s,
        p.j_per_output_token,
        null::double as avg_power_w,
        'machine' as energy_scope,
        'llm_perf' as source,
        p.source_vintage,
        p.run_id,
        p.hardware_raw,
        greatest(p.gpu_count, 1) as num_gpus,
        'text-generation' as task
    from llm_perf as p
    left join leaderboard_params as lp using (model_id)

    union all

    select
        e.model_id,
        e.params_b,
        e.hardware,
        e.backend,
        e.precision,
        case when e.precision in ('fp8', 'mxfp4') then e.precision else 'none' end,
        e.max_batch_size,
        e.tokens_per_s,
        e.j_per_output_token,
        e.avg_power_w,
        'gpu',
        'ml_energy_' || split_part(e.vintage, '_', 1),
        'ML.ENERGY ' || replace(e.vintage, '_', ' '),
        e.run_id,
        e.hardware_raw,
        e.num_gpus,
        e.task
    from ml_energy as e
)

select
    {{ catalog_model_key('source_model_id') }} as model_key,
    source_model_id,
    params_b,
    hardware,
    backend,
    precision,
    quantization,
    batch_size,
    tokens_per_s,
    j_per_output_token,
    j_per_output_token * 1000 / 3600 as wh_per_1k_tokens,
    avg_power_w,
    energy_scope,
    'real' as weights,
    source,
    source_vintage,
    run_id,
    hardware_raw,
    num_gpus,
    task
from unioned
