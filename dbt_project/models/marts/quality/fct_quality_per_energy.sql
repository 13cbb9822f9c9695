{#
  Quality per unit of inference energy (the arXiv trade-off question), per model x energy scope:
    quality_per_wh_per_1k_tokens = leaderboard v2 average score / Wh per 1K output tokens
  The energy is the model's point on the size curves (intermediate.int_size_curve_points_unioned: median over the
  scope's one reference setup - LLM-Perf A100 batch 1 for machine, ML.ENERGY v2 H100 for gpu), so models of one scope
  are compared on the same hardware and serving setup; scopes are never compared with each other.
  on_pareto_front: no other model of the same scope scores at least as high with at most the energy (and is strictly
  better on one of the two). Also the leaderboard's own evaluation CO2 (kg) and score per kg where published.
#}
with points as (
    select
        replace(metric, 'inference_wh_per_1k_tokens_', '') as energy_scope,
        model_name as model_key,
        params_b,
        size_class,
        value as wh_per_1k_tokens
    from {{ ref('int_size_curve_points_unioned') }}
    where metric like 'inference_wh_per_1k_tokens_%' and included
),

models as (
    select model_key, leaderboard_v2_average_score, eval_kg_co2e from {{ ref('dim_models') }}
),

scored as (
    select
        points.*,
        models.leaderboard_v2_average_score as quality_score,
        models.eval_kg_co2e,
        models.leaderboard_v2_average_score / points.wh_per_1k_tokens as quality_per_wh_per_1k_tokens,
        models.leaderboard_v2_average_score / nullif(models.eval_kg_co2e, 0) as quality_per_eval_kg_co2e
    from points
    inner join models on points.model_key = models.model_key
    where models.leaderboard_v2_average_score > 0
),

final as (
    select
        s.*,
        not exists (
            select 1
            from scored as o
            where o.energy_scope = s.energy_scope
                and o.model_key <> s.model_key
                and o.quality_score >= s.quality_score
                and o.wh_per_1k_tokens <= s.wh_per_1k_tokens
                and (o.quality_score > s.quality_score or o.wh_per_1k_tokens < s.wh_per_1k_tokens)
        ) as on_pareto_front
    from scored as s
)

select * from final
