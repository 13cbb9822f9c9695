{#
  One row per (metric, model): the points every size curve, bin, median and fit is computed from. Long format, so
  later metrics (e.g. inference Wh per 1K tokens) are one more `union all` branch with the same columns.
  A point is kept out of the aggregates (included = false, with the reason) when it is an alternate accounting of a
  model already counted, or - for CO2 only - when its CO2 contradicts its energy (co2_energy_consistent = false,
  e.g. Llama 3.3 70B's 12.9 t for 4,900 MWh).
  Inference energy (Wh per 1K output tokens) is one metric per energy scope - gpu and machine points are never
  fitted together - and each comes from one reference setup so that size is what varies between points: one point
  per model = the median over that model's runs of the setup (16-bit weights, real GPU):
  - inference_wh_per_1k_tokens_machine: LLM-Perf, A100-SXM4-80GB, PyTorch, batch 1 (CodeCarbon cpu+gpu+ram);
  - inference_wh_per_1k_tokens_gpu: ML.ENERGY v2 (2024), H100 SXM, vLLM, chat + code tasks, every batch size (NVML).
  Other setups (ML.ENERGY v1/v3, quantised weights, CPUs, GreenLM's batch-1 harness runs) stay in
  marts.fct_inference_efficiency; they would mix hardware and serving setups into the size effect.
  Size (macros/size_class.sql): params_b_total is the exact count where known (training rows: seed
  model_architectures; inference rows: dim_models), else the published rounded figure, with params_b_min/max its
  bounds. params_b - the x of every curve, bin and fit - is the total, except for mixture-of-experts models in the
  per-token inference metrics, which sit at their ACTIVE parameters (params_basis = 'active': per-token compute
  tracks active parameters; memory tracks the total, see fct_memory_ratios). size_class is the class of x by the one
  rule; a point whose rounded size straddles the threshold is left out (size_class_undetermined), never guessed.
#}
with runs as (
    select * from {{ ref('int_training_runs_flagged') }}
    where params_b > 0
),

counts as (
    select * from {{ ref('int_model_parameter_counts') }}
),

models as (
    select model_key, params_b_exact, params_b_min, params_b_max, active_params_b, is_moe
    from {{ ref('dim_models') }}
),

training_sizes as (
    select
        runs.*,
        coalesce(counts.params_b_exact, runs.params_b) as params_b_total,
        counts.params_b_exact is not null as params_b_is_exact,
        counts.active_params_b,
        coalesce(counts.is_moe, false) as is_moe
    from runs
    left join counts on counts.model_key = {{ catalog_model_key('runs.model_name') }}
),

training_energy as (
    select
        'training_energy_mwh' as metric,
        'MWh' as unit,
        model_name,
        family,
        params_b_total as params_b,
        params_b_total,
        params_b_is_exact,
        active_params_b,
        is_moe,
        'total' as params_basis,
        energy_mwh as value,
        case
            when not is_primary_accounting then 'alternate_accounting'
            when not is_independent_pretraining_run then 'not_an_independent_pretraining_run'
        end as exclusion_reason,
        'marts.fct_training_footprint' as source_table
    from training_sizes
    where energy_mwh > 0
),

training_co2 as (
    select
        'training_co2_t' as metric,
        't CO2e' as unit,
        model_name,
        family,
        params_b_total as params_b,
        params_b_total,
        params_b_is_exact,
        active_params_b,
        is_moe,
        'total' as params_basis,
        co2_t as value,
        case
            when not is_primary_accounting then 'alternate_accounting'
            when not is_independent_pretraining_run then 'not_an_independent_pretraining_run'
            when co2_energy_consistent = false then 'co2_inconsistent_with_energy'
        end as exclusion_reason,
        'marts.fct_training_footprint' as source_table
    from training_sizes
    where co2_t > 0
),

inference_reference_runs as (
    select
        case
            when source = 'llm_perf' and gpu_key = 'a100-sxm-80gb' and backend = 'pytorch' and batch_size = 1
                then 'machine'
            when source = 'ml_energy_v2' and gpu_key = 'h100-sxm-80gb' then 'gpu'
        end as reference_scope,
        *
    from {{ ref('fct_inference_efficiency') }}
    where precision in ('bf16', 'fp16') and wh_per_1k_tokens > 0 and params_b > 0
),

inference_points as (
    select
        energy_scope,
        model_key,
        median(params_b) as params_b_total,
        median(wh_per_1k_tokens) as value
    from inference_reference_runs
    -- the scope check is redundant with the setup, and keeps a scope mix out even if a source changes its scope
    where reference_scope = energy_scope
    group by energy_scope, model_key
),

inference_energy as (
    select
        'inference_wh_per_1k_tokens_' || p.energy_scope as metric,
        'Wh per 1K output tokens (' || p.energy_scope || ' scope)' as unit,
        p.model_key as model_name,
        null::varchar as family,
        -- per-token energy: a mixture-of-experts model sits at its active parameters
        case when coalesce(m.is_moe, false) then m.active_params_b else p.params_b_total end as params_b,
        p.params_b_total,
        coalesce(m.params_b_exact is not null, false) as params_b_is_exact,
        m.active_params_b,
        coalesce(m.is_moe, false) as is_moe,
        case when coalesce(m.is_moe, false) then 'active' else 'total' end as params_basis,
        p.value,
        null::varchar as exclusion_reason,
        'marts.fct_inference_efficiency' as source_table
    from inference_points as p
    left join models as m on m.model_key = p.model_key
),

unioned as (
    select * from training_energy
    union all
    select * from training_co2
    union all
    select * from inference_energy
),

bounded as (
    select
        *,
        -- an active count is exact when the total is (both come from the same seed row or source)
        {{ params_b_lower_bound('params_b', 'params_b_is_exact') }} as params_b_min,
        {{ params_b_upper_bound('params_b', 'params_b_is_exact') }} as params_b_max
    from unioned
),

final as (
    select
        metric,
        unit,
        model_name,
        family,
        params_b,
        params_basis,
        params_b_total,
        active_params_b,
        is_moe,
        params_b_is_exact,
        params_b_min,
        params_b_max,
        {{ size_class('params_b_min', 'params_b_max') }} as size_class,
        value,
        coalesce(
            exclusion_reason,
            case when {{ size_class('params_b_min', 'params_b_max') }} is null then 'size_class_undetermined' end
        ) is null as included,
        coalesce(
            exclusion_reason,
            case when {{ size_class('params_b_min', 'params_b_max') }} is null then 'size_class_undetermined' end
        ) as exclusion_reason,
        source_table
    from bounded
)

select * from final
