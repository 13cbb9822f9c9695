"""Static check: no SQL text is built from data. Every ``.execute()`` / ``.sql()`` / ``.query()`` first argument
under greenlm_assets/ and jobs/ must be a constant, or be assembled only from identifier-producing expressions:
quoted identifiers (``quote_ident``), module constants, and the reviewed code-side names listed in ``ALLOWED``
(each with the reason it cannot carry data). Values always travel as bound ``?`` parameters.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.faults.helpers import REPO

SQL_METHODS = {"execute", "executemany", "sql", "query"}
ALWAYS_OK = [
    re.compile(r"^quote_ident\(.+\)$"),  # a quoted identifier (raw_load.quote_ident)
    re.compile(r"^[A-Z][A-Z0-9_]*$"),  # a module constant: ROW_COLUMN, QUARANTINE_TABLE, ...
    re.compile(r"^read_ddl\(.+\)$"),  # a DDL contract file from sql/ddl
]
# (file, expression) -> why it is code, not data. A new interpolation fails this test until reviewed here.
ALLOWED: dict[tuple[str, str], str] = {
    # DuckDB-native loads (stage_csv / validate_staged / load_raw_staged) and the catalog's SQL quarantine:
    ("greenlm_assets/defs/transform/dbt.py", "cols"): "one of two constant COLUMNS(...) expressions",
    (
        "greenlm_assets/lib/raw_load.py",
        "renames",
    ): "quote_ident(old) AS quote_ident(new) pairs from the reader's code map",
    ("greenlm_assets/lib/raw_load.py", "rel"): "quote_ident(staged temp table name chosen by code)",
    ("greenlm_assets/lib/raw_load.py", "p"): "TRY_CAST probes of quoted DDL columns and DDL types",
    (
        "greenlm_assets/defs/ingest/open_llm_leaderboard.py",
        "staged",
    ): "temp table name built from a code constant",
    ("greenlm_assets/lib/catalog/leaderboard.py", "staged"): "temp table name built from a code constant",
    ("greenlm_assets/lib/catalog/loading.py", "staged"): "temp table name f'_staged_<raw table>' (code)",
    ("greenlm_assets/lib/catalog/loading.py", "good"): "temp view name f'_good_<raw table>' (code)",
    ("greenlm_assets/lib/catalog/loading.py", "bad"): "temp view name f'_bad_<raw table>' (code)",
    ("greenlm_assets/lib/catalog/loading.py", "judged"): "temp table name f'_judged_<raw table>' (code)",
    ("greenlm_assets/lib/catalog/loading.py", "view"): "one of the two temp view names above",
    ("greenlm_assets/lib/catalog/loading.py", "tmp"): "one of the two temp table names above",
    (
        "greenlm_assets/lib/catalog/loading.py",
        "TABLES[fetch.board]",
    ): "raw table name from a module constant map",
    ("greenlm_assets/defs/transform/dbt.py", "last"): "one of two constant expressions",
    ("greenlm_assets/lib/raw_load.py", "table"): "raw table name from the asset's spec (code)",
    (
        "greenlm_assets/lib/raw_load.py",
        "where",
    ): "unchanged_rows' slice predicate, written by the calling asset's code",
    (
        "greenlm_assets/defs/ingest/gpu_prices.py",
        "columns",
    ): "_loaded's column list, a literal at each call site",
    (
        "greenlm_assets/defs/ingest/gpu_prices.py",
        "where",
    ): "_loaded's slice predicate, a literal at each call site",
    (
        "greenlm_assets/lib/raw_load.py",
        "replace_where",
    ): "predicate written by code; values bound via replace_params",
    ("greenlm_assets/lib/raw_load.py", "select"): "CAST list of quoted DDL column names and DDL types",
    ("greenlm_assets/lib/raw_load.py", "col.type"): "column type read back from the DDL",
    ("greenlm_assets/lib/raw_load.py", "q"): "quote_ident(column name)",
    ("greenlm_assets/lib/raw_load.py", "typed"): "TRY_CAST list of quoted DDL columns and types",
    ("greenlm_assets/lib/raw_load.py", "expr"): "CHECK expression read back from the DDL",
    ("greenlm_assets/lib/raw_load.py", "keys"): "quote_ident(key column) list",
    ("greenlm_assets/lib/raw_assets.py", "keys"): "key columns of the asset's spec (code)",
    ("greenlm_assets/lib/raw_assets.py", "spec.table"): "raw table name from the spec (code)",
    ("greenlm_assets/lib/raw_assets.py", "k"): "key column of the spec (code)",
    ("greenlm_assets/lib/catalog/raw_asset.py", "keys"): "key columns of the spec (code)",
    ("greenlm_assets/lib/catalog/raw_asset.py", "table"): "raw table name (code)",
    ("greenlm_assets/lib/catalog/raw_asset.py", "k"): "key column (code)",
    ("greenlm_assets/lib/catalog/raw_asset.py", "spec.table"): "raw table name (code)",
    ("greenlm_assets/defs/ingest/open_llm_leaderboard.py", "table"): "TABLES[board] (code)",
    (
        "greenlm_assets/lib/catalog/frames.py",
        "cases",
    ): "Rule conditions (code) and reasons with quotes doubled",
    ("greenlm_assets/lib/catalog/frames.py", "keys"): "quote_ident(key column) list",
    ("greenlm_assets/lib/catalog/frames.py", "key_columns"): "key column names of the spec (code)",
    ("greenlm_assets/lib/catalog/frames.py", "key_expr"): "concat of quote_ident(key column)",
    ("greenlm_assets/lib/catalog/frames.py", "row_expr"): "TRY_CAST of ROW_COLUMN / source_row",
    (
        "greenlm_assets/lib/catalog/loading.py",
        "fetch.fetch_id",
    ): "16 hex digits of a SHA-256 (never data text)",
    ("greenlm_assets/lib/catalog/loading.py", "fetch.board"): "Literal 'v1' | 'v2'",
    ("greenlm_assets/lib/catalog/loading.py", "select"): "HISTORY_COLUMNS expressions (code)",
    (
        "greenlm_assets/lib/catalog/leaderboard.py",
        "selects",
    ): "HF_V2_COLUMNS / HF_V2_EVAL_NAMES constants (code)",
    (
        "greenlm_assets/lib/catalog/third_party.py",
        "selects",
    ): "quote_ident(LLM-Perf column) AS constant names",
    (
        "greenlm_assets/lib/catalog/third_party.py",
        "quant",
    ): "json_object of _lit(key), quote_ident(column) pairs",
    ("greenlm_assets/lib/catalog/bench.py", "n"): "int row count (benchmark generator)",
    ("greenlm_assets/lib/catalog/bench.py", "m"): "int row count (benchmark generator)",
    ("greenlm_assets/lib/catalog/bench.py", "out"): "temp file path chosen by the benchmark (code)",
    ("greenlm_assets/lib/charts.py", "sql"): "ChartSpec.queries (code)",
    ("greenlm_assets/defs/publish/report.py", "table.sql"): "report table specs (code)",
    ("greenlm_assets/cli.py", "path.read_text()"): "curated query file from sql/queries (code)",
}


def _allowed(file: str, expr: str) -> bool:
    return any(p.match(expr) for p in ALWAYS_OK) or (file, expr) in ALLOWED


def unsafe_parts(file: str, node: ast.expr) -> list[str]:
    """Sub-expressions of a SQL argument that are neither constant text nor allowed identifier producers."""
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.JoinedStr):
        out = []
        for v in node.values:
            if isinstance(v, ast.FormattedValue):
                out += unsafe_parts(file, v.value)
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return unsafe_parts(file, node.left) + unsafe_parts(file, node.right)
    if isinstance(node, ast.IfExp):
        return unsafe_parts(file, node.body) + unsafe_parts(file, node.orelse)
    if (  # "sep".join(<parts>): each part must be safe
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and isinstance(node.func.value, ast.Constant)
        and len(node.args) == 1
    ):
        arg = node.args[0]
        if isinstance(arg, ast.GeneratorExp | ast.ListComp):
            return unsafe_parts(file, arg.elt)
        if isinstance(arg, ast.List | ast.Tuple):
            return [p for e in arg.elts for p in unsafe_parts(file, e)]
        return unsafe_parts(file, arg)
    expr = ast.unparse(node)
    return [] if _allowed(file, expr) else [expr]


def sql_calls(path: Path) -> list[tuple[int, ast.expr]]:
    tree = ast.parse(path.read_text())
    return [
        (node.lineno, node.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SQL_METHODS
        and node.args
    ]


def python_files() -> list[Path]:
    return sorted(p for root in ("greenlm_assets", "jobs") for p in (REPO / root).rglob("*.py"))


@pytest.mark.fault("hostile")
def test_no_sql_is_built_from_data() -> None:
    violations = []
    for path in python_files():
        rel = str(path.relative_to(REPO))
        for line, arg in sql_calls(path):
            violations += [f"{rel}:{line}: {part}" for part in unsafe_parts(rel, arg)]
    assert not violations, "SQL built from non-constant text (bind values as ? parameters):\n" + "\n".join(
        violations
    )


def test_the_check_catches_data_in_sql() -> None:
    """The checker itself: an f-string with a data value is caught, quoted identifiers and constants are not."""
    snippet = ast.parse(
        "con.execute(f\"SELECT * FROM t WHERE name = '{name}'\")\n"
        'con.execute(f"SELECT {quote_ident(col)} FROM {TABLE}")\n'
        'con.execute("SELECT ? ", [name])\n'
    )
    calls = [
        n for n in ast.walk(snippet) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "execute"
    ]
    found = {ast.unparse(c.args[0])[:20]: unsafe_parts("x.py", c.args[0]) for c in calls}
    assert sorted(map(len, found.values())) == [0, 0, 1]
    assert ["name"] in found.values()
