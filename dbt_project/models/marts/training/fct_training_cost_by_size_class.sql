-- SLM vs LLM training cost (fct_training_cost): medians over costed runs of each size class, and LLM / SLM ratios.
-- A post-trained derivative repeating its parent's pretraining (Llama 3.3 70B) is not a second run: left out.
with costs as (
    select * from {{ ref('fct_training_cost') }}
    where training_cost_usd is not null and is_independent_pretraining_run is not false
),

by_class as (
    select
        size_class,
        count(*) as n_models,
        median(training_cost_usd) as median_training_cost_usd,
        median(training_cost_usd_per_b_params) as median_training_cost_usd_per_b_params,
        median(gpu_hours) as median_gpu_hours,
        string_agg(model_name, ', ' order by params_b, model_name) as models
    from costs
    group by size_class
),

llm as (select * from by_class where size_class = 'LLM'),

slm as (select * from by_class where size_class = 'SLM')

select
    by_class.*,
    llm.median_training_cost_usd / slm.median_training_cost_usd as llm_to_slm_median_cost_ratio,
    llm.median_training_cost_usd_per_b_params / slm.median_training_cost_usd_per_b_params
        as llm_to_slm_median_cost_per_b_params_ratio
from by_class
cross join llm
cross join slm
