"""Contract-checked, atomic loads into ``raw.*`` tables.

The DDL file ``sql/ddl/<table>.sql`` is the contract: its columns (minus the provenance columns every raw table
carries) must all be present in the incoming frame, every value must cast to the declared type, and ``NOT NULL``
columns must be filled. Violations raise :class:`RawLoadError` naming the file, row and field *before* anything is
written. The load itself is one transaction (delete, insert, commit), so a failure keeps the previous good data.

A load that would leave fewer than ``MIN_KEPT_SHARE`` (half) of the rows the previous load left in the table (or in
the slice it replaces) is held back with :class:`ShrunkSourceError` before anything is written: a partial download
or a cut-off file that still parses looks exactly like that. ``allow_shrink=True`` (the raw assets' ``force: true``
run config) accepts it.

Sources with row-level problems to expect (the catalog's third-party tables) load with a quarantine
(:func:`load_with_quarantine`): duplicate keys and rows a :class:`Rule` rejects are set aside in
``raw.catalog_quarantine`` with their reason, the rest goes through the same validator and loader.

This is the one loader: every raw table is validated by :func:`validate_staged` and written by
:func:`load_raw_staged`; in-memory frames (:func:`load_raw_table`) and CSV files (:func:`load_raw_csv`) are staged
into a DuckDB temp table first. The Dagster asset factory over it is :mod:`greenlm_assets.lib.raw_assets`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from greenlm_assets.lib.paths import DDL_DIR, REPO_ROOT

PROVENANCE_COLUMNS = ("_source", "_source_ref", "_ingested_at")
ROW_COLUMN = "_row"  # 1-based line/record number in the source file, for error messages
# A new load must keep at least this share of the previous load's rows, else it is held back (force overrides).
MIN_KEPT_SHARE = 0.5


class RawLoadError(ValueError):
    """Input that violates a raw table's contract; the message names file, row and field."""


