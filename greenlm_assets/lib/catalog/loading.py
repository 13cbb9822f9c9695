"""Load a catalog raw table with its quarantine, and the leaderboard's fetch log and history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from greenlm_assets.lib.catalog.frames import QUARANTINE_TABLE, Rule, split_quarantine
from greenlm_assets.lib.catalog.leaderboard import TABLES, LeaderboardFetch
from greenlm_assets.lib.raw_load import load_raw_table, read_ddl, validate


@dataclass
class LoadSummary:
    table: str
    rows: int
    quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)

    def metadata(self) -> dict[str, object]:
        return {
            "dagster/row_count": self.rows,
            "quarantined_rows": self.quarantined,
            "quarantine_reasons": self.reasons or {"none": 0},
        }


def load_with_quarantine(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    *,
    key_columns: Sequence[str],
    rules: Sequence[Rule] = (),
    source: str,
    source_ref: str,
    source_file: str,
) -> tuple[LoadSummary, pd.DataFrame]:
    """Quarantine bad rows, contract-check the rest, then replace ``raw.<table>`` and its quarantine slice.

    Type and required-field violations still fail the whole load (they mean the file changed shape); row-level
    problems (duplicates, absurd values) are set aside with a reason; the main table is validated and written
    before the quarantine slice, so a contract failure writes nothing. Returns the summary and the loaded rows.
    """
    good, bad = split_quarantine(frame, table, key_columns, rules)
    if not bad.empty:
        # Check the quarantine rows first: a failure after the main table's commit would leave the two apart.
        validate(bad, QUARANTINE_TABLE, source_file)
    n = load_raw_table(con, table, good, source=source, source_ref=source_ref, source_file=source_file)
    con.execute(read_ddl(QUARANTINE_TABLE))
    if bad.empty:
        con.execute(f"DELETE FROM raw.{QUARANTINE_TABLE} WHERE table_name = ?", [table])
    else:
        load_raw_table(
            con,
            QUARANTINE_TABLE,
            bad,
            source=source,
            source_ref=source_ref,
            source_file=source_file,
            replace_where=f"table_name = '{table}'",
        )
    reasons = bad["reason"].value_counts().to_dict() if not bad.empty else {}
    return LoadSummary(table, n, len(bad), {str(k): int(v) for k, v in reasons.items()}), good


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


def record_fetch(
    con: duckdb.DuckDBPyConnection, fetch: LeaderboardFetch, loaded: pd.DataFrame, summary: LoadSummary
) -> None:
    """Append this fetch to the history (idempotent: a re-fetch of identical bytes replaces its own rows)."""
    cols = HISTORY_COLUMNS[fetch.board]
    select = ", ".join(f"{expr} AS {name}" for name, expr in cols.items())
    scratch = duckdb.connect()
    try:
        scratch.register("loaded", loaded)
        history = scratch.sql(
            f"SELECT '{fetch.fetch_id}' AS fetch_id, '{fetch.board}' AS board, {select} FROM loaded"
        ).df()
    finally:
        scratch.close()
    where = f"fetch_id = '{fetch.fetch_id}' AND board = '{fetch.board}'"
    common = {"source": f"open_llm_leaderboard_{fetch.board}_{fetch.mode}", "source_ref": fetch.source_ref}
    load_raw_table(con, "open_llm_leaderboard_history", history, replace_where=where, **common)
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
    load_raw_table(con, "open_llm_leaderboard_fetches", log, replace_where=where, **common)


def table_for(board: str) -> str:
    return TABLES[board]
