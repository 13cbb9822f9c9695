"""The leaderboard's fetch log and history: each fetch of a board appended to raw.open_llm_leaderboard_history /
_fetches (the board table itself and its quarantine are loaded by :mod:`greenlm_assets.lib.raw_load`)."""

from __future__ import annotations

import duckdb
import pandas as pd

from greenlm_assets.lib.catalog.leaderboard import TABLES, LeaderboardFetch
from greenlm_assets.lib.raw_load import ROW_COLUMN, LoadSummary, load_raw_staged, load_raw_table

HISTORY_COLUMNS = {
    "v1": {
        "submission_id": "concat_ws('_', fullname, precision)",
        "model_name": "fullname",
        "precision": "precision",
        "params_b": "TRY_CAST(params_b AS DOUBLE)",
        "average_score": "TRY_CAST(average AS DOUBLE)",
        "eval_co2_kg": "CAST(NULL AS DOUBLE)",
    },
    "v2": {
        "submission_id": "id",
        "model_name": "model_name",
        "precision": "model_precision",
        "params_b": "TRY_CAST(metadata_params_billions AS DOUBLE)",
        "average_score": "TRY_CAST(model_average_score AS DOUBLE)",
        "eval_co2_kg": "TRY_CAST(metadata_co2_cost AS DOUBLE)",
    },
}


def record_fetch(con: duckdb.DuckDBPyConnection, fetch: LeaderboardFetch, summary: LoadSummary) -> None:
    """Append this fetch to the history (idempotent: a re-fetch of identical bytes replaces its own rows).

    The history rows are selected from ``raw.<board table>``, which the load just replaced with this fetch.
    """
    cols = HISTORY_COLUMNS[fetch.board]
    select = ", ".join(f"{expr} AS {name}" for name, expr in cols.items())
    staged = f"_history_{fetch.board}"
    # A view, not a copy: validation and the insert each scan the freshly loaded table (fetch_id is hex, board a
    # Literal, so inlining them is safe).
    con.execute(
        f'CREATE OR REPLACE TEMP VIEW "{staged}" AS SELECT row_number() OVER () AS {ROW_COLUMN}, '
        f"'{fetch.fetch_id}' AS fetch_id, '{fetch.board}' AS board, {select} FROM raw.{TABLES[fetch.board]}"
    )
    where = "fetch_id = ? AND board = ?"
    common = {"source": f"open_llm_leaderboard_{fetch.board}_{fetch.mode}", "source_ref": fetch.source_ref}
    try:
        load_raw_staged(
            con,
            "open_llm_leaderboard_history",
            staged,
            replace_where=where,
            replace_params=[fetch.fetch_id, fetch.board],
            **common,
        )
    finally:
        con.execute(f'DROP VIEW IF EXISTS temp."{staged}"')
    log = pd.DataFrame(
        [
            {
                "fetch_id": fetch.fetch_id,
                "board": fetch.board,
                "mode": fetch.mode,
                "fetched_at": fetch.fetched_at,
                "row_count": summary.rows,
                "quarantined_count": summary.quarantined,
                "content_sha256": fetch.content_sha256,
                "location": fetch.location,
            }
        ]
    )
    load_raw_table(
        con,
        "open_llm_leaderboard_fetches",
        log,
        replace_where=where,
        replace_params=[fetch.fetch_id, fetch.board],
        **common,
    )


def table_for(board: str) -> str:
    return TABLES[board]
