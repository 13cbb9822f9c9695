-- Contract of raw.gpu_purchase_prices: GPU card purchase prices over time, one row per listed price.
-- Street prices (Amazon/Keepa histories) are marketplace listings, not MSRP; price_kind says which.
CREATE TABLE IF NOT EXISTS raw.gpu_purchase_prices (
    gpu_name_raw VARCHAR NOT NULL,
    gpu_key VARCHAR,
    observed_at TIMESTAMP NOT NULL,
    price_usd DOUBLE NOT NULL,
    price_kind VARCHAR NOT NULL,
    retailer VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    _source VARCHAR NOT NULL,
    _source_ref VARCHAR NOT NULL,
    _ingested_at TIMESTAMP NOT NULL
);
