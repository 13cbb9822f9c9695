{#
  Memory per model and weight precision (seed figures 3-4), for every model with a known size: the primary
  training-footprint rows plus the models of the architecture seed (fine-tunes listed there with same_weights_as
  are left out: they weigh what their base weighs).
  - params_b: the exact count (seed model_architectures, cited per row), else the footprint's published size;
    mixture-of-experts models count ALL their parameters here (every expert is held in memory; active_params_b is
    shown beside it).
  - weight_gb = params_b x bytes_per_param (GB = 1e9 bytes; MEASUREMENT.md: 405B at fp32 = 1,620 GB); bytes per
    parameter from seed reference.precision_bytes.
  - weight_gb_per_t_training_tokens = weight_gb / training_tokens_t (where the token count is published).
  - kv_cache_bytes_per_token = 2 (K and V) x n_layers x n_kv_heads x head_dim x kv_cache_bytes_per_value, where the
    architecture is known (Gemma 2's sliding-window layers make its figure an upper bound). The cache is held in the
    activation type, not the weight type: weight-only int8/int4 (and fp8 / mxfp4 weights) keep a 16-bit cache, fp32
    a 32-bit one (seed precision_bytes.kv_cache_bytes_per_value).
#}
with training as (
    select * from {{ ref('int_training_runs_flagged') }}
    where is_primary_accounting and params_b > 0
),

counts as (
    select * from {{ ref('int_model_parameter_counts') }}
    where same_weights_as is null
),

precisions as (
    select * from {{ ref('precision_bytes') }}
),

training_keyed as (
    select *, {{ catalog_model_key('model_name') }} as model_key from training
),

models as (
    select
        coalesce(t.model_name, c.model_name) as model_name,
        coalesce(t.family, c.family) as family,
        coalesce(c.params_b_exact, t.params_b) as params_b,
        c.params_b_exact,
        c.nominal_size,
        c.active_params_b,
        coalesce(c.is_moe, false) as is_moe,
        t.training_tokens_t,
        c.n_layers,
        c.n_kv_heads,
        c.head_dim,
        c.source as architecture_source
    from training_keyed as t
    full outer join counts as c on t.model_key = c.model_key
),

final as (
    select
        m.model_name,
        m.family,
        m.params_b,
        m.params_b_exact,
        m.nominal_size,
        m.active_params_b,
        m.is_moe,
        {{ size_class('m.params_b_min', 'm.params_b_max') }} as size_class,
        p.precision,
        p.bytes_per_param,
        p.kv_cache_bytes_per_value,
        m.params_b * p.bytes_per_param as weight_gb,
        p.bytes_per_param as weight_gb_per_b_params,
        m.training_tokens_t,
        case when m.training_tokens_t > 0 then m.params_b * p.bytes_per_param / m.training_tokens_t end
            as weight_gb_per_t_training_tokens,
        case when m.params_b > 0 then m.training_tokens_t * 1000 / m.params_b end as training_tokens_per_param,
        m.n_layers,
        m.n_kv_heads,
        m.head_dim,
        2 * m.n_layers * m.n_kv_heads * m.head_dim * p.kv_cache_bytes_per_value as kv_cache_bytes_per_token,
        2 * m.n_layers * m.n_kv_heads * m.head_dim * p.kv_cache_bytes_per_value * 1000 / 1e6
            as kv_cache_mb_per_1k_tokens,
        m.architecture_source,
        p.source as precision_source
    from (
        select
            *,
            {{ params_b_lower_bound('params_b', 'params_b_exact is not null') }} as params_b_min,
            {{ params_b_upper_bound('params_b', 'params_b_exact is not null') }} as params_b_max
        from models
    ) as m
    cross join precisions as p
)

select * from final
