-- Rent or buy one GPU: break-even rental hours = purchase price / median on-demand price per GPU-hour; with
-- power, an owned GPU also pays its electricity (TDP x var('electricity_usd_per_kwh'), GPU board power only,
-- no host or cooling), so it breaks even after purchase / (rental price - electricity per hour) hours.
with gpus as (
    select * from {{ ref('dim_gpus') }}
    where purchase_price_usd is not null
),

rental as (
    select * from {{ ref('fct_gpu_rental_prices') }}
    where pricing = 'on_demand'
),

costs as (
    select
        gpus.gpu_key,
        gpus.gpu_name,
        gpus.purchase_price_usd,
        gpus.purchase_price_kind,
        gpus.purchase_price_date,
        gpus.tdp_w,
        rental.median_usd_per_gpu_hour,
        rental.n_providers,
        rental.latest_observed_date,
        {{ var('electricity_usd_per_kwh') }} as electricity_usd_per_kwh,
        gpus.tdp_w / 1000.0 * {{ var('electricity_usd_per_kwh') }} as electricity_usd_per_hour
    from gpus
    inner join rental on gpus.gpu_key = rental.gpu_key
)

select
    *,
    purchase_price_usd / median_usd_per_gpu_hour as break_even_rental_hours,
    case
        when median_usd_per_gpu_hour > electricity_usd_per_hour
            then purchase_price_usd / (median_usd_per_gpu_hour - electricity_usd_per_hour)
    end as break_even_rental_hours_with_power,
    case
        when median_usd_per_gpu_hour > electricity_usd_per_hour
            then purchase_price_usd / (median_usd_per_gpu_hour - electricity_usd_per_hour) / 8760.0
    end as break_even_years_at_full_use
from costs
