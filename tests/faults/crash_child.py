"""Child process of the crash tests: load a big synthetic leaderboard v1 through the real load path, announcing
on stdout when it is inside the load's transaction, so the parent can ``kill -9`` it there.

``python -m tests.faults.crash_child <db> <rows> <insert|commit|hold:FLAG>``: with ``insert`` the INSERT of
``rows`` rows parks halfway through its scan (its rows pass a gate that stops at row ``rows // 2``), so the parent
kills it mid-statement; with ``commit`` the child parks just before COMMIT (every new row is in the transaction);
with ``hold:FLAG`` it waits before COMMIT until the file FLAG exists, then commits (a slow ingest). Each announces
``IN_TRANSACTION <point>`` on stdout once parked there.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from pathlib import Path

import pandas as pd

from greenlm_assets.defs.resources import GreenLMDuckDBResource
from greenlm_assets.lib.catalog.leaderboard import KEY_COLUMNS, SnapshotLeaderboardClient, quarantine_rules
from greenlm_assets.lib.raw_load import ROW_COLUMN, load_with_quarantine


def park() -> None:
    """Wait here until the parent kills the process (no timeout: a test that never kills fails on its own)."""
    threading.Event().wait()


class Announcing:
    """Forwards to a real DuckDB connection; prints a marker when the load reaches the watched statement."""

    def __init__(self, con, point: str, rows: int) -> None:
        self._con, self._point, self._rows = con, point, rows
        self._seen = 0
        self._lock = threading.Lock()

    def _gate(self, _row: int) -> bool:
        """Passes every row of the INSERT's scan until half of them went through, then announces and parks."""
        with self._lock:
            self._seen += 1
            if self._seen == self._rows // 2:
                print("IN_TRANSACTION insert", flush=True)
            parked = self._seen >= self._rows // 2
        if parked:
            park()
        return True

    def execute(self, sql: str, *args, **kw):
        if (
            self._point == "insert"
            and sql.startswith("INSERT INTO raw.")
            and "open_llm_leaderboard_v1" in sql
        ):
            # The statement's rows come through the gate: the INSERT is running when the parent kills.
            source = re.search(r' FROM ("[^"]+")$', sql)
            assert source, f"unexpected INSERT: {sql}"
            self._con.create_function("_crash_gate", self._gate, ["BIGINT"], "BOOLEAN", side_effects=True)
            sql = (
                f"{sql[: source.start()]} FROM (SELECT * FROM {source[1]} "
                f"WHERE _crash_gate(CAST({ROW_COLUMN} AS BIGINT)))"
            )
        if sql == "COMMIT" and self._point == "commit":
            print("IN_TRANSACTION commit", flush=True)
            park()
        if sql == "COMMIT" and self._point.startswith("hold:"):
            print("IN_TRANSACTION hold", flush=True)
            flag = Path(self._point.removeprefix("hold:"))
            while not flag.exists():  # a slow ingest: keeps the write lock until the parent says go
                time.sleep(0.05)
        return self._con.execute(sql, *args, **kw)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def main(db: str, rows: int, point: str) -> None:
    fetch = SnapshotLeaderboardClient().fetch("v1")
    base = fetch.frame
    copies = -(-rows // len(base))
    frame = pd.concat(
        [base.assign(fullname=base["fullname"] + f"-copy{i}") for i in range(copies)], ignore_index=True
    )
    frame = frame.iloc[:rows].copy()
    frame["_row"] = range(2, len(frame) + 2)
    print(f"READY {len(frame)}", flush=True)
    with GreenLMDuckDBResource(database=db).get_connection() as con:
        load_with_quarantine(
            Announcing(con, point, rows),
            "open_llm_leaderboard_v1",
            frame,
            key_columns=KEY_COLUMNS["v1"],
            rules=quarantine_rules("v1"),
            source="crash_test",
            source_ref="synthetic",
            source_file="synthetic",
        )
    print("DONE", flush=True)


if __name__ == "__main__":
    main(str(Path(sys.argv[1])), int(sys.argv[2]), sys.argv[3])
