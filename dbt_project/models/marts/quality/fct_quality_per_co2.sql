{#
  Quality per unit of evaluation CO2 (the arXiv trade-off question), one row per model with a leaderboard score:
    quality_per_eval_kg_co2e = leaderboard v2 average score / the leaderboard's own evaluation CO2 (kg)
  on_pareto_front_eval_co2: no other model scores at least as high with at most its evaluation CO2 (strictly better
  on one). Beside it, the per-energy-scope quality per Wh per 1K tokens and Pareto flags of fct_quality_per_energy
  (reused as computed there, one column pair per scope; scopes are never mixed).
#}
with models as (
    select model_key, params_b, size_class, leaderboard_v2_average_score as quality_score, eval_kg_co2e
    from {{ ref('dim_models') }}
    where leaderboard_v2_average_score > 0 and eval_kg_co2e > 0
),

energy as (
    select * from {{ ref('fct_quality_per_energy') }}
),

scored as (
    select
        models.*,
        models.quality_score / models.eval_kg_co2e as quality_per_eval_kg_co2e
    from models
),

flagged as (
    select
        s.*,
        not exists (
            select 1
            from scored as o
            where o.model_key <> s.model_key
                and o.quality_score >= s.quality_score
                and o.eval_kg_co2e <= s.eval_kg_co2e
                and (o.quality_score > s.quality_score or o.eval_kg_co2e < s.eval_kg_co2e)
        ) as on_pareto_front_eval_co2
    from scored as s
),

final as (
    select
        flagged.*,
        gpu.wh_per_1k_tokens as wh_per_1k_tokens_gpu,
        gpu.quality_per_wh_per_1k_tokens as quality_per_wh_per_1k_tokens_gpu,
        gpu.on_pareto_front as on_pareto_front_energy_gpu,
        machine.wh_per_1k_tokens as wh_per_1k_tokens_machine,
        machine.quality_per_wh_per_1k_tokens as quality_per_wh_per_1k_tokens_machine,
        machine.on_pareto_front as on_pareto_front_energy_machine
    from flagged
    left join energy as gpu on flagged.model_key = gpu.model_key and gpu.energy_scope = 'gpu'
    left join energy as machine on flagged.model_key = machine.model_key and machine.energy_scope = 'machine'
)

select * from final