class ShrunkSourceError(RawLoadError):
    """A load that would drop more than half of the table's rows at once: held back, the previous rows kept."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool


def ddl_path(table: str) -> Path:
    return DDL_DIR / f"{table}.sql"


def read_ddl(table: str) -> str:
    path = ddl_path(table)
    if not path.exists():
        raise FileNotFoundError(f"no DDL contract for raw.{table}: expected {path}")
    return path.read_text()


def contract_columns(table: str) -> list[Column]:
    """Columns declared by the DDL, read back from DuckDB itself (no hand-written SQL parser)."""
    con = duckdb.connect()
    try:
        con.execute("CREATE SCHEMA raw")
        con.execute(read_ddl(table))
        rows = con.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
    finally:
        con.close()
    if not rows:
        raise RawLoadError(f"{ddl_path(table)} does not create raw.{table}")
    return [Column(name, dtype, nullable == "NO") for name, dtype, nullable in rows]


def contract_checks(table: str) -> list[tuple[str, list[str]]]:
    """``CHECK`` constraints of the DDL as (expression, column names): value ranges are part of the contract."""
    con = duckdb.connect()
    try:
        con.execute("CREATE SCHEMA raw")
        con.execute(read_ddl(table))
        return [
            (expr, list(cols))
            for expr, cols in con.execute(
                "SELECT expression, constraint_column_names FROM duckdb_constraints() "
                "WHERE schema_name = 'raw' AND table_name = ? AND constraint_type = 'CHECK' ORDER BY constraint_index",
                [table],
            ).fetchall()
        ]
    finally:
        con.close()


def quote_ident(name: str) -> str:
    """A DuckDB identifier, double-quoted: column and table names come from files and configs."""
    return '"' + name.replace('"', '""') + '"'


def check_not_shrunk(
    con: duckdb.DuckDBPyConnection,
    table: str,
    new_rows: int,
    source_file: str,
    replace_where: str | None = None,
    replace_params: list | None = None,
) -> None:
    """Raise :class:`ShrunkSourceError` when ``new_rows`` is below ``MIN_KEPT_SHARE`` of the rows now in
    ``raw.<table>`` (or in the slice ``replace_where`` selects, the one the load replaces). Call it before writing."""
    previous = con.execute(
        f"SELECT count(*) FROM raw.{quote_ident(table)}"
        + (f" WHERE {replace_where}" if replace_where else ""),
        replace_params or [],
    ).fetchone()[0]
    if previous and new_rows < previous * MIN_KEPT_SHARE:
        raise ShrunkSourceError(
            f"{source_file}: raw.{table} would shrink from {previous:,} to {new_rows:,} rows, below "
            f"{MIN_KEPT_SHARE:.0%} of the previous load: held back, the previous {previous:,} rows are kept. "
            "A partial download or cut-off file that still parses looks like this; if the source really shrank, "
            "re-run the asset with run config force: true."
        )


def content_version(
    con: duckdb.DuckDBPyConnection, table: str, where: str | None = None, params: list | None = None
) -> str:
    """The data version of ``raw.<table>`` (or of the slice ``where``, a predicate written by code): sha256 over
    its column names and types and the multiset of its whole rows.

    Each entire row is hashed as one value (DuckDB ``hash`` of the row as a struct), then the row hashes are
    counted, summed and xor-ed: independent of row order, but a value moved from one row to another changes the
    hash of both rows (a sum of per-column hashes would not see it). The load timestamp is left out, so reloading
    identical rows keeps the version.
    """
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_name = ? AND column_name <> '_ingested_at' ORDER BY ordinal_position",
        [table],
    ).fetchall()
    if not columns:
        raise RawLoadError(f"raw.{table} does not exist")
    select = ", ".join(quote_ident(name) for name, _ in columns)
    summary = con.execute(
        "SELECT count(*), sum(hash(r)::HUGEINT), bit_xor(hash(r)) "
        f"FROM (SELECT {select} FROM raw.{quote_ident(table)}{f' WHERE {where}' if where else ''}) AS r",
        params or [],
    ).fetchone()
    return hashlib.sha256(repr((table, columns, summary)).encode()).hexdigest()


def stage_frame(con: duckdb.DuckDBPyConnection, df: pd.DataFrame, staged: str) -> None:
    """Copy an in-memory frame into temp table ``staged`` of ``con``, numbering its rows ``_row`` = 1..n when the
    reader gave no ``_row``: the frame then goes through :func:`validate_staged` / :func:`load_raw_staged`."""
    if ROW_COLUMN not in df.columns:
        df = df.assign(**{ROW_COLUMN: range(1, len(df) + 1)})
    con.register("_incoming_frame", df)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(staged)} AS SELECT * FROM _incoming_frame")
    finally:
        con.unregister("_incoming_frame")


def validate(df: pd.DataFrame, table: str, source_file: str, key_columns: Sequence[str] = ()) -> list[Column]:
    """Check ``df`` against the contract of ``raw.<table>``; raise naming file, row and field.

    ``key_columns``, when given, must be unique: a repeated key is refused naming both rows. The frame is staged
    in a scratch DuckDB and checked by :func:`validate_staged`, the one validator.
    """
    con = duckdb.connect()
    try:
        stage_frame(con, df, "incoming")
        return validate_staged(con, "incoming", table, source_file, key_columns)
    finally:
        con.close()


def _check_rows(
    con: duckdb.DuckDBPyConnection,
    rel: str,
    table: str,
    columns: list[Column],
    key_columns: Sequence[str],
    source_file: str,
) -> None:
    """DDL CHECK constraints and key uniqueness over relation ``rel``; raise naming the row and field.

    CHECKs run on the typed values, so the error names the row and field instead of surfacing later as an
    anonymous constraint failure of the INSERT.
    """
    checks = contract_checks(table)
    if checks:
        typed = ", ".join(
            f"TRY_CAST({quote_ident(c.name)} AS {c.type}) AS {quote_ident(c.name)}" for c in columns
        )
        for expr, cols in checks:
            bad = con.execute(
                f"SELECT {ROW_COLUMN}, {', '.join(f'CAST({quote_ident(c)} AS VARCHAR)' for c in cols)} "
                f"FROM (SELECT {ROW_COLUMN}, {typed} FROM {rel}) WHERE NOT ({expr}) ORDER BY 1 LIMIT 1"
            ).fetchone()
            if bad:
                values = ", ".join(f"'{c}' = {v!r}" for c, v in zip(cols, bad[1:], strict=True))
                raise RawLoadError(
                    f"{source_file}: row {bad[0]}: field {values} violates CHECK {expr} of raw.{table}"
                )
    if key_columns:
        keys = ", ".join(quote_ident(k) for k in key_columns)
        dup = con.execute(
            f"SELECT {ROW_COLUMN}, first({ROW_COLUMN}) OVER w, concat_ws(' | ', {keys}) FROM {rel} "
            f"WINDOW w AS (PARTITION BY {keys} ORDER BY {ROW_COLUMN}) QUALIFY row_number() OVER w > 1 "
            "ORDER BY 1 LIMIT 1"
        ).fetchone()
        if dup:
            raise RawLoadError(
                f"{source_file}: row {dup[0]}: key {list(key_columns)} = {dup[2]!r} repeats row {dup[1]} "
                f"(raw.{table} keeps one row per key)"
            )


def load_raw_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    df: pd.DataFrame,
    *,
    source: str,
    source_ref: str,
    source_file: str | None = None,
    replace_where: str | None = None,
    replace_params: list | None = None,
    content_sha256: str | None = None,
    log_key: str | None = None,
    key_columns: Sequence[str] = (),
    allow_shrink: bool = False,
) -> int:
    """Validate then atomically replace the rows of ``raw.<table>`` with an in-memory frame; return the rows written.

    The frame is staged (:func:`stage_frame`) and loaded by :func:`load_raw_staged`, whose arguments these are:
    ``replace_where`` (a SQL predicate written by code, with ``?`` placeholders bound from ``replace_params``, never
    data) limits the delete to one slice, e.g. a partition; by default the table is replaced whole.
    ``content_sha256`` is recorded in ``raw._ingest_log`` under ``log_key`` (default: the table) in the same
    transaction, so an unchanged input can be skipped next time (:func:`unchanged_rows`). ``key_columns``: see
    :func:`validate`. Unless ``allow_shrink``, a load below half the rows it replaces is held back
    (:func:`check_not_shrunk`).
    """
    staged = f"_frame_{table}"
    stage_frame(con, df, staged)
    try:
        return load_raw_staged(
            con,
            table,
            staged,
            source=source,
            source_ref=source_ref,
            source_file=source_file,
            replace_where=replace_where,
            replace_params=replace_params,
            content_sha256=content_sha256,
            log_key=log_key,
            key_columns=key_columns,
            allow_shrink=allow_shrink,
        )
    finally:
        con.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(staged)}")


INGEST_LOG_DDL = """
CREATE TABLE IF NOT EXISTS raw._ingest_log (
    load_key VARCHAR PRIMARY KEY,
    content_sha256 VARCHAR NOT NULL,
    rows_loaded BIGINT NOT NULL,
    source_ref VARCHAR,
    loaded_at TIMESTAMP NOT NULL
)
"""


def unchanged_rows(
    con: duckdb.DuckDBPyConnection, table: str, sha: str, log_key: str | None = None, where: str | None = None
) -> int | None:
    """Rows of ``raw.<table>`` when its last load had fingerprint ``sha`` and the table still holds them, else None.

    ``where`` (a predicate written by code, never data) counts only the slice that load replaced.
    """
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name IN (?, '_ingest_log')",
        [table],
    ).fetchone()[0]
    if exists < 2:
        return None
    logged = con.execute(
        "SELECT rows_loaded FROM raw._ingest_log WHERE load_key = ? AND content_sha256 = ?",
        [log_key or table, sha],
    ).fetchone()
    if not logged:
        return None
    current = con.execute(
        f"SELECT count(*) FROM raw.{quote_ident(table)}" + (f" WHERE {where}" if where else "")
    ).fetchone()[0]
    return current if current == logged[0] else None


def record_ingest(
    con: duckdb.DuckDBPyConnection, load_key: str, sha: str, rows: int, source_ref: str
) -> None:
    """Record that ``load_key`` now holds ``rows`` rows loaded from input fingerprint ``sha``.

    For loads of several tables (a table and its quarantine slice): call it after the last one committed, so a
    failure in between leaves no claim and the next run loads again.
    """
    con.execute(INGEST_LOG_DDL)
    con.execute(
        "INSERT OR REPLACE INTO raw._ingest_log VALUES (?, ?, ?, ?, ?)",
        [load_key, sha, rows, source_ref, datetime.now(UTC).replace(tzinfo=None)],
    )


_SNAKE = re.compile(r"[^0-9a-zA-Z]+")


def snake(name: str) -> str:
    """``'Memory bandwidth (byte/s)'`` -> ``'memory_bandwidth_byte_s'``."""
    return _SNAKE.sub("_", name).strip("_").lower()


def check_readable_file(path: Path, label: str | None = None) -> None:
    """Refuse a missing, empty or cut-off file before parsing it, naming the file (and ``label``, the source).

    A file that does not end with a newline is a cut-off copy or download: a CSV parser would read its last,
    incomplete record as a short row.
    """
    suffix = f" ({label})" if label else ""
    if not path.exists():
        raise RawLoadError(f"{path}: file not found{suffix}")
    if path.stat().st_size == 0:
        raise RawLoadError(f"{path}: file is empty{suffix}")
    with path.open("rb") as fh:
        fh.seek(-1, 2)
        if fh.read(1) not in (b"\n", b"\r"):
            raise RawLoadError(f"{path}: truncated file (does not end with a newline); not loaded")


def read_csv_strict(path: Path, required: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV as strings with a ``_row`` line number; raise naming the file when unreadable."""
    check_readable_file(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise RawLoadError(f"{path}: not a readable CSV: {exc}") from exc
    if required:
        missing = [c for c in required if c not in df.columns]
        if missing:
            raise RawLoadError(f"{path}: missing required column(s) {missing}; found {list(df.columns)[:12]}")
    # +2: line 1 is the header and lines are 1-based (multi-line quoted cells make this approximate).
    df[ROW_COLUMN] = range(2, len(df) + 2)
    return df.astype(object).where(df.notna(), None)


def relation_to_frame(rel: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """Arrow-backed frame: cheap to build and cheap for DuckDB to scan again during validation."""
    return rel.to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype)


def read_csv_fast(path: Path, required: Sequence[str] = (), source: str | None = None) -> pd.DataFrame:
    """:func:`read_csv_strict` parsed by DuckDB into Arrow-backed strings (the catalog's big files: a million rows
    in seconds, no Python row loops); raise naming the file when unusable."""
    check_readable_file(path, source or str(path))
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


# --- DuckDB-native path: the file is parsed, validated and inserted inside DuckDB (no pandas, no Python rows). ---


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    staged: str,
    *,
    rename: dict[str, str] | None = None,
    required: Sequence[str] = (),
) -> int:
    """Read ``path`` (all strings, header row) into temp table ``staged`` with a ``_row`` line number; return rows.

    ``rename`` maps file column names to contract names. Empty, truncated, non-UTF-8 or malformed files raise
    :class:`RawLoadError` naming the file. ``_row`` numbers records like :func:`read_csv_strict` (header = line 1).
    """
    check_readable_file(path)
    con.execute("SET enable_progress_bar = false")
    renames = ", ".join(f"{quote_ident(old)} AS {quote_ident(new)}" for old, new in (rename or {}).items())
    # row_number() OVER () runs as a streaming window over the scan, which keeps the file's record order
    # (tests/platform/test_raw_load_native.py checks the numbers against the file).
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(staged)} AS "
            f"SELECT row_number() OVER () + 1 AS {ROW_COLUMN}, * {f'RENAME ({renames})' if renames else ''} "
            # The dialect is fixed (RFC 4180) rather than sniffed: a sniffer can read a broken quote as data.
            "FROM read_csv(?, all_varchar = true, header = true, strict_mode = true, "
            "delim = ',', quote = '\"', escape = '\"')",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise RawLoadError(f"{path}: not a readable CSV: {str(exc).splitlines()[0]}") from exc
    columns = [r[0] for r in con.execute(f"DESCRIBE {quote_ident(staged)}").fetchall()]
    missing = [c for c in required if c not in columns]
    if missing:
        raise RawLoadError(f"{path}: missing required column(s) {missing}; found {columns[1:13]}")
    return con.execute(f"SELECT count(*) FROM {quote_ident(staged)}").fetchone()[0]


