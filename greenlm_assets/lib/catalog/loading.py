"""Load a catalog raw table with its quarantine, and the leaderboard's fetch log and history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from greenlm_assets.lib.catalog.frames import QUARANTINE_TABLE, Rule, judge
from greenlm_assets.lib.catalog.leaderboard import TABLES, LeaderboardFetch
from greenlm_assets.lib.raw_load import ROW_COLUMN, load_raw_staged, load_raw_table, read_ddl, validate_staged


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


def previous_summary(con: duckdb.DuckDBPyConnection, table: str, rows: int) -> LoadSummary:
    """The summary of the load that ``raw.<table>`` and its quarantine slice still hold (for a skipped reload)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = ?",
        [QUARANTINE_TABLE],
    ).fetchone()[0]
    reasons = (
        dict(
            con.execute(
                f"SELECT reason, count(*) FROM raw.{QUARANTINE_TABLE} WHERE table_name = ? GROUP BY ALL ORDER BY 1",
                [table],
            ).fetchall()
        )
        if exists
        else {}
    )
    return LoadSummary(table, rows, sum(reasons.values()), {str(k): int(v) for k, v in reasons.items()})


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
    allow_shrink: bool = False,
) -> tuple[LoadSummary, None]:
    """:func:`load_staged_with_quarantine` for an in-memory frame (live fetches, small third-party files)."""
    staged = f"_staged_{table}"
    if ROW_COLUMN not in frame.columns:
        frame = frame.assign(**{ROW_COLUMN: range(1, len(frame) + 1)})
    con.register("_incoming_frame", frame)
    try:
        con.execute(f'CREATE OR REPLACE TEMP TABLE "{staged}" AS SELECT * FROM _incoming_frame')
    finally:
        con.unregister("_incoming_frame")
    try:
        summary = load_staged_with_quarantine(
            con,
            table,
            staged,
            key_columns=key_columns,
            rules=rules,
            source=source,
            source_ref=source_ref,
            source_file=source_file,
            allow_shrink=allow_shrink,
        )
    finally:
        con.execute(f'DROP TABLE IF EXISTS temp."{staged}"')
    return summary, None


def load_staged_with_quarantine(
    con: duckdb.DuckDBPyConnection,
    table: str,
    staged: str,
    *,
    key_columns: Sequence[str],
    rules: Sequence[Rule] = (),
    source: str,
    source_ref: str,
    source_file: str,
    allow_shrink: bool = False,
) -> LoadSummary:
    """Quarantine bad rows, contract-check the rest, then replace ``raw.<table>`` and its quarantine slice.

    ``staged`` is a relation in ``con`` (e.g. from :func:`stage_csv`) with a ``_row`` column; everything runs as
    SQL inside DuckDB. Type and required-field violations still fail the whole load (they mean the file changed
    shape); row-level problems (duplicates, absurd values) are set aside with a reason; the main table is validated
    and written before the quarantine slice, so a contract failure writes nothing. A load whose good rows fall
    below half of the table's previous rows is held back (``raw_load.check_not_shrunk``) unless ``allow_shrink``;
    the quarantine slice may shrink freely (fewer bad rows is good news).
    """
    judged, good, bad = f"_judged_{table}", f"_good_{table}", f"_bad_{table}"
    try:
        count = judge(con, staged, judged, table, key_columns, rules)
        con.execute(
            f'CREATE OR REPLACE TEMP VIEW "{good}" AS SELECT * FROM "{staged}" '
            f'ANTI JOIN "{judged}" USING ({ROW_COLUMN})'
        )
        con.execute(
            f'CREATE OR REPLACE TEMP VIEW "{bad}" AS SELECT table_name, source_row, record_key, reason, '
            f'record_json, {ROW_COLUMN} FROM "{judged}_q"'
        )
        if count:
            # Check the quarantine rows first: a failure after the main table's commit would leave the two apart.
            validate_staged(con, bad, QUARANTINE_TABLE, source_file)
        n = load_raw_staged(
            con,
            table,
            good,
            source=source,
            source_ref=source_ref,
            source_file=source_file,
            allow_shrink=allow_shrink,
        )
        con.execute(read_ddl(QUARANTINE_TABLE))
        if not count:
            con.execute(f"DELETE FROM raw.{QUARANTINE_TABLE} WHERE table_name = ?", [table])
            reasons: dict[str, int] = {}
        else:
            load_raw_staged(
                con,
                QUARANTINE_TABLE,
                bad,
                source=source,
                source_ref=source_ref,
                source_file=source_file,
                replace_where="table_name = ?",
                replace_params=[table],
                allow_shrink=True,
            )
            reasons = dict(
                con.execute(f'SELECT reason, count(*) FROM "{bad}" GROUP BY ALL ORDER BY 1').fetchall()
            )
    finally:
        for view in (good, bad):
            con.execute(f'DROP VIEW IF EXISTS temp."{view}"')
        for tmp in (judged, f"{judged}_q"):
            con.execute(f'DROP TABLE IF EXISTS temp."{tmp}"')
    return LoadSummary(table, n, count, {str(k): int(v) for k, v in reasons.items()})


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
