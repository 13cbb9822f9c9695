-- Which published training facts disagree by more than 2x between two sources, and why?
-- Every pair of sources (model card or paper, alternate accountings, Epoch AI, the seed article, papers that recompute
-- a run), both values, the assumption behind each; the primary footprint row (the one GreenLM's marts use) first.
SELECT
    model_name,
    fact,
    unit,
    source_a,
    value_a,
    source_b,
    value_b,
    ratio,
    involves_primary,
    assumption_a,
    assumption_b
FROM marts.fct_training_fact_disagreements
ORDER BY involves_primary DESC, ratio DESC, model_name, fact;
