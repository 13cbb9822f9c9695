-- Contract of raw.gpu_price_observations: GPU rental prices, one row per quoted price (GPU config x provider x
-- pricing x region x time). Two writers, each owning its slice: the shipped snapshots (origin 'snapshot', replaced
-- whole) and the daily live scrape (origin 'scrape', replaced per scrape_date x price_source, so other days and
-- providers are never touched). Rows with a price <= 0 or > 200 USD/GPU-h keep a quarantine_reason and are not used
-- by the marts; rows whose GPU name is unknown keep gpu_key NULL and are reported.
CREATE TABLE IF NOT EXISTS raw.gpu_price_observations (
    origin VARCHAR NOT NULL,
    scrape_date DATE NOT NULL,
    observed_at TIMESTAMP NOT NULL,
    price_source VARCHAR NOT NULL,
    provider VARCHAR NOT NULL,
    provider_name VARCHAR,
    segment VARCHAR NOT NULL,
    pricing VARCHAR NOT NULL,
    price_stat VARCHAR NOT NULL,
    gpu_name_raw VARCHAR NOT NULL,
    gpu_key VARCHAR,
    gpu_count INTEGER,
    usd_per_hour DOUBLE,
    usd_per_gpu_hour DOUBLE,
    sample_size INTEGER,
    sku VARCHAR,
    region VARCHAR,
    quarantine_reason VARCHAR,
    _source VARCHAR NOT NULL,
    _source_ref VARCHAR NOT NULL,
    _ingested_at TIMESTAMP NOT NULL
);
