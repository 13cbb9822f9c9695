"""Benchmark: generate N leaderboard-shaped rows (default 1,000,000) and ingest them like the v2 asset does.

Run: ``python -m greenlm_assets.lib.catalog.bench [N]``. Prints rows/s per phase and peak memory (RSS).
Not a timed test: numbers depend on the machine. The ingest is the asset's path: DuckDB parses the CSV into a temp
table, quarantine rules and the DDL contract are checked with set-based SQL, and one transaction replaces the table.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from greenlm_assets.lib.catalog.leaderboard import (
    KEY_COLUMNS,
    SNAPSHOT_FILES,
    quarantine_rules,
    read_snapshot,
)
from greenlm_assets.lib.catalog.loading import record_fetch
from greenlm_assets.lib.paths import SNAPSHOTS_DIR
from greenlm_assets.lib.raw_load import load_staged_with_quarantine


def generate(n: int, out: Path) -> None:
    """N rows cycling the shipped v2 rows, each with a unique id (DuckDB writes the CSV: no Python loop)."""
    src = SNAPSHOTS_DIR / SNAPSHOT_FILES["v2"]
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(
        "CREATE TABLE s AS SELECT *, row_number() OVER () - 1 AS k FROM read_csv(?, all_varchar = true)",
        [str(src)],
    )
    m = con.execute("SELECT count(*) FROM s").fetchone()[0]
    con.execute(
        f"COPY (SELECT s.* EXCLUDE (k) REPLACE (s.id || '_' || g.i AS id) FROM range({n}) AS g(i) "
        f"JOIN s ON s.k = g.i % {m} ORDER BY g.i) TO '{out}' (HEADER, DELIMITER ',')"
    )
    con.close()


def main(n: int = 1_000_000) -> None:
    table = "open_llm_leaderboard_v2"
    with tempfile.TemporaryDirectory(prefix="greenlm-bench-") as tmp:
        csv = Path(tmp) / "leaderboard.csv"
        t0 = time.perf_counter()
        generate(n, csv)
        t1 = time.perf_counter()
        fetch = read_snapshot("v2", csv)
        con = duckdb.connect(str(Path(tmp) / "bench.duckdb"))
        fetch.stage(con, "_staged")
        t2 = time.perf_counter()
        summary = load_staged_with_quarantine(
            con,
            table,
            "_staged",
            key_columns=KEY_COLUMNS["v2"],
            rules=quarantine_rules("v2"),
            source="bench",
            source_ref=str(csv),
            source_file=str(csv),
        )
        t3 = time.perf_counter()
        record_fetch(con, fetch, summary)
        t4 = time.perf_counter()
        con.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ingest = t4 - t1
    print(f"generated {n:,} rows  in {t1 - t0:.2f} s")
    print(f"sha256 + DuckDB read_csv -> temp table {t2 - t1:6.2f} s")
    print(
        f"quarantine + validate + load           {t3 - t2:6.2f} s  "
        f"({summary.rows:,} rows, {summary.quarantined} quarantined)"
    )
    print(f"history + fetch log                    {t4 - t3:6.2f} s")
    print(
        f"ingest total                           {ingest:6.2f} s  = {n / ingest:,.0f} rows/s; "
        f"peak RSS {peak_mb:,.0f} MB"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
