-- CO2 per 1K output tokens of ONE model in every country of the grid table, for each of its measured setups
-- (marts.fct_co2_per_1k_tokens: Wh per 1K tokens x the country's grid gCO2e/kWh).
-- >>> EDIT HERE: the model (a model_key of marts.dim_models, e.g. 'smollm-135m', 'llama-2-7b-chat', 'codellama-7b') <<<
SET VARIABLE model_key = 'smollm-135m';
-- Per country and energy scope: the model's median over its setups, lowest CO2 first.
SELECT
    model_key,
    energy_scope,
    country_iso3,
    country_name,
    grid_g_co2e_per_kwh,
    count(DISTINCT inference_run_key)        AS setups,
    round(median(wh_per_1k_tokens), 4)       AS median_wh_per_1k_tokens,
    round(median(g_co2e_per_1k_tokens), 5)   AS median_g_co2e_per_1k_tokens,
    any_value(named_example)                 AS named_example
FROM marts.fct_co2_per_1k_tokens
WHERE model_key = getvariable('model_key')
GROUP BY model_key, energy_scope, country_iso3, country_name, grid_g_co2e_per_kwh
ORDER BY energy_scope, median_g_co2e_per_1k_tokens;
