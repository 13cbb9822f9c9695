-- What hardware each model needs just to hold its weights, and what that costs to rent or buy (the seed study's
-- figure 7): GPUs needed = ceil(params x var('weight_bytes_per_param') x (1 + var('gpu_memory_headroom'))
-- / GPU memory). Models 135M .. 405B from the training-footprint table; every GPU with a memory size and a price.
with models as (
    select distinct model_name, params_b
    from {{ ref('stg_training_footprint__runs') }}
    where params_b is not null
),

gpus as (
    select * from {{ ref('dim_gpus') }}
    where memory_gb is not null
),

rental as (
    select gpu_key, median_usd_per_gpu_hour
    from {{ ref('fct_gpu_rental_prices') }}
    where pricing = 'on_demand'
),

sized as (
    select
        models.model_name,
        models.params_b,
        {{ size_class('models.params_b') }} as size_class,
        models.params_b * {{ var('weight_bytes_per_param') }} as weights_gb,
        gpus.gpu_key,
        gpus.memory_gb,
        ceil(
            models.params_b * {{ var('weight_bytes_per_param') }} * (1 + {{ var('gpu_memory_headroom') }})
            / gpus.memory_gb
        )::integer as gpus_needed,
        rental.median_usd_per_gpu_hour,
        gpus.purchase_price_usd,
        gpus.purchase_price_kind
    from models
    cross join gpus
    left join rental on gpus.gpu_key = rental.gpu_key
    where rental.median_usd_per_gpu_hour is not null or gpus.purchase_price_usd is not null
)

select
    *,
    gpus_needed * median_usd_per_gpu_hour as rental_usd_per_hour,
    gpus_needed * purchase_price_usd as purchase_usd
from sized
