-- Contract of raw.open_llm_leaderboard_fetches: one row per distinct leaderboard fetch (live download or shipped
-- snapshot). fetch_id is the first 16 hex digits of the SHA-256 of the fetched bytes, so re-ingesting identical
-- content is idempotent (same fetch_id, row replaced) while a changed board gets a new fetch_id.
CREATE TABLE IF NOT EXISTS raw.open_llm_leaderboard_fetches (
    fetch_id VARCHAR NOT NULL,
    board VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    fetched_at TIMESTAMP NOT NULL,
    row_count BIGINT NOT NULL,
    quarantined_count BIGINT NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    _source VARCHAR NOT NULL,
    _source_ref VARCHAR NOT NULL,
    _ingested_at TIMESTAMP NOT NULL
);
