-- Contract of raw.open_llm_leaderboard_history: the headline columns of every submission in every fetch
-- (fetch_id -> raw.open_llm_leaderboard_fetches), so users can see how the board changed between fetches.
-- The latest fetch of each board is also in raw.open_llm_leaderboard_v1 / _v2 in full.
CREATE TABLE IF NOT EXISTS raw.open_llm_leaderboard_history (
    fetch_id VARCHAR NOT NULL,
    board VARCHAR NOT NULL,
    submission_id VARCHAR NOT NULL,
    model_name VARCHAR NOT NULL,
    precision VARCHAR,
    params_b DOUBLE,
    average_score DOUBLE,
    eval_co2_kg DOUBLE,
    _source VARCHAR NOT NULL,
    _source_ref VARCHAR NOT NULL,
    _ingested_at TIMESTAMP NOT NULL
);
