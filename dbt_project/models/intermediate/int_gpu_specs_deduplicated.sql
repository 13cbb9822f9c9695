-- One Epoch spec row per gpu_key: Epoch sometimes lists a chip twice ("NVIDIA A100", "NVIDIA A100 SXM4 40 GB");
-- keep the row with the most filled-in specs, then the later release.
with specs as (
    select * from {{ ref('stg_epoch_ai__gpu_specs') }}
    where gpu_key is not null
)

select *
from specs
qualify row_number() over (
    partition by gpu_key
    order by
        (memory_bandwidth_tb_s is not null)::int + (bf16_dense_tflop_s is not null)::int
        + (tdp_w is not null)::int + (memory_gb is not null)::int + (release_price_usd is not null)::int desc,
        release_date desc nulls last,
        hardware_name
) = 1
