-- Which measured model gives the most Open LLM Leaderboard v2 quality per dollar? For each model, its cheapest
-- on-demand cloud configuration (marts.fct_cost_per_1k_tokens: median USD/GPU-h x GPUs / throughput), then
-- USD per 1K output tokens per leaderboard point; best 20, with the GPU, batch and energy scope of that configuration.
WITH cheapest AS (
    SELECT
        model_key,
        arg_min(gpu_key, usd_per_1k_tokens_rental)      AS gpu_key,
        arg_min(gpus_billed, usd_per_1k_tokens_rental)  AS gpus_billed,
        arg_min(batch_size, usd_per_1k_tokens_rental)   AS batch_size,
        arg_min(source, usd_per_1k_tokens_rental)       AS source,
        arg_min(energy_scope, usd_per_1k_tokens_rental) AS energy_scope,
        arg_min(wh_per_1k_tokens, usd_per_1k_tokens_rental) AS wh_per_1k_tokens,
        min(usd_per_1k_tokens_rental)                   AS usd_per_1k_tokens
    FROM marts.fct_cost_per_1k_tokens
    WHERE pricing = 'on_demand'
    GROUP BY model_key
)
SELECT
    c.model_key,
    m.params_b,
    m.size_class,
    m.leaderboard_v2_average_score                        AS quality_score,
    c.usd_per_1k_tokens,
    c.usd_per_1k_tokens / m.leaderboard_v2_average_score  AS usd_per_1k_tokens_per_quality_point,
    c.gpu_key,
    c.gpus_billed,
    c.batch_size,
    c.wh_per_1k_tokens,
    c.energy_scope,
    c.source
FROM cheapest AS c
INNER JOIN marts.dim_models AS m USING (model_key)
WHERE m.leaderboard_v2_average_score > 0
ORDER BY usd_per_1k_tokens_per_quality_point
LIMIT 20;
