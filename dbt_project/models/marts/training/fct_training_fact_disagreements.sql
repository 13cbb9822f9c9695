{#
  Every disagreement over var training_fact_disagreement_ratio (default 2) between two sources of one training fact
  (marts.fct_training_fact_sources, long form in int_training_fact_values): both values, both sources with their
  assumptions and citations, the ratio greater / smaller. Every pair of sources is compared, not only pairs with the
  primary footprint row (involves_primary says which). Listed, never averaged away or resolved.
#}
with long as (
    select * from {{ ref('int_training_fact_values') }}
),

pairs as (
    select
        a.model_name,
        a.fact,
        a.unit,
        a.source_label as source_a,
        a.value as value_a,
        a.is_primary_source as source_a_is_primary,
        a.assumption as assumption_a,
        a.citation as citation_a,
        b.source_label as source_b,
        b.value as value_b,
        b.assumption as assumption_b,
        b.citation as citation_b,
        a.is_primary_source or b.is_primary_source as involves_primary,
        round(greatest(a.value, b.value) / least(a.value, b.value), 3) as ratio
    from long as a
    inner join long as b
        on a.model_name = b.model_name and a.fact = b.fact and a.source_rank < b.source_rank
    where a.value > 0 and b.value > 0
)

select *
from pairs
where ratio > {{ var('training_fact_disagreement_ratio', 2) }}
