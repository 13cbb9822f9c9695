with source as (
    select * from {{ source('epoch_ai', 'gpu_specs') }}
),

renamed as (
    select
        hardware_name,
        manufacturer,
        hardware_type,
        release_date,
        release_price_usd,
        memory_bytes / 1e9 as memory_gb,
        memory_bandwidth_bytes_s / 1e12 as memory_bandwidth_tb_s,
        tensor_fp16_bf16_flop_s / 1e12 as bf16_dense_tflop_s,
        fp8_flop_s / 1e12 as fp8_tflop_s,
        fp32_flop_s / 1e12 as fp32_tflop_s,
        int8_op_s / 1e12 as int8_top_s,
        tdp_w,
        price_source,
        _source,
        _source_ref
    from source
)

select * from renamed