def validate_staged(
    con: duckdb.DuckDBPyConnection,
    staged: str,
    table: str,
    source_file: str,
    key_columns: Sequence[str] = (),
) -> list[Column]:
    """Check relation ``staged`` of ``con`` (temp table or view with ``_row``) against the contract of ``raw.<table>``:
    the one validator (:func:`validate` stages a frame and calls it). Raises naming file, row and field.

    One aggregate scan finds the first bad row of every column (set-based, not one query per column); only a
    failing column is looked at again to fetch its value for the message.
    """
    columns = [c for c in contract_columns(table) if c.name not in PROVENANCE_COLUMNS]
    rel = quote_ident(staged)
    present = {r[0] for r in con.execute(f"DESCRIBE {rel}").fetchall()}
    if not con.execute(f"SELECT EXISTS (SELECT 1 FROM {rel})").fetchone()[0]:
        raise RawLoadError(f"{source_file}: no data rows (raw.{table} needs at least one)")
    missing = [c.name for c in columns if c.name not in present]
    if missing:
        raise RawLoadError(f"{source_file}: missing required column(s) {missing} for raw.{table}")
    probes: list[tuple[str, Column, bool]] = []  # (aggregate, column, is the NOT NULL probe)
    for col in columns:
        q = quote_ident(col.name)
        if col.not_null:
            probes.append((f"min({ROW_COLUMN}) FILTER (WHERE {q} IS NULL)", col, True))
        if col.type != "VARCHAR":  # every value casts to VARCHAR: nothing to scan for
            probes.append(
                (
                    f"min({ROW_COLUMN}) FILTER (WHERE {q} IS NOT NULL AND TRY_CAST({q} AS {col.type}) IS NULL)",
                    col,
                    False,
                )
            )
    firsts = (
        con.execute(f"SELECT {', '.join(p for p, _, _ in probes)} FROM {rel}").fetchone() if probes else ()
    )
    # Report the earliest failing column in contract order, NOT NULL before cast.
    for (_, col, null_probe), row in zip(probes, firsts, strict=True):
        if row is None:
            continue
        if null_probe:
            raise RawLoadError(
                f"{source_file}: row {row}: field '{col.name}' is empty but required by raw.{table}"
            )
        value = con.execute(
            f"SELECT CAST({quote_ident(col.name)} AS VARCHAR) FROM {rel} WHERE {ROW_COLUMN} = ?", [row]
        ).fetchone()[0]
        raise RawLoadError(
            f"{source_file}: row {row}: field '{col.name}' = {value!r} is not a valid {col.type}"
        )
    _check_rows(con, rel, table, columns, key_columns, source_file)
    return columns


