{#
  marts.fct_training_fact_sources in long form: one row per (model, fact, source) with a value. facts: params_b (B),
  gpu_hours (GPU-h), energy_mwh (MWh), co2_t (t CO2e). source_rank orders a model's sources: the primary footprint
  row first, then by kind and key. Read by fct_training_fact_ranges and fct_training_fact_disagreements.
#}
with sources as (
    select
        *,
        row_number() over (
            partition by model_name
            order by (not is_primary_source), source_kind, source_key
        ) as source_rank
    from {{ ref('fct_training_fact_sources') }}
),

unpivoted as (
    select model_name, 'params_b' as fact, 'B parameters' as unit, params_b as value, false as energy_derived,
        source_rank, source_label, source_key, is_primary_source, assumption, citation
    from sources
    union all
    select model_name, 'gpu_hours', 'GPU-hours', gpu_hours, false,
        source_rank, source_label, source_key, is_primary_source, assumption, citation
    from sources
    union all
    select model_name, 'energy_mwh', 'MWh', energy_mwh, energy_derived,
        source_rank, source_label, source_key, is_primary_source, assumption, citation
    from sources
    union all
    select model_name, 'co2_t', 't CO2e', co2_t, false,
        source_rank, source_label, source_key, is_primary_source, assumption, citation
    from sources
)

select * from unpivoted
where value is not null
