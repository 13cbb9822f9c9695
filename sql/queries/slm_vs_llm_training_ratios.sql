-- SLM vs LLM training runs: medians, LLM / SLM ratio and log-log slopes of training energy and CO2 (the README's
-- headline). One point per independent pretraining run: alternate accountings, post-trained derivatives that repeat
-- a parent's run (Llama 3.3 70B) and, for CO2, figures contradicting their own energy are left out.
SELECT
    c.metric,
    c.n_slm,
    c.n_llm,
    c.slm_median,
    c.llm_median,
    c.llm_to_slm_median_ratio,
    c.slope_slm,
    s.r2 AS r2_slm,
    c.slope_llm,
    l.r2 AS r2_llm,
    a.slope AS slope_all,
    a.r2 AS r2_all
FROM marts.fct_size_class_comparison AS c
JOIN marts.fct_size_curve_fits AS s ON s.metric = c.metric AND s.segment = 'SLM'
JOIN marts.fct_size_curve_fits AS l ON l.metric = c.metric AND l.segment = 'LLM'
JOIN marts.fct_size_curve_fits AS a ON a.metric = c.metric AND a.segment = 'ALL'
WHERE c.metric IN ('training_energy_mwh', 'training_co2_t')
ORDER BY c.metric DESC;
