-- Street price per GPU: the median listing over the var('street_price_window_days') days up to its latest listing
-- (one listing can be an outlier; a window of recent listings is what a buyer would have seen).
with prices as (
    select * from {{ ref('stg_gpu_prices__purchase_prices') }}
    where gpu_key is not null and price_kind = 'street'
),

latest as (
    select gpu_key, max(observed_date) as street_price_date
    from prices
    group by all
)

select
    latest.gpu_key,
    latest.street_price_date,
    median(prices.price_usd) as street_price_usd,
    count(*) as n_street_listings,
    min(prices.price_usd) as min_street_price_usd,
    max(prices.price_usd) as max_street_price_usd
from latest
inner join prices
    on prices.gpu_key = latest.gpu_key
    and prices.observed_date > latest.street_price_date - to_days({{ var('street_price_window_days') }})
group by all
