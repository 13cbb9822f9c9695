{#
  CO2 per 1K output tokens of every measured run in every country of the grid table (long: run x country).
    g_co2e_per_1k_tokens = wh_per_1k_tokens / 1000 x grid_g_co2e_per_kwh   (MEASUREMENT.md)
  Grid intensity: staging.stg_codecarbon__grid_carbon_intensity (codecarbon's global_energy_mix.json, Our World in
  Data; data_year per row, location-based). The energy keeps the run's scope (energy_scope): a gpu-scope figure
  times the grid is the GPU's share only. Named examples of the seed SmolLM study: France, and South Carolina - no
  state-level intensity with a source is shipped, so South Carolina is the US national average (USA row).
  energy_is_estimate / provenance_clean come with the run (fct_inference_efficiency); the 95 % interval of the run's
  energy carries over: g_co2e_per_1k_tokens_ci95_low/high = wh_per_1k_tokens_ci95_low/high / 1000 x grid (the grid
  intensity's own uncertainty is not in it).
#}
with runs as (
    select
        inference_run_key,
        model_key,
        params_b,
        size_class,
        source,
        energy_scope,
        hardware,
        gpu_key,
        precision,
        batch_size,
        wh_per_1k_tokens,
        wh_per_1k_tokens_ci95_low,
        wh_per_1k_tokens_ci95_high,
        energy_source,
        energy_is_estimate,
        provenance_clean
    from {{ ref('fct_inference_efficiency') }}
    where wh_per_1k_tokens is not null
),

grid as (
    select country_iso3, country_name, g_co2e_per_kwh, data_year
    from {{ ref('stg_codecarbon__grid_carbon_intensity') }}
),

named_examples as (
    select * from (values
        ('USA', 'South Carolina, US (SmolLM study; US national average intensity)'),
        ('FRA', 'France (SmolLM study)')
    ) as t (country_iso3, named_example)
),

final as (
    select
        runs.*,
        grid.country_iso3,
        grid.country_name,
        grid.g_co2e_per_kwh as grid_g_co2e_per_kwh,
        grid.data_year as grid_data_year,
        runs.wh_per_1k_tokens / 1000 * grid.g_co2e_per_kwh as g_co2e_per_1k_tokens,
        runs.wh_per_1k_tokens_ci95_low / 1000 * grid.g_co2e_per_kwh as g_co2e_per_1k_tokens_ci95_low,
        runs.wh_per_1k_tokens_ci95_high / 1000 * grid.g_co2e_per_kwh as g_co2e_per_1k_tokens_ci95_high,
        named_examples.named_example
    from runs
    cross join grid
    left join named_examples on grid.country_iso3 = named_examples.country_iso3
)

select * from final
