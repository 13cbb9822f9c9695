with source as (
    select * from {{ source('epoch_ai', 'gpu_specs') }}
),

-- gpu_key from the one Python normaliser (raw.gpu_name_map), so names are never re-normalised in SQL.
name_map as (
    select gpu_name_raw, gpu_key from {{ source('gpu_prices', 'gpu_name_map') }}
    where name_source = 'epoch_ai'
),

renamed as (
    select
        source.hardware_name,
        name_map.gpu_key,
        source.manufacturer,
        source.hardware_type,
        source.release_date,
        year(source.release_date) as launch_year,
        source.release_price_usd,
        -- Epoch's "Release price" is a launch list price unless its source says it is an estimate.
        case
            when source.release_price_usd is null then null
            when regexp_matches(
                lower(coalesce(source.price_source, '')),
                'no official msrp|analyst|semianalysis|nextplatform|tomshardware|trendforce|microway|hardwarezone'
            ) then 'analyst_estimate'
            else 'list'
        end as release_price_kind,
        source.memory_bytes / 1e9 as memory_gb,
        source.memory_bandwidth_bytes_s / 1e12 as memory_bandwidth_tb_s,
        source.tensor_fp16_bf16_flop_s / 1e12 as bf16_dense_tflop_s,
        source.fp16_flop_s / 1e12 as fp16_tflop_s,
        source.fp8_flop_s / 1e12 as fp8_tflop_s,
        source.fp32_flop_s / 1e12 as fp32_tflop_s,
        source.int8_op_s / 1e12 as int8_top_s,
        source.tdp_w,
        source.price_source,
        source._source,
        source._source_ref
    from source
    left join name_map on source.hardware_name = name_map.gpu_name_raw
)

select * from renamed
