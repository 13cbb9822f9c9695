{#
  Each training fact carries its range across sources (marts.fct_training_fact_sources): per (model, fact) the
  primary footprint value, the least and the greatest value any source gives, their ratio, which sources give them,
  and every source with its value. Nothing is averaged; a spread over var training_fact_disagreement_ratio (default
  2) is listed pair by pair in fct_training_fact_disagreements.
#}
with long as (
    select * from {{ ref('int_training_fact_values') }}
),

ranged as (
    select
        model_name,
        fact,
        any_value(unit) as unit,
        count(*) as n_sources,
        max(value) filter (where is_primary_source) as primary_value,
        bool_or(is_primary_source and energy_derived) as primary_value_derived,
        min(value) as min_value,
        max(value) as max_value,
        arg_min(source_label, value) as min_source,
        arg_max(source_label, value) as max_source,
        string_agg(source_label || ': ' || value::varchar, '; ' order by source_rank) as sources
    from long
    group by model_name, fact
)

select
    *,
    round(max_value / nullif(min_value, 0), 3) as max_to_min_ratio
from ranged
