-- Contract of raw.open_llm_leaderboard_v1: the Open LLM Leaderboard v1 (frozen 2024-06), one row per evaluated
-- (model, precision) submission, columns as in the fboulnois CSV export (see SOURCE.txt). Scores are percent.
-- params_b is the board's integer-rounded size (0 = below 0.5 B or unknown).
CREATE TABLE IF NOT EXISTS raw.open_llm_leaderboard_v1 (
    t VARCHAR,
    model VARCHAR NOT NULL,
    average DOUBLE,
    arc DOUBLE,
    hellaswag DOUBLE,
    mmlu DOUBLE,
    truthfulqa DOUBLE,
    winogrande DOUBLE,
    gsm8k DOUBLE,
    type VARCHAR,
    architecture VARCHAR,
    weight_type VARCHAR,
    precision VARCHAR NOT NULL,
    merged BOOLEAN,
    hub_license VARCHAR,
    params_b DOUBLE,
    hub_hearts BIGINT,
    available_on_the_hub BOOLEAN,
    model_sha VARCHAR,
    flagged BOOLEAN,
    moe BOOLEAN,
    date TIMESTAMP,
    fullname VARCHAR NOT NULL,
    url VARCHAR,
    _source VARCHAR NOT NULL,
    _source_ref VARCHAR NOT NULL,
    _ingested_at TIMESTAMP NOT NULL
);
