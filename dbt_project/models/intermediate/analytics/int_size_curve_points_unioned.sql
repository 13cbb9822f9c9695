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
#}
with runs as (
    select * from {{ ref('int_training_runs_flagged') }}
    where params_b > 0
),

training_energy as (
    select
        'training_energy_mwh' as metric,
        'MWh' as unit,
        model_name,
        family,
        params_b,
        energy_mwh as value,
        case
            when not is_primary_accounting then 'alternate_accounting'
            when not is_independent_pretraining_run then 'not_an_independent_pretraining_run'
        end as exclusion_reason,
        'marts.fct_training_footprint' as source_table
    from runs
    where energy_mwh > 0
),

training_co2 as (
    select
        'training_co2_t' as metric,
        't CO2e' as unit,
        model_name,
        family,
        params_b,
        co2_t as value,
        case
            when not is_primary_accounting then 'alternate_accounting'
            when not is_independent_pretraining_run then 'not_an_independent_pretraining_run'
            when co2_energy_consistent = false then 'co2_inconsistent_with_energy'
        end as exclusion_reason,
        'marts.fct_training_footprint' as source_table
    from runs
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

inference_energy as (
    select
        'inference_wh_per_1k_tokens_' || energy_scope as metric,
        'Wh per 1K output tokens (' || energy_scope || ' scope)' as unit,
        model_key as model_name,
        null::varchar as family,
        median(params_b) as params_b,
        median(wh_per_1k_tokens) as value,
        null::varchar as exclusion_reason,
        'marts.fct_inference_efficiency' as source_table
    from inference_reference_runs
    -- the scope check is redundant with the setup, and keeps a scope mix out even if a source changes its scope
    where reference_scope = energy_scope
    group by energy_scope, model_key
),

unioned as (
    select * from training_energy
    union all
    select * from training_co2
    union all
    select * from inference_energy
),

final as (
    select
        metric,
        unit,
        model_name,
        family,
        params_b,
        {{ size_class('params_b') }} as size_class,
        value,
        exclusion_reason is null as included,
        exclusion_reason,
        source_table
    from unioned
)

select * from final
