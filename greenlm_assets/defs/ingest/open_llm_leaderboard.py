"""raw.open_llm_leaderboard_v1 / _v2: the Open LLM Leaderboards, fetched through the ``leaderboard_client``.

The client is the shipped snapshot by default and the live Hugging Face dataset when ``GREENLM_LIVE=1`` (or when a
``LiveLeaderboardClient`` is bound). Each asset replaces its table with the latest fetch (the marts read that) and
appends the fetch to raw.open_llm_leaderboard_history / _fetches (idempotent per fetch_id = content hash).
"""

import sys

import dagster as dg
from dagster_duckdb import DuckDBResource

from greenlm_assets.lib import raw_load
from greenlm_assets.lib.automation import DAILY_SOURCE_FRESHNESS
from greenlm_assets.lib.catalog import leaderboard, loading
from greenlm_assets.lib.catalog.leaderboard import (
    KEY_COLUMNS,
    TABLES,
    Board,
    LeaderboardClient,
    LeaderboardFetch,
    quarantine_rules,
)
from greenlm_assets.lib.catalog.loading import record_fetch
from greenlm_assets.lib.fingerprint import fingerprint
from greenlm_assets.lib.raw_assets import (
    DUCKDB_POOL,
    RawIngestConfig,
    md_preview,
    raw_check_specs,
    raw_checks,
    table_data_version,
)
from greenlm_assets.lib.raw_load import (
    QUARANTINE_TABLE,
    load_staged_with_quarantine,
    previous_summary,
    read_ddl,
    record_ingest,
    unchanged_rows,
)

DESCRIPTIONS = {
    "v1": "Open LLM Leaderboard v1 (frozen 2024-06; ARC, HellaSwag, MMLU, TruthfulQA, Winogrande, GSM8K), latest fetch.",
    "v2": "Open LLM Leaderboard v2 (final 2025-03; IFEval, BBH, MATH, GPQA, MuSR, MMLU-Pro, eval CO2), latest fetch.",
}


def fetch_fingerprint(fetch: LeaderboardFetch) -> str:
    """What determines the board's table, quarantine slice and history rows: the fetched bytes (hashed by the
    client), the parsing/loading code, the rules and the contracts. No parsing needed."""
    tables = (
        TABLES[fetch.board],
        QUARANTINE_TABLE,
        "open_llm_leaderboard_history",
        "open_llm_leaderboard_fetches",
    )
    fp = fingerprint(
        [],
        modules=[sys.modules[__name__], leaderboard, loading, raw_load],
        texts=[
            fetch.content_sha256,
            fetch.mode,
            *map(read_ddl, tables),
            *(f"{r.condition} -> {r.reason}" for r in quarantine_rules(fetch.board)),
        ],
    )
    assert fp is not None  # no paths, so never None
    return fp


def build_leaderboard_asset(board: Board) -> dg.AssetsDefinition:
    table = TABLES[board]

    @dg.asset(
        name=table,
        key_prefix=["raw"],
        kinds={"duckdb", "python"},
        pool=DUCKDB_POOL,
        description=DESCRIPTIONS[board],
        freshness_policy=DAILY_SOURCE_FRESHNESS,  # stale when the daily leaderboard_refresh stops running
        check_specs=raw_check_specs(table, quarantine=True),
        metadata={"dagster/table_name": f"raw.{table}", "key_columns": list(KEY_COLUMNS[board])},
    )
    def _asset(
        context: dg.AssetExecutionContext,
        config: RawIngestConfig,
        duckdb: DuckDBResource,
        leaderboard_client: LeaderboardClient,
    ) -> dg.MaterializeResult:
        fetch = leaderboard_client.fetch(board)  # a snapshot is only hashed here, not parsed
        source = f"open_llm_leaderboard_{board}_{fetch.mode}"
        sha = fetch_fingerprint(fetch)
        with duckdb.get_connection() as con:
            # The log entry is written after the history and fetch rows, so it vouches for all three.
            n = None if config.force else unchanged_rows(con, table, sha)
            skipped = n is not None
            if n is not None:
                summary = previous_summary(con, table, n)
                if fetch.mode == "live":  # the same bytes fetched again: only the fetch time is news
                    con.execute(
                        "UPDATE raw.open_llm_leaderboard_fetches SET fetched_at = ? WHERE fetch_id = ? AND board = ?",
                        [fetch.fetched_at, fetch.fetch_id, board],
                    )
            else:
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
                        allow_shrink=config.force,
                    )
                finally:
                    con.execute(f'DROP TABLE IF EXISTS temp."{staged}"')
                record_fetch(con, fetch, summary)
                record_ingest(con, table, sha, summary.rows, fetch.source_ref)
            checks = raw_checks(con, table, KEY_COLUMNS[board], summary, quarantine=True)
            n_fetches = con.execute(
                "SELECT count(*) FROM raw.open_llm_leaderboard_fetches WHERE board = ?", [board]
            ).fetchone()[0]
            preview = con.execute(f"SELECT * EXCLUDE (_source_ref) FROM raw.{table} LIMIT 5").df()
            version = table_data_version(con, table)
        context.log.info(
            f"raw.{table}: {summary.rows} rows ({fetch.mode}, fetch {fetch.fetch_id})"
            + (" (unchanged, not reloaded)" if skipped else "")
        )
        return dg.MaterializeResult(
            data_version=version,
            metadata={
                **summary.metadata(),
                "skipped_unchanged": skipped,
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
