{#
  Plausibility (issue 16): a measured peak memory can never be below the weights it holds,
  parameters x bytes per parameter (seed reference.precision_bytes; the parameter count's lower bound when only a
  rounded size is known). Checked on every measured memory column: GreenLM's harness peak_memory_gb and LLM-Perf's
  decode max allocated memory (MB = 1e6 bytes, GB = 1e9). Each failing row names the run.
#}
with runs as (
    select r.inference_run_key, r.source, r.run_id, r.model_key, r.params_b, r.precision, r.peak_memory_gb
    from {{ ref('int_inference_runs_unioned') }} as r
),

llm_perf_memory as (
    select run_id, decode_max_allocated_mb / 1000 as memory_gb
    from {{ ref('stg_llm_perf__runs') }}
    where decode_max_allocated_mb > 0
),

measured as (
    select runs.*, 'peak_memory_gb' as memory_column, runs.peak_memory_gb as memory_gb
    from runs
    where runs.source = 'greenlm' and runs.peak_memory_gb > 0
    union all
    select runs.*, 'stg_llm_perf__runs.decode_max_allocated_mb' as memory_column, m.memory_gb
    from runs
    inner join llm_perf_memory as m on runs.source = 'llm_perf' and runs.run_id = m.run_id
),

checked as (
    select
        measured.*,
        -- GreenLM's own count is exact; a third-party run's is dim_models' lower bound
        case when measured.source = 'greenlm' then measured.params_b else coalesce(d.params_b_min, measured.params_b) end
            as params_b_lower_bound,
        pb.bytes_per_param
    from measured
    left join {{ ref('dim_models') }} as d on d.model_key = measured.model_key
    left join {{ ref('precision_bytes') }} as pb on pb.precision = measured.precision
)

select
    inference_run_key,
    model_key,
    precision,
    memory_column,
    memory_gb,
    params_b_lower_bound * bytes_per_param as weights_gb_at_least
from checked
where memory_gb < params_b_lower_bound * bytes_per_param
