{#
  One row per published training run. energy_mwh is the published figure when there is one; otherwise
  gpu_hours x power_w / 1e6, flagged energy_derived (MEASUREMENT.md, "Training"). implied_g_co2e_per_kwh exposes
  figures that contradict each other (e.g. a CO2 total far too small for the energy) instead of hiding them.
  Physical plausibility (tests in _training__models.yml, failing the build and naming the row):
    w_per_gpu = energy_mwh x 1e6 / gpu_hours (average W per GPU-hour, PUE included) within [0.3, 1.6] x gpu_tdp_w
      (TDP of the GPU in dim_gpus, gpu_type -> gpu_key by seed training_gpu_keys; TPUs have no TDP here: unchecked);
    implied_g_co2e_per_kwh within [0, 1200].
  A post-trained derivative whose card repeats its parent's pretraining (seed training_run_lineage: Llama 3.3 70B ->
  Llama 3.1 70B) stays visible with is_independent_pretraining_run = false, so aggregates count the run once.
#}
with runs as (
    select * from {{ ref('stg_training_footprint__runs') }}
),

gpu_keys as (
    select * from {{ ref('training_gpu_keys') }}
),

gpus as (
    select gpu_key, tdp_w from {{ ref('dim_gpus') }}
),

lineage as (
    select * from {{ ref('training_run_lineage') }}
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
        energy.model_name,
        energy.family,
        energy.params_b,
        energy.params_b_exact,
        {{ size_class(params_b_lower_bound('coalesce(energy.params_b_exact, energy.params_b)', 'energy.params_b_exact is not null'),
            params_b_upper_bound('coalesce(energy.params_b_exact, energy.params_b)', 'energy.params_b_exact is not null')) }} as size_class,
        energy.gpu_type,
        energy.gpu_hours,
        energy.power_w,
        energy.energy_mwh,
        energy.energy_derived,
        energy.co2_t_published as co2_t,
        energy.training_tokens_t,
        case when energy.energy_mwh > 0 and energy.co2_t_published is not null
            then round(energy.co2_t_published * 1e6 / (energy.energy_mwh * 1000), 1) end as implied_g_co2e_per_kwh,
        -- No grid is cleaner than ~10 gCO2e/kWh nor dirtier than ~1,200: outside that, the published pair disagrees.
        case when energy.energy_mwh > 0 and energy.co2_t_published is not null
            then energy.co2_t_published * 1e6 / (energy.energy_mwh * 1000) between 10 and 1200
        end as co2_energy_consistent,
        case when energy.params_b > 0 then energy.co2_t_published / energy.params_b end as co2_t_per_b_params,
        gpu_keys.gpu_key,
        gpus.tdp_w as gpu_tdp_w,
        case when energy.gpu_hours > 0 then round(energy.energy_mwh * 1e6 / energy.gpu_hours, 1) end as w_per_gpu,
        case when energy.gpu_hours > 0 and gpus.tdp_w > 0
            then round(energy.energy_mwh * 1e6 / energy.gpu_hours / gpus.tdp_w, 3) end as w_per_gpu_to_tdp_ratio,
        lineage.pretraining_run_of,
        lineage.model_name is null as is_independent_pretraining_run,
        energy.citation,
        energy._source_ref
    from energy
    left join gpu_keys on energy.gpu_type = gpu_keys.gpu_type
    left join gpus on gpu_keys.gpu_key = gpus.gpu_key
    left join lineage on energy.model_name = lineage.model_name
)

select * from final
