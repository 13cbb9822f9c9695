-- Cheapest model and server meeting my latency target and quality floor, in my country
-- (marts.fct_serving_target_quality_co2: the serving latency-target view x Open LLM Leaderboard v2 average x grid).
-- The latency target is the dbt vars serving_itl_target_ms (100) and serving_ttft_target_ms (1000), on the p90s:
-- rebuild with `dbt build --vars '{serving_itl_target_ms: 250}'` to change it (itl_target_ms shows the one in force).
-- >>> EDIT HERE: the country (ISO3 of the grid table) and the quality floor (leaderboard v2 average points) <<<
SET VARIABLE country_iso3 = 'FRA';
SET VARIABLE quality_floor = 0;
-- Configurations that meet the target come first, cheapest first; those that do not follow with null costs and
-- how close they came (fastest ITL / TTFT p90). A model the leaderboard does not list has no score: it passes only
-- a floor of 0. join_basis says what the score is worth (same model, its quantized copy, or its architecture only).
SELECT
    model_key,
    leaderboard_v2_average_score,
    join_basis,
    server,
    server_version,
    hardware,
    energy_scope,
    energy_is_estimate,
    meets_latency_target,
    round(itl_target_s * 1000)                  AS itl_target_ms,
    round(ttft_target_s * 1000)                 AS ttft_target_ms,
    best_cost_concurrency,
    best_usd_per_1k_tokens,
    best_cost_basis,
    best_energy_concurrency,
    round(best_j_per_output_token, 4)           AS best_j_per_output_token,
    grid_g_co2e_per_kwh,
    round(g_co2e_per_1k_tokens, 5)              AS g_co2e_per_1k_tokens,
    round(fastest_itl_s_p90 * 1000, 1)          AS fastest_itl_ms_p90,
    round(fastest_ttft_s_p90 * 1000, 1)         AS fastest_ttft_ms_p90,
    country_iso3
FROM marts.fct_serving_target_quality_co2
WHERE country_iso3 = getvariable('country_iso3')
    AND coalesce(leaderboard_v2_average_score, 0) >= getvariable('quality_floor')
ORDER BY meets_latency_target DESC, best_usd_per_1k_tokens, g_co2e_per_1k_tokens, fastest_itl_s_p90;
