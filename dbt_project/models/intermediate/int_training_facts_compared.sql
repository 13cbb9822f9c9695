{#
  Published training facts (marts.fct_training_footprint, every row and citation kept) next to Epoch AI's
  notable-models record of the same pretrained model (joined on base_model_key). Values that contradict each other
  are flagged, never silently resolved:
    params:    ratio of the two sizes > 1.25
    gpu_hours: footprint GPU-hours vs Epoch training_time_hours x hardware_quantity, ratio > 1.5
    energy:    footprint MWh (published, or GPU-hours x W: energy_derived_footprint) vs Epoch cluster power x
               training time / 1e6, ratio > 2 (Epoch's power is the whole cluster's - servers, network, PUE - so only
               a factor of two counts as a contradiction)
  Every other source of the same facts (the seed study's figures, papers that recompute them) is compared in
  marts.fct_training_fact_sources / fct_training_fact_disagreements, which read this model for Epoch's values.
#}
with footprint as (
    select
        *,
        {{ catalog_base_model_key(catalog_model_key('model_name')) }} as base_model_key
    from {{ ref('fct_training_footprint') }}
),

epoch as (
    select
        *,
        {{ catalog_base_model_key(catalog_model_key('model_name')) }} as base_model_key,
        training_time_hours * hardware_quantity as gpu_hours,
        training_power_draw_w * training_time_hours / 1e6 as energy_mwh
    from {{ ref('stg_epoch_ai__notable_models') }}
    where domain ilike '%language%'
    qualify row_number() over (partition by base_model_key order by publication_date, model_name) = 1
),

compared as (
    select
        f.model_name,
        f.base_model_key,
        f.citation,
        e.model_name as epoch_model_name,
        e.link as epoch_link,
        f.params_b as params_b_footprint,
        e.params_b as params_b_epoch,
        f.gpu_hours as gpu_hours_footprint,
        e.gpu_hours as gpu_hours_epoch,
        f.energy_mwh as energy_mwh_footprint,
        f.energy_derived as energy_derived_footprint,
        e.energy_mwh as energy_mwh_epoch,
        f.co2_t as co2_t_footprint,
        e.training_compute_flop,
        e.training_hardware as training_hardware_epoch,
        e.training_compute_cost_2023_usd,
        e.parameters_notes as params_notes_epoch,
        {{ catalog_ratio_exceeds('f.params_b', 'e.params_b', 1.25) }} as params_contradict,
        {{ catalog_ratio_exceeds('f.gpu_hours', 'e.gpu_hours', 1.5) }} as gpu_hours_contradict,
        {{ catalog_ratio_exceeds('f.energy_mwh', 'e.energy_mwh', 2) }} as energy_contradict
    from footprint as f
    left join epoch as e using (base_model_key)
)

select
    *,
    concat_ws(', ',
        case when params_contradict then 'params' end,
        case when gpu_hours_contradict then 'gpu_hours' end,
        case when energy_contradict then 'energy' end
    ) as contradictions,
    coalesce(params_contradict, false) or coalesce(gpu_hours_contradict, false)
        or coalesce(energy_contradict, false) as has_contradiction
from compared
