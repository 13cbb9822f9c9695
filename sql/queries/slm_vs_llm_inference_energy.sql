-- SLM (exact parameter count <= 7B) vs LLM: inference energy per 1K output tokens, one row per energy scope (never
-- mixed): medians of each class, the LLM / SLM ratio and the fitted log-log slopes below and above the boundary, with
-- n (marts.fct_size_class_comparison, on each scope's one reference setup; mixture-of-experts models at their active
-- parameters). The same ratio at 7.5 and 8B: size_class_threshold_sensitivity.sql.
SELECT
    replace(metric, 'inference_wh_per_1k_tokens_', '') AS energy_scope,
    unit,
    threshold_params_b,
    n_slm,
    n_llm,
    round(slm_median, 4)       AS slm_median_wh_per_1k_tokens,
    round(llm_median, 4)       AS llm_median_wh_per_1k_tokens,
    llm_to_slm_median_ratio,
    round(slope_slm, 3)        AS slope_slm,
    round(slope_llm, 3)        AS slope_llm,
    round(slope_change_at_boundary, 3) AS slope_change_at_boundary
FROM marts.fct_size_class_comparison
WHERE metric LIKE 'inference_wh_per_1k_tokens_%'
ORDER BY energy_scope;
