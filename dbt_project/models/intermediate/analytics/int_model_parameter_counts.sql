{#
  Exact parameter counts from the cited seed reference.model_architectures, one row per catalog key
  (catalog_model_key(model_name), so "Llama 2 7B" joins llama-2-7b and "GPT-3 175B (Luccioni Table 4)" joins
  gpt-3-175b). A fine-tune listed with same_weights_as takes its base row's count, active count and shapes unless it
  gives its own (alpaca-7B adds a pad token). active_params_b is set for mixture-of-experts models only (parameters
  used per token; the total is what must be held in memory).
#}
with seed as (
    select * from {{ ref('model_architectures') }}
),

resolved as (
    select
        {{ catalog_model_key('s.model_name') }} as model_key,
        s.model_name,
        s.family,
        s.nominal_size,
        s.same_weights_as,
        coalesce(s.params_b_exact, b.params_b_exact) as params_b_exact,
        coalesce(s.active_params_b, b.active_params_b) as active_params_b,
        coalesce(s.n_layers, b.n_layers) as n_layers,
        coalesce(s.n_heads, b.n_heads) as n_heads,
        coalesce(s.n_kv_heads, b.n_kv_heads) as n_kv_heads,
        coalesce(s.head_dim, b.head_dim) as head_dim,
        s.source || case when s.same_weights_as is not null then ' | base: ' || b.source else '' end as source
    from seed as s
    left join seed as b on s.same_weights_as = b.model_name
)

select
    *,
    coalesce(active_params_b < params_b_exact, false) as is_moe
from resolved
