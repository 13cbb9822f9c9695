-- Contract of raw.training_footprint: published training facts per model, every row citing its source.
-- Units in names: params_b = billions of parameters, power_w per GPU, energy_mwh, co2_t (tonnes CO2e),
-- training_tokens_t = trillions of tokens. Empty cells mean "not published", never zero.
-- CHECKs are part of the contract: a negative count, energy or mass is refused naming the row (raw_load.validate_staged).
CREATE TABLE IF NOT EXISTS raw.training_footprint (
    model VARCHAR NOT NULL,
    family VARCHAR NOT NULL,
    params_b DOUBLE CHECK (params_b >= 0),
    gpu_hours DOUBLE CHECK (gpu_hours >= 0),
    gpu_type VARCHAR,
    power_w DOUBLE CHECK (power_w >= 0),
    energy_mwh DOUBLE CHECK (energy_mwh >= 0),
    co2_t DOUBLE CHECK (co2_t >= 0),
    training_tokens_t DOUBLE CHECK (training_tokens_t >= 0),
    source_url_or_path VARCHAR NOT NULL,
    _source VARCHAR NOT NULL,
    _source_ref VARCHAR NOT NULL,
    _ingested_at TIMESTAMP NOT NULL
);
