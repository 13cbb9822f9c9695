{#
  One row per model identity (model_key = catalog_model_key(name), see macros/catalog.sql), joining the leaderboard
  ids, ML.ENERGY / LLM-Perf ids and model-card names. Each attribute is taken from the first source that has it:
    model_id      v2 official-provider submission > most-hearted v2 > ML.ENERGY > LLM-Perf > v1
    params_b_exact  the exact count (macros/size_class.sql): seed model_architectures (config.json / model card,
                  cited; by model_key, else base_model_key) > leaderboard v2 '#Params (B)' with decimals (safetensors)
                  > Epoch AI with decimals. Integer figures (v1, ML.ENERGY's name-derived sizes, a footprint's "7B",
                  v2's 9.000 for gemma-2-9b) are never taken as exact.
    params_b      params_b_exact, else the best rounded figure: v2 > ML.ENERGY > training footprint > v1 > Epoch;
                  params_b_min/max bound the exact count (equal to it when known).
    size_class    SLM / LLM by the exact count (var slm_max_params_b); NULL when only a rounded figure is known and
                  its bounds straddle the threshold - never a guess.
    nominal_size  the family size in the name ("7B", "8x7B"), from the seed else the model key.
    active_params_b  mixture-of-experts models only: seed > ML.ENERGY's activated parameters.
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

counts as (
    select * from {{ ref('int_model_parameter_counts') }}
),

precision_bytes as (
    select precision, bytes_per_param from {{ ref('precision_bytes') }}
),

ml_energy_active as (
    select {{ catalog_model_key('model_id') }} as model_key, max(activated_params_b) as activated_params_b,
        max(params_b) as total_params_b
    from {{ ref('stg_ml_energy__runs') }}
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
        coalesce(
            ck.params_b_exact, cb.params_b_exact,
            case when {{ params_b_looks_exact('v2.params_b', nominal_size('k.model_key')) }} then v2.params_b end,
            case when {{ params_b_looks_exact('c.epoch_params_b', nominal_size('k.model_key')) }}
                then c.epoch_params_b end
        ) as params_b_exact,
        case
            when coalesce(ck.params_b_exact, cb.params_b_exact) is not null then 'model_architectures'
            when {{ params_b_looks_exact('v2.params_b', nominal_size('k.model_key')) }} then 'open_llm_leaderboard_v2'
            when {{ params_b_looks_exact('c.epoch_params_b', nominal_size('k.model_key')) }} then 'epoch_ai'
        end as params_b_exact_source,
        coalesce(ck.model_name, cb.model_name) as params_b_exact_seed_row,
        coalesce(ck.nominal_size, cb.nominal_size, {{ nominal_size('k.model_key') }}) as nominal_size,
        coalesce(ck.active_params_b, cb.active_params_b,
            case when ea.activated_params_b < ea.total_params_b then ea.activated_params_b end) as active_params_b,
        case
            when coalesce(ck.active_params_b, cb.active_params_b) is not null then 'model_architectures'
            when ea.activated_params_b < ea.total_params_b then 'ml_energy'
        end as active_params_b_source,
        v2.params_b as leaderboard_v2_params_b,
        coalesce(v2.params_b, r.ml_energy_params_b, t.training_params_b, v1.params_b, c.epoch_params_b)
            as params_b_rounded,
        case
            when v2.params_b is not null then 'open_llm_leaderboard_v2'
            when r.ml_energy_params_b is not null then 'ml_energy'
            when t.training_params_b is not null then 'training_footprint'
            when v1.params_b is not null then 'open_llm_leaderboard_v1'
            when c.epoch_params_b is not null then 'epoch_ai'
        end as params_b_rounded_source,
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
    left join counts as ck on ck.model_key = k.model_key
    left join counts as cb on cb.model_key = k.base_model_key and ck.model_key is null
    left join ml_energy_active as ea on ea.model_key = k.model_key
),

sized as (
    select
        *,
        coalesce(params_b_exact, params_b_rounded) as params_b,
        case when params_b_exact is not null then params_b_exact_source else params_b_rounded_source end
            as params_b_source,
        {{ params_b_lower_bound('coalesce(params_b_exact, params_b_rounded)', 'params_b_exact is not null') }}
            as params_b_min,
        {{ params_b_upper_bound('coalesce(params_b_exact, params_b_rounded)', 'params_b_exact is not null') }}
            as params_b_max
    from joined
)

select
    s.model_key,
    s.model_id,
    s.display_name,
    s.family,
    s.params_b,
    {{ size_class('s.params_b_min', 's.params_b_max') }} as size_class,
    s.params_b_exact,
    s.params_b_exact_source,
    s.params_b_exact_seed_row,
    s.params_b_min,
    s.params_b_max,
    s.nominal_size,
    s.active_params_b,
    s.active_params_b_source,
    coalesce(s.active_params_b < s.params_b, false) as is_moe,
    s.leaderboard_v2_params_b,
    s.architecture,
    s.license,
    s.precision,
    pb.bytes_per_param,
    -- weights held in memory: total parameters (MoE included) x bytes of the stored precision (seed precision_bytes)
    s.params_b * pb.bytes_per_param as weight_memory_gb,
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
from sized as s
left join precision_bytes as pb on s.precision = pb.precision
