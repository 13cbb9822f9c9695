-- Open LLM Leaderboard v2: the best-scoring submissions of each size class, with what their evaluation emitted.
-- eval_g_co2e is the leaderboard's own estimate of running its benchmark suite on the model.
WITH ranked AS (
    SELECT
        model_id,
        params_b,
        CASE WHEN params_b <= 7 THEN 'SLM' ELSE 'LLM' END AS size_class,
        precision,
        average_score,
        eval_g_co2e,
        average_score / nullif(eval_g_co2e, 0) AS score_points_per_g_co2e,
        row_number() OVER (PARTITION BY params_b <= 7 ORDER BY average_score DESC) AS rank_in_class
    FROM staging.stg_open_llm_leaderboard__v2_submissions
    WHERE params_b > 0 AND NOT is_flagged
)
SELECT size_class, rank_in_class, model_id, params_b, precision, average_score, eval_g_co2e, score_points_per_g_co2e
FROM ranked
WHERE rank_in_class <= 10
ORDER BY size_class DESC, rank_in_class;
