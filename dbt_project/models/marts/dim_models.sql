{#
  One row per model identity (model_key = catalog_model_key(name), see macros/catalog.sql), joining the leaderboard
  ids, ML.ENERGY / LLM-Perf ids and model-card names. Each attribute is taken from the first source that has it:
    model_id      v2 official-provider submission > most-hearted v2 > ML.ENERGY > LLM-Perf > v1
    params_b      v2 > ML.ENERGY > training footprint > v1 (integer-rounded) > Epoch
    precision     the canonical v2 submission > ML.ENERGY
  Quality columns come from the best-scoring v2 (and v1) submission of the key. Training facts join on
  base_model_key (an instruct/chat variant inherits its pretrained model's training footprint).
  Epoch-only names are not catalogued (see int_model_aliases_unmatched).
#}
with aliases as (
    select * from {{ ref('int_model_aliases_unioned') }}
),

v2 as (
    select *, {{ catalog_model_key('model_id') }} as model_key
    from {{ ref('stg_open_llm_leaderboard__v2_submissions') }}
),

v2_best as (
    select
        model_key,
        count(*) as leaderboard_v2_submissions,
        arg_max(model_id, coalesce(is_official_provider, false)::int * 1e9 + coalesce(hub_hearts, 0)) as model_id,
        arg_max(average_score, average_score) as leaderboard_v2_average_score,
        arg_max(ifeval_score, average_score) as leaderboard_v2_ifeval,
        arg_max(bbh_score, average_score) as leaderboard_v2_bbh,
        arg_max(math_lvl5_score, average_score) as leaderboard_v2_math_lvl5,
        arg_max(gpqa_score, average_score) as leaderboard_v2_gpqa,
        arg_max(musr_score, average_score) as leaderboard_v2_musr,
        arg_max(mmlu_pro_score, average_score) as leaderboard_v2_mmlu_pro,
        arg_max(eval_g_co2e, average_score) as eval_g_co2e,
        arg_max(precision, average_score) as precision,
        arg_max(params_b, average_score) as params_b,
        arg_max(architecture, average_score) as architecture,
        arg_max(hub_license, average_score) as license
    from v2
    group by model_key
),

v1_best as (
    select
        {{ catalog_model_key('model_id') }} as model_key,
        arg_max(model_id, coalesce(hub_hearts, 0)) as model_id,
        max(average_score) as leaderboard_v1_average_score,
        max(params_b) as params_b,
        arg_max(architecture, average_score) as architecture,
        arg_max(hub_license, average_score) as license,
        arg_max(precision, average_score) as precision
    from {{ ref('stg_open_llm_leaderboard__v1_submissions') }}
    group by 1
),

runs as (
    select
        model_key,
        count(*) filter (where source = 'llm_perf') as llm_perf_runs,
        count(*) filter (where source like 'ml_energy%') as ml_energy_runs,
        any_value(source_model_id) filter (where source like 'ml_energy%') as ml_energy_model_id,
        any_value(source_model_id) filter (where source = 'llm_perf') as llm_perf_model_id,
        max(params_b) filter (where source like 'ml_energy%') as ml_energy_params_b,
        mode(precision) filter (where source like 'ml_energy%') as ml_energy_precision
    from {{ ref('int_third_party_runs_unioned') }}
    group by model_key
),

ml_energy_names as (
    select {{ catalog_model_key('model_id') }} as model_key, any_value(nickname) as nickname,
        any_value(architecture) as architecture
    from {{ ref('stg_ml_energy__runs') }}
    group by 1
),

training as (
    select
        {{ catalog_base_model_key(catalog_model_key('model_name')) }} as base_model_key,
        arg_min(model_name, length(model_name)) as training_model_name,
        arg_min(co2_t, length(model_name)) as training_co2_t,
        arg_min(energy_mwh, length(model_name)) as training_energy_mwh,
        arg_min(energy_derived, length(model_name)) as training_energy_derived,
        arg_min(co2_energy_consistent, length(model_name)) as training_co2_energy_consistent,
        arg_min(params_b, length(model_name)) as training_params_b,
        count(*) as training_footprint_rows
    from {{ ref('fct_training_footprint') }}
    group by 1
),

contradictions as (
    select
        base_model_key,
        bool_or(has_contradiction) as training_facts_contradict,
        string_agg(distinct nullif(contradictions, ''), ', ') as training_contradictions,
        max(training_compute_flop) as epoch_training_compute_flop,
        max(params_b_epoch) as epoch_params_b
    from {{ ref('int_training_facts_compared') }}
    group by 1
),

keys as (
    -- Epoch-only keys are left out of the catalog (it lists every notable AI model, not only LLMs we measure).
    select
        model_key,
        any_value(base_model_key) as base_model_key,
        list(distinct source order by source) as sources,
        any_value(alias) filter (where source = 'training_footprint') as card_name
    from aliases
    where source <> 'epoch_ai'
    group by model_key
),

joined as (
    select
        k.model_key,
        coalesce(v2.model_id, r.ml_energy_model_id, r.llm_perf_model_id, v1.model_id) as model_id,
        coalesce(n.nickname, k.card_name,
            regexp_replace(coalesce(v2.model_id, r.ml_energy_model_id, r.llm_perf_model_id, v1.model_id), '^.*/', '')
        ) as display_name,
        {{ catalog_family('k.model_key') }} as family,
        k.base_model_key,
        coalesce(v2.params_b, r.ml_energy_params_b, t.training_params_b, v1.params_b, c.epoch_params_b) as params_b,
        case
            when v2.params_b is not null then 'open_llm_leaderboard_v2'
            when r.ml_energy_params_b is not null then 'ml_energy'
            when t.training_params_b is not null then 'training_footprint'
            when v1.params_b is not null then 'open_llm_leaderboard_v1'
            when c.epoch_params_b is not null then 'epoch_ai'
        end as params_b_source,
        coalesce(v2.architecture, n.architecture, v1.architecture) as architecture,
        coalesce(v2.license, v1.license) as license,
        coalesce({{ catalog_precision('v2.precision') }}, r.ml_energy_precision, {{ catalog_precision('v1.precision') }})
            as precision,
        v2.leaderboard_v2_average_score,
        v2.leaderboard_v2_ifeval,
        v2.leaderboard_v2_bbh,
        v2.leaderboard_v2_math_lvl5,
        v2.leaderboard_v2_gpqa,
        v2.leaderboard_v2_musr,
        v2.leaderboard_v2_mmlu_pro,
        coalesce(v2.leaderboard_v2_submissions, 0) as leaderboard_v2_submissions,
        v1.leaderboard_v1_average_score,
        v2.eval_g_co2e,
        v2.eval_g_co2e / 1000 as eval_kg_co2e,
        coalesce(r.llm_perf_runs, 0) as llm_perf_runs,
        coalesce(r.ml_energy_runs, 0) as ml_energy_runs,
        t.training_model_name,
        t.training_co2_t,
        t.training_energy_mwh,
        t.training_energy_derived,
        t.training_co2_energy_consistent,
        t.training_footprint_rows,
        c.epoch_training_compute_flop,
        c.training_facts_contradict,
        c.training_contradictions,
        k.sources
    from keys as k
    left join v2_best as v2 using (model_key)
    left join v1_best as v1 using (model_key)
    left join runs as r using (model_key)
    left join ml_energy_names as n using (model_key)
    left join training as t on t.base_model_key = k.base_model_key
    left join contradictions as c on c.base_model_key = k.base_model_key
)

select
    model_key,
    model_id,
    display_name,
    family,
    params_b,
    {{ size_class('params_b') }} as size_class,
    architecture,
    license,
    precision,
    {{ catalog_bytes_per_param('precision') }} as bytes_per_param,
    params_b * {{ catalog_bytes_per_param('precision') }} as weight_memory_gb,
    leaderboard_v2_average_score,
    leaderboard_v2_ifeval,
    leaderboard_v2_bbh,
    leaderboard_v2_math_lvl5,
    leaderboard_v2_gpqa,
    leaderboard_v2_musr,
    leaderboard_v2_mmlu_pro,
    leaderboard_v2_submissions,
    leaderboard_v1_average_score,
    eval_g_co2e,
    eval_kg_co2e,
    training_co2_t,
    training_energy_mwh,
    training_energy_derived,
    training_co2_energy_consistent,
    training_model_name,
    training_footprint_rows,
    epoch_training_compute_flop,
    training_facts_contradict,
    training_contradictions,
    llm_perf_runs,
    ml_energy_runs,
    base_model_key,
    params_b_source,
    sources
from joined
