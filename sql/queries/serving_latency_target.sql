-- Cheapest model and server meeting my latency target and quality floor, in my country
-- (marts.fct_serving_target_quality_co2: the serving latency-target view x Open LLM Leaderboard v2 average x grid).
-- The latency target is the dbt vars serving_itl_target_ms (100) and serving_ttft_target_ms (1000): rebuild with
-- `dbt build --vars '{serving_itl_target_ms: 50}'` to change it; itl_target_s / ttft_target_s show the one in force.
-- >>> EDIT HERE: the country (ISO3 of the grid table) and the quality floor (leaderboard v2 average points) <<<
SET VARIABLE country_iso3 = 'FRA';
SET VARIABLE quality_floor = 0;
-- A model the leaderboard does not list has no score and cannot pass a floor above 0: it is listed last, unscored.
SELECT
    model_key,
    leaderboard_v2_average_score,
    server,
    server_version,
    hardware,
    energy_scope,
    energy_is_estimate,
    round(itl_target_s * 1000)                  AS itl_target_ms,
    round(ttft_target_s * 1000)                 AS ttft_target_ms,
    best_cost_concurrency,
    best_usd_per_1k_tokens,
    best_cost_basis,
    best_energy_concurrency,
    round(best_j_per_output_token, 4)           AS best_j_per_output_token,
    country_iso3,
    grid_g_co2e_per_kwh,
    round(g_co2e_per_1k_tokens, 5)              AS g_co2e_per_1k_tokens
FROM marts.fct_serving_target_quality_co2
WHERE country_iso3 = getvariable('country_iso3')
    AND (leaderboard_v2_average_score >= getvariable('quality_floor')
         OR (leaderboard_v2_average_score IS NULL AND getvariable('quality_floor') <= 0))
ORDER BY leaderboard_v2_average_score IS NULL, best_usd_per_1k_tokens, g_co2e_per_1k_tokens;