def load_raw_staged(
    con: duckdb.DuckDBPyConnection,
    table: str,
    staged: str,
    *,
    source: str,
    source_ref: str,
    source_file: str | None = None,
    replace_where: str | None = None,
    replace_params: list | None = None,
    content_sha256: str | None = None,
    log_key: str | None = None,
    key_columns: Sequence[str] = (),
    allow_shrink: bool = False,
) -> int:
    """Validate relation ``staged`` of ``con`` (:func:`validate_staged`), then replace the rows of ``raw.<table>``
    in one delete+insert transaction: the one loader. Arguments as in :func:`load_raw_table`; held back when the
    load would shrink the table below half, unless ``allow_shrink``."""
    columns = validate_staged(con, staged, table, source_file or source_ref, key_columns)
    select = ", ".join(
        [f"CAST({quote_ident(c.name)} AS {c.type}) AS {quote_ident(c.name)}" for c in columns]
        + ["? AS _source", "? AS _source_ref", "?::TIMESTAMP AS _ingested_at"]
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(read_ddl(table))
    con.execute(INGEST_LOG_DDL)
    if not allow_shrink:
        incoming = con.execute(f"SELECT count(*) FROM {quote_ident(staged)}").fetchone()[0]
        check_not_shrunk(con, table, incoming, source_file or source_ref, replace_where, replace_params)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(
            f"DELETE FROM raw.{quote_ident(table)}" + (f" WHERE {replace_where}" if replace_where else ""),
            replace_params or [],
        )
        n = con.execute(
            f"INSERT INTO raw.{quote_ident(table)} BY NAME SELECT {select} FROM {quote_ident(staged)}",
            [source, source_ref, now],
        ).fetchone()[0]
        if content_sha256:
            con.execute(
                "INSERT OR REPLACE INTO raw._ingest_log VALUES (?, ?, ?, ?, ?)",
                [log_key or table, content_sha256, n, source_ref, datetime.now(UTC).replace(tzinfo=None)],
            )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return n


def load_raw_csv(
    con: duckdb.DuckDBPyConnection,
    table: str,
    path: Path,
    *,
    source: str,
    source_ref: str,
    rename: dict[str, str] | None = None,
    replace_where: str | None = None,
    replace_params: list | None = None,
    content_sha256: str | None = None,
    log_key: str | None = None,
    key_columns: Sequence[str] = (),
    allow_shrink: bool = False,
) -> int:
    """Read, contract-check and atomically load a CSV entirely inside DuckDB; errors name ``path``, row, field."""
    staged = f"_staged_{table}"
    stage_csv(con, path, staged, rename=rename)
    try:
        return load_raw_staged(
            con,
            table,
            staged,
            source=source,
            source_ref=source_ref,
            source_file=str(path),
            replace_where=replace_where,
            replace_params=replace_params,
            content_sha256=content_sha256,
            log_key=log_key,
            key_columns=key_columns,
            allow_shrink=allow_shrink,
        )
    finally:
        con.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(staged)}")


