-- What did training cost? Per published training run with GPU-hours (marts.fct_training_cost): GPU-hours x the
-- median on-demand rental price of that GPU today, plus its energy at the configured electricity price, beside
-- the published estimate where there is one (Llama 3.1 405B, GPT-3) and the ratio. TPU runs have no rental price.
SELECT
    model_name,
    params_b,
    size_class,
    gpu_type,
    gpu_key,
    gpu_hours,
    rental_usd_per_gpu_hour,
    rental_price_from_date,
    rental_price_to_date,
    round(rental_cost_usd)       AS rental_cost_usd,
    round(electricity_cost_usd)  AS electricity_cost_usd,
    round(training_cost_usd)     AS training_cost_usd,
    published_cost_usd,
    round(ratio_to_published, 2) AS ratio_to_published
FROM marts.fct_training_cost
ORDER BY params_b, model_name;
