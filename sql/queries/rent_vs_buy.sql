-- Rent or buy a GPU? For every GPU with both a purchase price and a current on-demand rental price
-- (marts.fct_gpu_rent_vs_buy): rental hours until the purchase pays off, with and without the owner's electricity
-- (board power x dbt var electricity_usd_per_kwh), and the years that is at 100 % use; quickest payback first.
SELECT
    gpu_key,
    gpu_name,
    purchase_price_usd,
    purchase_price_kind,
    median_usd_per_gpu_hour                  AS rental_usd_per_gpu_hour,
    n_providers                              AS rental_providers,
    tdp_w,
    electricity_usd_per_hour,
    round(break_even_rental_hours)           AS break_even_rental_hours,
    round(break_even_rental_hours_with_power) AS break_even_rental_hours_with_power,
    round(break_even_years_at_full_use, 2)   AS break_even_years_at_full_use
FROM marts.fct_gpu_rent_vs_buy
ORDER BY break_even_rental_hours_with_power NULLS LAST;
