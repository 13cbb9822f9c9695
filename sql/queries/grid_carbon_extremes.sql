-- The cleanest and dirtiest grids in the country table, and what 1 kWh of inference emits there (g CO2e).
(SELECT 'cleanest' AS end_of_table, country_iso3, country_name, g_co2e_per_kwh, data_year
 FROM staging.stg_codecarbon__grid_carbon_intensity WHERE total_twh > 1 ORDER BY g_co2e_per_kwh ASC LIMIT 10)
UNION ALL
(SELECT 'dirtiest', country_iso3, country_name, g_co2e_per_kwh, data_year
 FROM staging.stg_codecarbon__grid_carbon_intensity WHERE total_twh > 1 ORDER BY g_co2e_per_kwh DESC LIMIT 10);