# --- Quarantine: row-level problems of third-party sources are set aside with a reason, not loaded. ---

QUARANTINE_TABLE = "catalog_quarantine"


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
) -> LoadSummary:
    """:func:`load_staged_with_quarantine` for an in-memory frame (live fetches, small third-party files)."""
    staged = f"_staged_{table}"
    stage_frame(con, frame, staged)
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
    return summary


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
    below half of the table's previous rows is held back (:func:`check_not_shrunk`) unless ``allow_shrink``;
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


def read_jsonl_rows(
    files: Sequence[Path],
    table: str,
    required: Sequence[str],
    *,
    cell: Callable[[object], object] = lambda value: value,
    check: Callable[[dict], str | None] | None = None,
) -> pd.DataFrame:
    """Every row of every JSONL file, reindexed to ``table``'s contract (+ ``source_file`` and the row column).

    A bad line raises naming file, line and field: an empty file, a line that is not a JSON object, a ``required``
    field missing or empty, or ``check(record)`` returning a reason. ``cell`` converts each value (e.g. lists to JSON
    text). The JSONL sources (GreenLM's benchmark and serving runs) share this reader.
    """
    names = [
        c.name for c in contract_columns(table) if not c.name.startswith("_") and c.name != "source_file"
    ]
    records: list[dict] = []
    for path in files:
        text = path.read_text()
        if not text.strip():
            raise RawLoadError(f"{path}: file is empty")
        try:
            source_file = str(path.resolve().relative_to(REPO_ROOT))
        except ValueError:
            source_file = str(path)
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RawLoadError(f"{path}: line {n}: not valid JSON ({exc.msg})") from exc
            if not isinstance(rec, dict):
                raise RawLoadError(f"{path}: line {n}: expected a JSON object")
            missing = [k for k in required if rec.get(k) in (None, "")]
            if missing:
                raise RawLoadError(f"{path}: line {n}: field '{missing[0]}' is missing or empty")
            reason = check(rec) if check is not None else None
            if reason:
                raise RawLoadError(f"{path}: line {n}: {reason}")
            row = {k: cell(rec.get(k)) for k in names}
            row["source_file"] = source_file
            row[ROW_COLUMN] = f"{path.name}:{n}"
            records.append(row)
    df = pd.DataFrame.from_records(records, columns=[*names, "source_file", ROW_COLUMN])
    return df.astype(object).where(df.notna(), None)
