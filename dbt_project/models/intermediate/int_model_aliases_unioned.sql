{#
  Every model name GreenLM has seen, one row per (source, alias), with its model_key (macro catalog_model_key)
  and base_model_key (tuning suffix dropped). Epoch rows are language models only.
#}
with v2 as (
    select
        'open_llm_leaderboard_v2' as source, model_id as alias, max(params_b) as params_b,
        mode(precision) as precision, mode(architecture) as architecture, mode(hub_license) as license
    from {{ ref('stg_open_llm_leaderboard__v2_submissions') }}
    group by all
),

v1 as (
    select
        'open_llm_leaderboard_v1', model_id, max(params_b), mode(precision), mode(architecture), mode(hub_license)
    from {{ ref('stg_open_llm_leaderboard__v1_submissions') }}
    group by all
),

llm_perf as (
    select 'llm_perf', model_id, null::double, null, null, null
    from {{ ref('stg_llm_perf__runs') }}
    group by all
),

ml_energy as (
    select 'ml_energy', model_id, max(params_b), mode(precision), mode(architecture), null
    from {{ ref('stg_ml_energy__runs') }}
    group by all
),

training as (
    select 'training_footprint', model_name, max(params_b), null, null, null
    from {{ ref('stg_training_footprint__runs') }}
    group by all
),

epoch as (
    select 'epoch_ai', model_name, max(params_b), null, null, null
    from {{ ref('stg_epoch_ai__notable_models') }}
    where domain ilike '%language%'
    group by all
),

unioned as (
    select * from v2
    union all select * from v1
    union all select * from llm_perf
    union all select * from ml_energy
    union all select * from training
    union all select * from epoch
),

keyed as (
    select
        {{ catalog_model_key('alias') }} as model_key,
        source,
        alias,
        params_b,
        precision,
        architecture,
        license
    from unioned
)

select *, {{ catalog_base_model_key('model_key') }} as base_model_key
from keyed
