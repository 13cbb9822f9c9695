-- Contract of raw.grid_carbon_intensity: electricity carbon intensity per country (ISO 3166-1 alpha-3),
-- as shipped by the installed codecarbon package (global_energy_mix.json, Our World in Data values).
CREATE TABLE IF NOT EXISTS raw.grid_carbon_intensity (
    country_iso3 VARCHAR NOT NULL,
    country_name VARCHAR NOT NULL,
    g_co2e_per_kwh DOUBLE NOT NULL CHECK (g_co2e_per_kwh >= 0),
    data_year INTEGER,
    total_twh DOUBLE CHECK (total_twh >= 0),
    fossil_twh DOUBLE CHECK (fossil_twh >= 0),
    low_carbon_twh DOUBLE CHECK (low_carbon_twh >= 0),
    renewables_twh DOUBLE CHECK (renewables_twh >= 0),
    nuclear_twh DOUBLE CHECK (nuclear_twh >= 0),
    _source VARCHAR NOT NULL,
    _source_ref VARCHAR NOT NULL,
    _ingested_at TIMESTAMP NOT NULL
);
