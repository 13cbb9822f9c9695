-- Models on the quality/energy Pareto front: no other model of the same energy scope scores at least as high on the
-- Open LLM Leaderboard v2 with at most its Wh per 1K output tokens (marts.fct_quality_per_energy). Scopes (gpu:
-- ML.ENERGY v2 H100; machine: LLM-Perf A100 batch 1) are separate fronts and never compared with each other.
SELECT
    energy_scope,
    model_key,
    params_b,
    size_class,
    quality_score,
    round(wh_per_1k_tokens, 4)             AS wh_per_1k_tokens,
    round(quality_per_wh_per_1k_tokens, 1) AS quality_per_wh_per_1k_tokens
FROM marts.fct_quality_per_energy
WHERE on_pareto_front
ORDER BY energy_scope, wh_per_1k_tokens;
