-- Contract of raw.training_footprint: published training facts per model, every row citing its source.
-- Units in names: params_b = billions of parameters, power_w per GPU, energy_mwh, co2_t (tonnes CO2e),
-- training_tokens_t = trillions of tokens. Empty cells mean "not published", never zero.
CREATE TABLE IF NOT EXISTS raw.training_footprint (
    model VARCHAR NOT NULL,
    family VARCHAR NOT NULL,
    params_b DOUBLE,
    gpu_hours DOUBLE,
    gpu_type VARCHAR,
    power_w DOUBLE,
    energy_mwh DOUBLE,
    co2_t DOUBLE,
    training_tokens_t DOUBLE,
    source_url_or_path VARCHAR NOT NULL,
    _source VARCHAR NOT NULL,
    _source_ref VARCHAR NOT NULL,
    _ingested_at TIMESTAMP NOT NULL
);
