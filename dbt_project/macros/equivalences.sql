{#
  Energy and CO2 in everyday units (the "Smaller is smarter" article), constants from seed
  reference.equivalence_constants (one source each). equivalence_constants() is a one-row select of the constants;
  equivalences() emits the three columns from kWh and kg expressions and the alias of that row:
    person_years_of_electricity = energy_kwh / kwh_per_person_year
    diesel_litres               = co2_kg / kg_co2_per_litre_diesel
    car_km                      = co2_kg x 1000 / g_co2_per_km_passenger_car
  digits: optional rounding per column (person-years, litres, km).
#}
{% macro equivalence_constants() -%}
    select
        max(value) filter (where constant_key = 'kwh_per_person_year') as kwh_per_person_year,
        max(value) filter (where constant_key = 'kg_co2_per_litre_diesel') as kg_co2_per_litre_diesel,
        max(value) filter (where constant_key = 'g_co2_per_km_passenger_car') as g_co2_per_km_passenger_car
    from {{ ref('equivalence_constants') }}
{%- endmacro %}

{% macro equivalences(energy_kwh, co2_kg, c='c', digits=none) -%}
    {%- set exprs = [
        '(' ~ energy_kwh ~ ') / ' ~ c ~ '.kwh_per_person_year',
        '(' ~ co2_kg ~ ') / ' ~ c ~ '.kg_co2_per_litre_diesel',
        '(' ~ co2_kg ~ ') * 1000 / ' ~ c ~ '.g_co2_per_km_passenger_car',
    ] -%}
    {%- set names = ['person_years_of_electricity', 'diesel_litres', 'car_km'] -%}
    {%- for e in exprs -%}
        {%- if digits is not none %}round({{ e }}, {{ digits[loop.index0] }}){% else %}{{ e }}{% endif %} as {{ names[loop.index0] }}
        {%- if not loop.last %},
        {% endif -%}
    {%- endfor -%}
{%- endmacro %}
