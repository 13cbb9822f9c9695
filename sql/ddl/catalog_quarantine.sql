-- Contract of raw.catalog_quarantine: source rows of the model-catalog tables that were not loaded, with the
-- reason (duplicate key, absurd value, ...) and the whole source record as JSON. Each load replaces its own
-- table_name slice, so the table always shows what the latest load of each raw table set aside.
CREATE TABLE IF NOT EXISTS raw.catalog_quarantine (
    table_name VARCHAR NOT NULL,
    source_row BIGINT NOT NULL,
    record_key VARCHAR,
    reason VARCHAR NOT NULL,
    record_json VARCHAR NOT NULL,
    _source VARCHAR NOT NULL,
    _source_ref VARCHAR NOT NULL,
    _ingested_at TIMESTAMP NOT NULL
);
