{#
  Training footprints in everyday units, with the constants of reference.equivalence_constants (one source each;
  formulas in macro equivalences(), shared with fct_equivalences):
  person_years_of_electricity = energy_mwh x 1000 / kwh_per_person_year (2,300 kWh: France, the article's example),
  diesel_litres = co2_t x 1000 / kg_co2_per_litre_diesel (2.54),
  car_km = diesel_litres x km_per_litre_diesel_car (14 km/l: the article's own ~2M l <-> ~28M km),
  car_km_epa = co2_t x 1e6 / g_co2_per_km_passenger_car (US EPA, 400 g/mile: the alternative).
  Every footprint row is kept (alternate accountings and derivatives too), so each published figure can be read on
  its own; counts_in_aggregates says which rows the size-class medians count.
#}
with footprint as (
    select * from {{ ref('int_training_runs_flagged') }}
    where energy_mwh is not null or co2_t is not null
),

constants as (
    {{ equivalence_constants() }}
),

final as (
    select
        f.model_name,
        f.family,
        f.params_b,
        f.size_class,
        f.energy_mwh,
        f.energy_derived,
        f.co2_t,
        f.co2_energy_consistent,
        f.is_primary_accounting,
        f.counts_in_aggregates,
        {{ equivalences('f.energy_mwh * 1000', 'f.co2_t * 1000', digits=[1, 0, 0, 0]) }},
        f.citation
    from footprint as f
    cross join constants as c
)

select * from final
