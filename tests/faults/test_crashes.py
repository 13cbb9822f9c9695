"""Crashes: ``kill -9`` of an ingest inside its transaction and of the benchmark CLI mid-sweep.

The previous data must be intact (byte-for-byte), no partial row may appear, and a re-run must complete.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from greenlm_assets.defs.ingest.open_llm_leaderboard import open_llm_leaderboard_v1
from greenlm_assets.defs.resources import GreenLMDuckDBResource
from greenlm_assets.lib.catalog.leaderboard import SnapshotLeaderboardClient
from tests.faults.helpers import REPO, duplicate_rows, table_state

V1_ROWS = 7169  # rows of the shipped v1 snapshot
KEYS = ("fullname", "precision")
ROWS = {
    "insert": "150000",
    "commit": "20000",
}  # synthetic rows (the INSERT is killed halfway through its 150k)


def _load_v1(db: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [open_llm_leaderboard_v1],
        resources={
            "duckdb": GreenLMDuckDBResource(database=str(db)),
            "leaderboard_client": SnapshotLeaderboardClient(),
        },
        raise_on_error=False,
    )


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.mark.fault("crash")
@pytest.mark.slow
@pytest.mark.parametrize("point", ["insert", "commit"])
def test_kill_9_inside_the_load_transaction_keeps_previous_rows(point: str, tmp_path: Path, measured) -> None:
    db = tmp_path / "greenlm.duckdb"
    assert _load_v1(db).success
    before = table_state(db, "open_llm_leaderboard_v1")
    quarantine = table_state(db, "catalog_quarantine")

    child = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.crash_child", str(db), ROWS[point], point],
        cwd=REPO,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        seen = []
        for line in child.stdout:
            seen.append(line.strip())
            if line.startswith(f"IN_TRANSACTION {point}"):
                break
        assert seen and seen[-1] == f"IN_TRANSACTION {point}", (
            seen,
            child.stderr.read() if child.stderr else "",
        )
        # The child is parked there (mid-INSERT, its rows passing a gate / just before COMMIT) until killed.
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
        seen += child.stdout.read().split()  # whatever it printed before the kill, up to the end of the pipe
    finally:
        if child.poll() is None:
            child.kill()
    assert "DONE" not in seen and seen.count(f"IN_TRANSACTION {point}") == 1, seen

    after = table_state(db, "open_llm_leaderboard_v1")  # reopening replays DuckDB's WAL
    dupes = duplicate_rows(db, "open_llm_leaderboard_v1", KEYS)
    measured(rows_lost=before.rows_lost_to(after), duplicates=dupes, detail=f"killed at {point}")
    assert after == before and dupes == 0  # no partial rows, not even new load timestamps
    assert table_state(db, "catalog_quarantine") == quarantine
    rerun = _load_v1(db)  # and the next run completes
    assert rerun.success
    assert table_state(db, "open_llm_leaderboard_v1").rows == V1_ROWS


@pytest.mark.fault("crash")
@pytest.mark.slow
def test_kill_9_of_benchmark_cli_mid_sweep_leaves_whole_rows(tmp_path: Path, measured) -> None:
    out = tmp_path / "runs.jsonl"
    argv = [
        sys.executable, "-m", "jobs.cli", "run", "--model", "smollm-135m", "--backend", "pytorch",
        "--precision", "fp32", "--device", "cpu", "--n-prompts", "1", "--new-tokens", "2",
        "--max-prompt-tokens", "16", "--repeats", "1", "--warmup", "0", "--min-window-s", "0",
        "--idle-s", "0", "--no-codecarbon", "--cache-dir", str(tmp_path / "cache"), "--out", str(out),
    ]  # fmt: skip
    # The real CLI, parked inside the first measurement window of the second configuration (sweep_child).
    sweep = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.sweep_child", *argv[3:], "--batch-size", "1,2,4,8"],
        cwd=REPO,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert sweep.stdout is not None
        parked = False
        for line in sweep.stdout:  # ends at EOF if the child exits without parking
            if line.strip() == "IN_WINDOW":
                parked = True
                break
        assert parked, sweep.stderr.read() if sweep.stderr else ""
        os.kill(sweep.pid, signal.SIGKILL)  # the second configuration is measuring
        assert sweep.wait(timeout=30) == -signal.SIGKILL
    finally:
        if sweep.poll() is None:
            sweep.kill()
    data = out.read_bytes()
    assert data.endswith(b"\n")  # whole lines only
    rows = [json.loads(line) for line in data.splitlines()]
    assert [(r["batch_size"], r["status"]) for r in rows] == [(1, "ok")]  # the first configuration, whole

    rerun = subprocess.run(
        [*argv, "--batch-size", "2"], cwd=REPO, env=_child_env(), capture_output=True, text=True, timeout=180
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    after = [json.loads(line) for line in out.read_text().splitlines()]
    run_ids = [r["run_id"] for r in after]
    measured(rows_lost=len(rows) - sum(r in after for r in rows), duplicates=len(run_ids) - len(set(run_ids)))
    assert after[: len(rows)] == rows and len(after) == len(rows) + 1  # earlier rows intact, one row appended
    assert len(set(run_ids)) == len(run_ids)
