{#
  One row per (metric, model): the points every size curve, bin, median and fit is computed from. Long format, so
  later metrics (e.g. inference Wh per 1K tokens) are one more `union all` branch with the same columns.
  A point is kept out of the aggregates (included = false, with the reason) when it is an alternate accounting of a
  model already counted, or - for CO2 only - when its CO2 contradicts its energy (co2_energy_consistent = false,
  e.g. Llama 3.3 70B's 12.9 t for 4,900 MWh).
#}
with runs as (
    select * from {{ ref('int_training_runs_flagged') }}
    where params_b > 0
),

training_energy as (
    select
        'training_energy_mwh' as metric,
        'MWh' as unit,
        model_name,
        family,
        params_b,
        energy_mwh as value,
        case when not is_primary_accounting then 'alternate_accounting' end as exclusion_reason,
        'marts.fct_training_footprint' as source_table
    from runs
    where energy_mwh > 0
),

training_co2 as (
    select
        'training_co2_t' as metric,
        't CO2e' as unit,
        model_name,
        family,
        params_b,
        co2_t as value,
        case
            when not is_primary_accounting then 'alternate_accounting'
            when co2_energy_consistent = false then 'co2_inconsistent_with_energy'
        end as exclusion_reason,
        'marts.fct_training_footprint' as source_table
    from runs
    where co2_t > 0
),

unioned as (
    select * from training_energy
    union all
    select * from training_co2
),

final as (
    select
        metric,
        unit,
        model_name,
        family,
        params_b,
        {{ size_class('params_b') }} as size_class,
        value,
        exclusion_reason is null as included,
        exclusion_reason,
        source_table
    from unioned
)

select * from final
