{#
  Which models change class when the SLM/LLM boundary moves: every model GreenLM publishes an energy figure for
  (an inference run of any source, or a training footprint) whose size may lie within 1B of the thresholds of var
  size_class_sensitivity_thresholds_b (6-9B by default: Llama 3.1 8B at 8.03 and Gemma 7B at 8.54 are shown staying
  LLM), one row per (model, threshold) with its class there under
  the one rule (macros/size_class.sql). Exact counts: GreenLM's harness (it counts the loaded parameters), else
  dim_models' (seed model_architectures / leaderboard v2 / Epoch), else the training footprint's seed count; a
  rounded size is carried with its bounds, so its class may be undetermined (NULL) at some thresholds.
#}
with thresholds as (
    select unnest([{{ var('size_class_sensitivity_thresholds_b') | join(', ') }}])::double as threshold_params_b
),

inference as (
    select
        model_key,
        max(params_b) filter (where source = 'greenlm') as harness_params_b,
        string_agg(distinct source, ', ' order by source) as sources
    from {{ ref('int_inference_runs_unioned') }}
    group by model_key
),

inference_models as (
    select
        i.model_key as model_name,
        coalesce(i.harness_params_b, d.params_b_exact) as params_b_exact,
        case when i.harness_params_b is not null then 'greenlm_harness' else d.params_b_exact_source end
            as params_b_exact_source,
        coalesce(i.harness_params_b, d.params_b) as params_b,
        coalesce(i.harness_params_b, d.params_b_min) as params_b_min,
        coalesce(i.harness_params_b, d.params_b_max) as params_b_max,
        coalesce(d.nominal_size, {{ nominal_size('i.model_key') }}) as nominal_size,
        'inference: ' || i.sources as energy_figures
    from inference as i
    left join {{ ref('dim_models') }} as d on d.model_key = i.model_key
),

training_models as (
    select
        model_name,
        params_b_exact,
        case when params_b_exact is not null then 'model_architectures' end as params_b_exact_source,
        coalesce(params_b_exact, params_b) as params_b,
        {{ params_b_lower_bound('coalesce(params_b_exact, params_b)', 'params_b_exact is not null') }} as params_b_min,
        {{ params_b_upper_bound('coalesce(params_b_exact, params_b)', 'params_b_exact is not null') }} as params_b_max,
        {{ nominal_size(catalog_model_key('model_name')) }} as nominal_size,
        'training footprint' as energy_figures
    from {{ ref('fct_training_footprint') }}
),

models as (
    select * from inference_models
    union all
    select * from training_models
),

near_the_boundary as (
    select *
    from models
    where params_b_max >= (select min(threshold_params_b) from thresholds) - 1
        and params_b_min <= (select max(threshold_params_b) from thresholds) + 1
)

select
    m.model_name,
    m.nominal_size,
    m.params_b,
    m.params_b_exact,
    m.params_b_exact_source,
    m.params_b_min,
    m.params_b_max,
    m.energy_figures,
    t.threshold_params_b,
    t.threshold_params_b = {{ var('slm_max_params_b') }} as is_default_threshold,
    {{ size_class('m.params_b_min', 'm.params_b_max', 't.threshold_params_b') }} as size_class,
    {{ size_class('m.params_b_min', 'm.params_b_max') }} as size_class_at_default
from near_the_boundary as m
cross join thresholds as t
