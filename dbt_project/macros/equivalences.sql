{#
  Energy and CO2 in everyday units (the "Smaller is smarter" article), constants from seed
  reference.equivalence_constants (one source each). equivalence_constants() is a one-row select of the constants;
  equivalences() emits the four columns from kWh and kg expressions and the alias of that row:
    person_years_of_electricity = energy_kwh / kwh_per_person_year            (2,300 kWh: France, the article's)
    diesel_litres               = co2_kg / kg_co2_per_litre_diesel            (2.54 kg CO2 per litre)
    car_km                      = diesel_litres x km_per_litre_diesel_car     (the article's own ratio: ~2M l <-> ~28M km)
    car_km_epa                  = co2_kg x 1000 / g_co2_per_km_passenger_car  (alternative: US EPA, 400 g CO2/mile)
  digits: optional rounding per column (person-years, litres, km, km EPA).
#}
{% macro equivalence_constants() -%}
    select
        max(value) filter (where constant_key = 'kwh_per_person_year') as kwh_per_person_year,
        max(value) filter (where constant_key = 'kg_co2_per_litre_diesel') as kg_co2_per_litre_diesel,
        max(value) filter (where constant_key = 'km_per_litre_diesel_car') as km_per_litre_diesel_car,
        max(value) filter (where constant_key = 'g_co2_per_km_passenger_car') as g_co2_per_km_passenger_car
    from {{ ref('equivalence_constants') }}
{%- endmacro %}

{% macro equivalences(energy_kwh, co2_kg, c='c', digits=none) -%}
    {%- set exprs = [
        '(' ~ energy_kwh ~ ') / ' ~ c ~ '.kwh_per_person_year',
        '(' ~ co2_kg ~ ') / ' ~ c ~ '.kg_co2_per_litre_diesel',
        '(' ~ co2_kg ~ ') / ' ~ c ~ '.kg_co2_per_litre_diesel * ' ~ c ~ '.km_per_litre_diesel_car',
        '(' ~ co2_kg ~ ') * 1000 / ' ~ c ~ '.g_co2_per_km_passenger_car',
    ] -%}
    {%- set names = ['person_years_of_electricity', 'diesel_litres', 'car_km', 'car_km_epa'] -%}
    {%- for e in exprs -%}
        {%- if digits is not none %}round({{ e }}, {{ digits[loop.index0] }}){% else %}{{ e }}{% endif %} as {{ names[loop.index0] }}
        {%- if not loop.last %},
        {% endif -%}
    {%- endfor -%}
{%- endmacro %}
