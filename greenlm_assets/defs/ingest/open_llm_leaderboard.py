"""raw.open_llm_leaderboard_v2: the final Open LLM Leaderboard v2 table (4,576 submissions)."""

from greenlm_assets.lib import sources
from greenlm_assets.lib.raw_assets import RawSource, build_raw_asset

open_llm_leaderboard_v2 = build_raw_asset(
    RawSource(
        table="open_llm_leaderboard_v2",
        source="open_llm_leaderboard_v2_snapshot",
        description="Open LLM Leaderboard v2 (final, 2025-03-21): scores, params, precision, eval CO2 per submission.",
        read=sources.read_leaderboard_v2,
        source_ref=lambda: sources.source_ref_for(sources.snapshot_file(sources.LEADERBOARD_V2_FILE)),
        source_file=lambda: str(sources.snapshot_file(sources.LEADERBOARD_V2_FILE)),
        key_columns=("id",),
    )
)
