{#
  Plausibility (issue 16): every memory figure GreenLM publishes is at least parameters x bytes per parameter of
  seed reference.precision_bytes (no SQL literal may drift from it), and a KV cache is never held below 16 bits
  whatever the weight precision (weight-only quantization leaves activations and the cache in 16-bit). Failing
  rows are named.
#}
with bytes as (
    select precision, bytes_per_param from {{ ref('precision_bytes') }}
),

memory_mart as (
    select
        'fct_memory_ratios' as model, m.model_name as row_name, m.precision, m.params_b, b.bytes_per_param,
        m.weight_gb as memory_gb,
        m.kv_cache_bytes_per_token,
        2 * m.n_layers * m.n_kv_heads * m.head_dim * 2 as kv_cache_bytes_per_token_16bit
    from {{ ref('fct_memory_ratios') }} as m
    left join bytes as b on b.precision = m.precision
),

catalog as (
    select
        'dim_models' as model, d.model_key as row_name, d.precision, d.params_b, b.bytes_per_param,
        d.weight_memory_gb as memory_gb,
        null::double as kv_cache_bytes_per_token,
        null::double as kv_cache_bytes_per_token_16bit
    from {{ ref('dim_models') }} as d
    inner join bytes as b on b.precision = d.precision
    where d.params_b > 0
)

select *
from (select * from memory_mart union all select * from catalog)
where bytes_per_param is null
    or memory_gb is null
    or memory_gb < params_b * bytes_per_param * (1 - 1e-9)
    or kv_cache_bytes_per_token < kv_cache_bytes_per_token_16bit
