{#
  Memory per model and weight precision (seed figures 3-4), for every model with a known size: the primary
  training-footprint rows plus the small models of the architecture seed.
  - weight_gb = params_b x bytes_per_param (GB = 1e9 bytes; MEASUREMENT.md: 405B at fp32 = 1,620 GB).
  - weight_gb_per_t_training_tokens = weight_gb / training_tokens_t (where the token count is published).
  - kv_cache_bytes_per_token = 2 (K and V) x n_layers x n_kv_heads x head_dim x bytes_per_param, the cache held
    at the same precision as the row (where the architecture is known; Gemma 2's sliding-window layers make its
    figure an upper bound).
#}
with training as (
    select * from {{ ref('int_training_runs_flagged') }}
    where is_primary_accounting and params_b > 0
),

architectures as (
    select * from {{ ref('model_architectures') }}
),

precisions as (
    select * from {{ ref('precision_bytes') }}
),

models as (
    select
        coalesce(t.model_name, a.model_name) as model_name,
        coalesce(t.family, a.family) as family,
        -- The published (nominal) size when the training table has it, so size classes agree across marts.
        coalesce(t.params_b, a.params_b) as params_b,
        t.training_tokens_t,
        a.n_layers,
        a.n_kv_heads,
        a.head_dim,
        a.source as architecture_source
    from training as t
    full outer join architectures as a on t.model_name = a.model_name
),

final as (
    select
        m.model_name,
        m.family,
        m.params_b,
        {{ size_class('m.params_b') }} as size_class,
        p.precision,
        p.bytes_per_param,
        m.params_b * p.bytes_per_param as weight_gb,
        p.bytes_per_param as weight_gb_per_b_params,
        m.training_tokens_t,
        case when m.training_tokens_t > 0 then m.params_b * p.bytes_per_param / m.training_tokens_t end
            as weight_gb_per_t_training_tokens,
        case when m.params_b > 0 then m.training_tokens_t * 1000 / m.params_b end as training_tokens_per_param,
        m.n_layers,
        m.n_kv_heads,
        m.head_dim,
        2 * m.n_layers * m.n_kv_heads * m.head_dim * p.bytes_per_param as kv_cache_bytes_per_token,
        2 * m.n_layers * m.n_kv_heads * m.head_dim * p.bytes_per_param * 1000 / 1e6 as kv_cache_mb_per_1k_tokens,
        m.architecture_source,
        p.source as precision_source
    from models as m
    cross join precisions as p
)

select * from final
