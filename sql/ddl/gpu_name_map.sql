-- Contract of raw.gpu_name_map: every accelerator name in raw.gpu_specs mapped to its gpu_key by the one Python
-- normaliser (greenlm_assets.lib.gpu_market.normalise_gpu_name); gpu_key NULL = not a GPU model GreenLM prices.
CREATE TABLE IF NOT EXISTS raw.gpu_name_map (
    name_source VARCHAR NOT NULL,
    gpu_name_raw VARCHAR NOT NULL,
    gpu_key VARCHAR,
    _source VARCHAR NOT NULL,
    _source_ref VARCHAR NOT NULL,
    _ingested_at TIMESTAMP NOT NULL
);
