{#
  One row per published training run. energy_mwh is the published figure when there is one; otherwise
  gpu_hours x power_w / 1e6, flagged energy_derived (MEASUREMENT.md, "Training"). implied_g_co2e_per_kwh exposes
  figures that contradict each other (e.g. a CO2 total far too small for the energy) instead of hiding them.
#}
with runs as (
    select * from {{ ref('stg_training_footprint__runs') }}
),

-- exact parameter counts (seed model_architectures) for the size class: macros/size_class.sql
counts as (
    select model_key, params_b_exact from {{ ref('int_model_parameter_counts') }}
),

energy as (
    select
        runs.*,
        counts.params_b_exact,
        coalesce(energy_mwh_published, gpu_hours * power_w / 1e6) as energy_mwh,
        energy_mwh_published is null and gpu_hours * power_w is not null as energy_derived
    from runs
    left join counts on counts.model_key = {{ catalog_model_key('runs.model_name') }}
),

final as (
    select
        model_name,
        family,
        params_b,
        params_b_exact,
        {{ size_class(params_b_lower_bound('coalesce(params_b_exact, params_b)', 'params_b_exact is not null'),
            params_b_upper_bound('coalesce(params_b_exact, params_b)', 'params_b_exact is not null')) }} as size_class,
        gpu_type,
        gpu_hours,
        power_w,
        energy_mwh,
        energy_derived,
        co2_t_published as co2_t,
        training_tokens_t,
        case when energy_mwh > 0 and co2_t_published is not null
            then round(co2_t_published * 1e6 / (energy_mwh * 1000), 1) end as implied_g_co2e_per_kwh,
        -- No grid is cleaner than ~10 gCO2e/kWh nor dirtier than ~1,200: outside that, the published pair disagrees.
        case when energy_mwh > 0 and co2_t_published is not null
            then co2_t_published * 1e6 / (energy_mwh * 1000) between 10 and 1200 end as co2_energy_consistent,
        case when params_b > 0 then co2_t_published / params_b end as co2_t_per_b_params,
        citation,
        _source_ref
    from energy
)

select * from final
