-- CO2 per 1K output tokens in France vs the US (the US: the SmolLM study ran in South Carolina, here the US average
-- intensity; France: the article's example country and GreenLM's default harness country, not the SmolLM study's):
-- SLM vs LLM medians per energy scope and source, so that gpu and machine energy are never mixed and each
-- comparison stays within one benchmark's setups (ML.ENERGY v1 is batch 1, v2/v3 serve large batches).
SELECT
    energy_scope,
    source,
    size_class,
    count(DISTINCT inference_run_key)                                      AS runs,
    count(DISTINCT model_key)                                              AS models,
    median(wh_per_1k_tokens) FILTER (WHERE country_iso3 = 'USA')           AS median_wh_per_1k_tokens,
    median(g_co2e_per_1k_tokens) FILTER (WHERE country_iso3 = 'FRA')       AS median_g_co2e_per_1k_tokens_fra,
    median(g_co2e_per_1k_tokens) FILTER (WHERE country_iso3 = 'USA')       AS median_g_co2e_per_1k_tokens_usa,
    max(grid_g_co2e_per_kwh) FILTER (WHERE country_iso3 = 'FRA')           AS grid_g_co2e_per_kwh_fra,
    max(grid_g_co2e_per_kwh) FILTER (WHERE country_iso3 = 'USA')           AS grid_g_co2e_per_kwh_usa
FROM marts.fct_co2_per_1k_tokens
WHERE country_iso3 IN ('FRA', 'USA') AND size_class IS NOT NULL
GROUP BY energy_scope, source, size_class
ORDER BY energy_scope, source, size_class DESC;
