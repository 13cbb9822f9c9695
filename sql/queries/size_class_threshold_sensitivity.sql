-- How the headline SLM-vs-LLM ratios move with the boundary (7, 7.5, 8 B; dbt var
-- size_class_sensitivity_thresholds_b): training energy and CO2 medians and inference Wh per 1K tokens per energy
-- scope, classed by EXACT parameter counts (MoE at active parameters in the inference metrics), with the models that
-- switch class against the default 7B boundary (marts.fct_size_class_threshold_sensitivity; the 7B row equals
-- marts.fct_size_class_comparison). Every model near the boundary, switching or not: marts.fct_size_class_boundary_models.
SELECT
    metric,
    threshold_params_b,
    is_default_threshold,
    n_slm,
    n_llm,
    n_undetermined,
    round(slm_median, 4)            AS slm_median,
    round(llm_median, 4)            AS llm_median,
    llm_to_slm_median_ratio,
    ratio_vs_default_threshold,
    models_to_slm,
    models_to_llm
FROM marts.fct_size_class_threshold_sensitivity
ORDER BY metric, threshold_params_b;
