-- One row per GPU model (gpu_key) seen in any source: specs from Epoch AI, purchase price from street listings
-- (when at least var('street_price_min_listings') recent ones exist) or else Epoch's release price.
with specs as (
    select * from {{ ref('int_gpu_specs_deduplicated') }}
),

street as (
    select * from {{ ref('int_gpu_purchase_prices_summarised') }}
),

observations as (
    select * from {{ ref('stg_gpu_prices__observations') }}
    where gpu_key is not null
),

observed as (
    select
        gpu_key,
        mode(gpu_name_raw) as most_common_listed_name,
        count(*) filter (where is_usable) as n_rental_observations
    from observations
    group by all
),

keys as (
    select gpu_key from specs
    union
    select gpu_key from observed
    union
    select gpu_key from {{ ref('stg_gpu_prices__purchase_prices') }} where gpu_key is not null
),

joined as (
    select
        keys.gpu_key,
        coalesce(specs.hardware_name, observed.most_common_listed_name, keys.gpu_key) as gpu_name,
        specs.manufacturer,
        -- the key carries the (snapped) memory size, so every row has one, even without an Epoch spec row
        cast(regexp_extract(keys.gpu_key, '-([0-9]+)gb$', 1) as double) as memory_gb,
        specs.memory_bandwidth_tb_s,
        specs.bf16_dense_tflop_s,
        specs.fp16_tflop_s,
        specs.fp8_tflop_s,
        specs.tdp_w,
        specs.launch_year,
        specs.release_date,
        specs.release_price_usd,
        specs.release_price_kind,
        street.street_price_usd,
        street.street_price_date,
        coalesce(street.n_street_listings, 0) as n_street_listings,
        coalesce(street.n_street_listings, 0) >= {{ var('street_price_min_listings') }} as use_street_price,
        coalesce(observed.n_rental_observations, 0) as n_rental_observations,
        specs.hardware_name as epoch_hardware_name
    from keys
    left join specs on keys.gpu_key = specs.gpu_key
    left join street on keys.gpu_key = street.gpu_key
    left join observed on keys.gpu_key = observed.gpu_key
)

select
    gpu_key,
    gpu_name,
    manufacturer,
    memory_gb,
    memory_bandwidth_tb_s,
    bf16_dense_tflop_s,
    fp16_tflop_s,
    fp8_tflop_s,
    tdp_w,
    launch_year,
    case when use_street_price then street_price_usd else release_price_usd end as purchase_price_usd,
    case when use_street_price then 'street' else release_price_kind end as purchase_price_kind,
    case
        when use_street_price then street_price_date
        when release_price_usd is not null then release_date
    end as purchase_price_date,
    release_price_usd,
    release_price_kind,
    street_price_usd,
    street_price_date,
    n_street_listings,
    n_rental_observations,
    epoch_hardware_name
from joined
