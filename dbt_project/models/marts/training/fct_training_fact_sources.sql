{#
  Every source of every training fact side by side (intermediate.int_training_fact_sources_unioned), with what each
  figure implies, so that two accountings of one run can be read with the assumption behind each - e.g. Llama 3.1
  405B: the model card (30.84M H100-hours x 700 W = 21.6 GWh, 8,930 t location-based) and the seed article (about
  16,000 GPUs x 80 days, 11 GWh, about 5,000 t on the European-average grid):
    implied_w_per_gpu      = energy_mwh x 1e6 / gpu_hours (W per GPU-hour, PUE included)
    implied_g_co2e_per_kwh = co2_t x 1e6 / (energy_mwh x 1000)
    person_years_of_electricity, diesel_litres, car_km (the article's ratio), car_km_epa: macro equivalences().
  Only rows with at least one of the four facts are kept.
#}
with sources as (
    select * from {{ ref('int_training_fact_sources_unioned') }}
    where coalesce(params_b, gpu_hours, energy_mwh, co2_t) is not null
),

subjects as (
    select fp.model_name, fp.family, fp.size_class, fp.gpu_tdp_w, flagged.counts_in_aggregates
    from {{ ref('fct_training_footprint') }} as fp
    inner join {{ ref('int_training_runs_flagged') }} as flagged on fp.model_name = flagged.model_name
),

constants as (
    {{ equivalence_constants() }}
),

final as (
    select
        s.subject_model_name as model_name,
        subjects.family,
        subjects.size_class,
        subjects.counts_in_aggregates,
        s.source_kind,
        s.source_key,
        s.source_label,
        s.is_primary_source,
        s.params_b,
        s.gpu_hours,
        s.energy_mwh,
        s.energy_derived,
        s.co2_t,
        case when s.gpu_hours > 0 then round(s.energy_mwh * 1e6 / s.gpu_hours, 1) end as implied_w_per_gpu,
        subjects.gpu_tdp_w,
        case when s.energy_mwh > 0 then round(s.co2_t * 1e6 / (s.energy_mwh * 1000), 1) end as implied_g_co2e_per_kwh,
        {{ equivalences('s.energy_mwh * 1000', 's.co2_t * 1000', digits=[1, 0, 0, 0]) }},
        s.assumption,
        s.read_from,
        s.citation
    from sources as s
    inner join subjects on s.subject_model_name = subjects.model_name
    cross join constants as c
)

select * from final
