"""Daily leaderboard refresh: re-fetch both Open LLM Leaderboards and rebuild the catalog models that read them.

Price-independent: the job selects only the leaderboard raw assets and the dbt models downstream of them inside the
staging/intermediate/marts layers (no GPU-price scrapes, no charts). Offline, it re-ingests the shipped snapshot
idempotently (same content -> same fetch_id -> no new history rows); with ``GREENLM_LIVE=1`` it downloads the
HF dataset and every changed board becomes a new fetch in raw.open_llm_leaderboard_history.
"""

import dagster as dg

LEADERBOARD_ASSETS = dg.AssetSelection.assets(
    dg.AssetKey(["raw", "open_llm_leaderboard_v1"]), dg.AssetKey(["raw", "open_llm_leaderboard_v2"])
)

leaderboard_refresh_job = dg.define_asset_job(
    name="leaderboard_refresh_job",
    selection=LEADERBOARD_ASSETS
    | (
        LEADERBOARD_ASSETS.downstream()
        & dg.AssetSelection.key_prefixes(["staging"], ["intermediate"], ["marts"])
    ),
    description="Re-fetch the Open LLM Leaderboards (snapshot or live) and rebuild the models that read them.",
)

leaderboard_refresh = dg.ScheduleDefinition(
    name="leaderboard_refresh",
    job=leaderboard_refresh_job,
    cron_schedule="17 4 * * *",  # daily, off the hour
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,  # offline runs are idempotent and cheap
    description=(
        "Daily 04:17 UTC refresh of the Open LLM Leaderboards and the models that read them. Offline (default): "
        "re-ingests the shipped snapshot, a no-op when unchanged, which keeps the leaderboards fresh. Live "
        "(GREENLM_LIVE=1): downloads the Hugging Face datasets, every changed board kept as a new fetch. The charts "
        "and report then follow through the automation sensor."
    ),
)
