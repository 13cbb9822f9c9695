-- SLM (exact parameter count <= 7B) vs LLM (> 7B): how much CO2 does training emit, in total and per billion
-- parameters? (size_class of marts.fct_training_footprint: the seed's exact count, macros/size_class.sql)
-- Only published CO2 figures; rows whose CO2 contradicts their own energy are counted apart.
SELECT
    size_class,
    count(*)                                        AS models,
    median(co2_t)                                   AS median_co2_t,
    sum(co2_t)                                      AS total_co2_t,
    median(co2_t_per_b_params)                      AS median_co2_t_per_b_params,
    count(*) FILTER (WHERE co2_energy_consistent = false) AS inconsistent_rows
FROM marts.fct_training_footprint
WHERE size_class IS NOT NULL AND co2_t IS NOT NULL
GROUP BY size_class
ORDER BY size_class DESC;
