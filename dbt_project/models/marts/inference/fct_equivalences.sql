{#
  Any energy / CO2 figure of GreenLM in everyday units (person-years of electricity, litres of diesel, car km by the
  article's ratio and by US EPA's), one formula for all (macro equivalences(), seed equivalence_constants):
  - training: every published training footprint (int_training_runs_flagged; alternate accountings kept);
  - inference_per_1m_tokens: 1M output tokens at the SLM and LLM median Wh per 1K tokens of each energy scope
    (fct_size_class_comparison, each scope's reference setup), on the named grids of fct_co2_per_1k_tokens: USA
    (the SmolLM study ran in South Carolina; US average intensity) and FRA (France: the article's per-person
    electricity example and GreenLM's default harness country - the SmolLM study names no such country).
    1M tokens x Wh/1K tokens / 1000 = kWh.
#}
with constants as (
    {{ equivalence_constants() }}
),

training as (
    select
        'training' as figure_kind,
        model_name as subject,
        size_class,
        null::varchar as energy_scope,
        null::varchar as country_iso3,
        energy_mwh * 1000 as energy_kwh,
        co2_t * 1000 as co2_kg
    from {{ ref('int_training_runs_flagged') }}
    where energy_mwh is not null or co2_t is not null
),

class_medians as (
    select replace(metric, 'inference_wh_per_1k_tokens_', '') as energy_scope, 'SLM' as size_class,
        slm_median as wh_per_1k_tokens
    from {{ ref('fct_size_class_comparison') }}
    where metric like 'inference_wh_per_1k_tokens_%'
    union all
    select replace(metric, 'inference_wh_per_1k_tokens_', ''), 'LLM', llm_median
    from {{ ref('fct_size_class_comparison') }}
    where metric like 'inference_wh_per_1k_tokens_%'
),

grids as (
    select distinct country_iso3, grid_g_co2e_per_kwh
    from {{ ref('fct_co2_per_1k_tokens') }}
    where named_example is not null
),

inference as (
    select
        'inference_per_1m_tokens' as figure_kind,
        class_medians.size_class || ' median, ' || class_medians.energy_scope || ' scope, 1M output tokens'
            as subject,
        class_medians.size_class,
        class_medians.energy_scope,
        grids.country_iso3,
        class_medians.wh_per_1k_tokens as energy_kwh,
        class_medians.wh_per_1k_tokens * grids.grid_g_co2e_per_kwh / 1000 as co2_kg
    from class_medians
    cross join grids
    where class_medians.wh_per_1k_tokens is not null
),

unioned as (
    select * from training
    union all
    select * from inference
),

final as (
    select
        u.*,
        {{ equivalences('u.energy_kwh', 'u.co2_kg') }}
    from unioned as u
    cross join constants as c
)

select * from final
