"""DuckDB-native CSV reading and quarantine splitting for the catalog sources.

The spine's ``read_csv_strict`` goes through pandas object columns; the leaderboard must ingest a million rows in
seconds, so these readers let DuckDB parse the file and hand over Arrow-backed string columns (no Python row loops).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from greenlm_assets.lib.raw_load import ROW_COLUMN, RawLoadError, quote_ident

QUARANTINE_TABLE = "catalog_quarantine"


def relation_to_frame(rel: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """Arrow-backed frame: cheap to build and cheap for DuckDB to scan again during validation."""
    return rel.to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype)


def read_csv_fast(path: Path, required: Sequence[str] = (), source: str | None = None) -> pd.DataFrame:
    """Read a CSV with DuckDB as strings plus ``_row`` (file line number); raise naming the file when unusable."""
    label = source or str(path)
    if not path.exists():
        raise RawLoadError(f"{path}: file not found ({label})")
    if path.stat().st_size == 0:
        raise RawLoadError(f"{path}: file is empty ({label})")
    with path.open("rb") as fh:
        fh.seek(-1, 2)
        if fh.read(1) not in (b"\n", b"\r"):
            # A cut-off download or copy: the last record may be silently incomplete, so refuse the file.
            raise RawLoadError(f"{path}: truncated file (does not end with a newline); not loaded")
    con = duckdb.connect()
    try:
        rel = con.sql(
            "SELECT * FROM read_csv(?, all_varchar = true, header = true, strict_mode = true)",
            params=[str(path)],
        )
        columns = rel.columns
        missing = [c for c in required if c not in columns]
        if missing:
            raise RawLoadError(f"{path}: missing required column(s) {missing}; found {columns[:12]}")
        # DuckDB preserves the file's row order in the result, so line numbers can be attached afterwards
        # (+2: line 1 is the header; multi-line quoted cells make this approximate, as in read_csv_strict).
        df = relation_to_frame(rel)
        df[ROW_COLUMN] = range(2, len(df) + 2)
    except duckdb.Error as exc:
        raise RawLoadError(f"{path}: not a readable CSV: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()
    if df.empty:
        raise RawLoadError(f"{path}: no data rows (header only or truncated)")
    return df


@dataclass(frozen=True)
class Rule:
    """A row-level rule: rows where ``condition`` (DuckDB SQL over the incoming columns) holds are quarantined."""

    condition: str
    reason: str


def judge(
    con: duckdb.DuckDBPyConnection,
    staged: str,
    judged: str,
    table: str,
    key_columns: Sequence[str],
    rules: Sequence[Rule] = (),
) -> int:
    """Decide which rows of ``staged`` to set aside, as SQL inside ``con``; returns the quarantined count.

    Duplicate keys keep their first occurrence (lowest ``_row``); the rules' ``condition`` marks the others.

    Creates temp table ``judged`` (``_row``, ``_reason`` of each row to set aside) and ``<judged>_q`` (those rows in
    raw.catalog_quarantine's shape). Only ``_row``, the keys and the rule columns are scanned for the verdict, so a
    million clean rows cost one narrow window, not a copy of every column.
    """
    keys = ", ".join(quote_ident(k) for k in key_columns)
    columns = [r[0] for r in con.execute(f"DESCRIBE {quote_ident(staged)}").fetchall()]
    row_expr = f"TRY_CAST({ROW_COLUMN} AS BIGINT)"
    if "source_row" in columns:
        row_expr = f"coalesce({row_expr}, TRY_CAST(source_row AS BIGINT))"
    # Each rule's condition is SQL written by code; its reason is text, bound as a parameter like the others.
    cases = " ".join(f"WHEN {r.condition} THEN ?" for r in rules)
    key_expr = (
        "concat_ws(' | ', " + ", ".join(f"CAST({quote_ident(k)} AS VARCHAR)" for k in key_columns) + ")"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {quote_ident(judged)} AS
        SELECT {ROW_COLUMN}, _reason FROM (
            SELECT {ROW_COLUMN}, CASE {cases}
                WHEN row_number() OVER (PARTITION BY {keys} ORDER BY {row_expr}, {ROW_COLUMN}) > 1
                    THEN ?
                END AS _reason
            FROM {quote_ident(staged)})
        WHERE _reason IS NOT NULL""",
        [*(r.reason for r in rules), f"duplicate key ({', '.join(key_columns)})"],
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {quote_ident(judged + "_q")} AS
        SELECT ? AS table_name, {row_expr} AS source_row, {key_expr} AS record_key,
               _reason AS reason, CAST(to_json(j) AS VARCHAR) AS record_json, {ROW_COLUMN}
        FROM (SELECT s.*, r._reason FROM {quote_ident(staged)} AS s JOIN {quote_ident(judged)} AS r USING ({ROW_COLUMN})) AS j
        ORDER BY {ROW_COLUMN}""",
        [table],
    )
    return con.execute(f"SELECT count(*) FROM {quote_ident(judged + '_q')}").fetchone()[0]
