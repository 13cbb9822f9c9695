"""raw.open_llm_leaderboard_v1 / _v2: the Open LLM Leaderboards, fetched through the ``leaderboard_client``.

The client is the shipped snapshot by default and the live Hugging Face dataset when ``GREENLM_LIVE=1`` (or when a
``LiveLeaderboardClient`` is bound). Each asset replaces its table with the latest fetch (the marts read that) and
appends the fetch to raw.open_llm_leaderboard_history / _fetches (idempotent per fetch_id = content hash).
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from greenlm_assets.lib.catalog.leaderboard import (
    KEY_COLUMNS,
    TABLES,
    Board,
    LeaderboardClient,
    quarantine_rules,
)
from greenlm_assets.lib.catalog.loading import load_staged_with_quarantine, record_fetch
from greenlm_assets.lib.catalog.raw_asset import CATALOG_GROUP, catalog_check_specs, catalog_checks
from greenlm_assets.lib.raw_assets import DUCKDB_POOL, md_preview

DESCRIPTIONS = {
    "v1": "Open LLM Leaderboard v1 (frozen 2024-06; ARC, HellaSwag, MMLU, TruthfulQA, Winogrande, GSM8K), latest fetch.",
    "v2": "Open LLM Leaderboard v2 (final 2025-03; IFEval, BBH, MATH, GPQA, MuSR, MMLU-Pro, eval CO2), latest fetch.",
}


def build_leaderboard_asset(board: Board) -> dg.AssetsDefinition:
    table = TABLES[board]

    @dg.asset(
        name=table,
        key_prefix=["raw"],
        group_name=CATALOG_GROUP,
        kinds={"duckdb", "python"},
        pool=DUCKDB_POOL,
        description=DESCRIPTIONS[board],
        check_specs=catalog_check_specs(table),
        metadata={"dagster/table_name": f"raw.{table}", "key_columns": list(KEY_COLUMNS[board])},
    )
    def _asset(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, leaderboard_client: LeaderboardClient
    ) -> dg.MaterializeResult:
        fetch = leaderboard_client.fetch(board)
        source = f"open_llm_leaderboard_{board}_{fetch.mode}"
        with duckdb.get_connection() as con:
            staged = f"_staged_{table}"
            fetch.stage(con, staged)  # a snapshot CSV is parsed by DuckDB straight into a temp table
            try:
                summary = load_staged_with_quarantine(
                    con,
                    table,
                    staged,
                    key_columns=KEY_COLUMNS[board],
                    rules=quarantine_rules(board),
                    source=source,
                    source_ref=fetch.source_ref,
                    source_file=fetch.location,
                )
            finally:
                con.execute(f'DROP TABLE IF EXISTS temp."{staged}"')
            record_fetch(con, fetch, summary)
            checks = catalog_checks(con, table, KEY_COLUMNS[board], summary)
            n_fetches = con.execute(
                "SELECT count(*) FROM raw.open_llm_leaderboard_fetches WHERE board = ?", [board]
            ).fetchone()[0]
            preview = con.execute(f"SELECT * EXCLUDE (_source_ref) FROM raw.{table} LIMIT 5").df()
        context.log.info(f"raw.{table}: {summary.rows} rows ({fetch.mode}, fetch {fetch.fetch_id})")
        return dg.MaterializeResult(
            metadata={
                **summary.metadata(),
                "fetch_id": fetch.fetch_id,
                "mode": fetch.mode,
                "location": fetch.location,
                "fetches_kept": n_fetches,
                "source_ref": fetch.source_ref,
                "preview": md_preview(preview),
            },
            check_results=checks,
        )

    return _asset


open_llm_leaderboard_v1 = build_leaderboard_asset("v1")
open_llm_leaderboard_v2 = build_leaderboard_asset("v2")
