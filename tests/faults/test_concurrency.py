"""Concurrency: two ``dagster asset materialize`` processes on one DuckDB file, and a dbt build racing an ingest.

DuckDB has a single writer process. Both paths must wait for the lock instead of failing: the Dagster resource
retries the connect (``GreenLMDuckDBResource``), dbt-duckdb retries through ``retries.connect_attempts`` in
``dbt_project/profiles.yml``. To make the race certain rather than likely, the test first holds the lock itself
(or parks a real ingest inside its transaction) until each racing process has reported that its connect met the
lock (``DUCKDB_LOCKED``, printed by ``tests/faults/lock_probe/sitecustomize.py`` in every child process).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.faults.helpers import REPO, duplicate_rows, run
from tests.faults.test_crashes import _load_v1

LOCK_ERROR = "Could not set lock"
SELECTION = 'key:"raw/training_footprint" or key:"raw/gpu_specs" or key:"raw/open_llm_leaderboard_v1"'
KEYS = {
    "training_footprint": ("model",),
    "gpu_specs": ("hardware_name",),
    "open_llm_leaderboard_v1": ("fullname", "precision"),
    "open_llm_leaderboard_history": ("fetch_id", "board", "submission_id"),
    "open_llm_leaderboard_fetches": ("fetch_id", "board"),
}
BIN = Path(sys.executable).parent
LOCK_PROBE = (
    Path(__file__).resolve().parent / "lock_probe"
)  # its sitecustomize reports connects refused by a lock
LOCKED = "DUCKDB_LOCKED"


class Proc:
    """A child process whose combined output is collected line by line in a thread."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path = REPO) -> None:
        self.lines: list[str] = []
        self.popen = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line)

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not self.saw(text):
            assert self.popen.poll() is None, "".join(self.lines[-40:])
            assert time.monotonic() < deadline, f"never saw {text!r}: " + "".join(self.lines[-40:])
            time.sleep(0.05)

    def finish(self, timeout: float = 240) -> tuple[int, str]:
        rc = self.popen.wait(timeout=timeout)
        self.thread.join(timeout=10)
        return rc, "".join(self.lines)


def _env(db: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"
    }  # ephemeral instance: no run queue, no pool
    env.update(
        GREENLM_DUCKDB_PATH=str(db),
        PYTHONPATH=os.pathsep.join([str(LOCK_PROBE), str(REPO)]),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def _raw_counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' ORDER BY 1"
            ).fetchall()
        ]
        return {t: con.execute(f'SELECT count(*) FROM raw."{t}"').fetchone()[0] for t in tables}


@pytest.mark.fault("concurrency")
@pytest.mark.slow
def test_two_materialize_processes_on_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, measured
) -> None:
    db = tmp_path / "greenlm.duckdb"
    argv = [
        str(BIN / "dagster"),
        "asset",
        "materialize",
        "-m",
        "greenlm_assets.definitions",
        "--select",
        SELECTION,
    ]
    holder = duckdb.connect(str(db))  # the file is busy when both runs start their first step
    try:
        procs = [Proc(argv, _env(db)) for _ in range(2)]
        for p in procs:
            p.wait_for(LOCKED)  # its step tried to open the file and met our lock: the race is on
    finally:
        holder.close()
    results = [p.finish() for p in procs]
    for rc, out in results:
        assert rc == 0, out[-3000:]
        assert LOCK_ERROR not in out
        assert "RUN_SUCCESS" in out

    serial = tmp_path / "serial.duckdb"
    monkeypatch.setenv("GREENLM_DUCKDB_PATH", str(serial))
    assert run(SELECTION).success
    concurrent_counts, serial_counts = _raw_counts(db), _raw_counts(serial)
    dupes = sum(duplicate_rows(db, t, k) for t, k in KEYS.items())
    lost = sum(max(0, n - concurrent_counts.get(t, 0)) for t, n in serial_counts.items())
    measured(rows_lost=lost, duplicates=dupes, detail="2 dagster asset materialize processes")
    assert concurrent_counts == serial_counts and dupes == 0


@pytest.mark.fault("concurrency")
@pytest.mark.slow
def test_dbt_build_waits_for_a_running_ingest(tmp_path: Path, measured) -> None:
    db = tmp_path / "greenlm.duckdb"
    assert _load_v1(db).success
    flag = tmp_path / "commit-now"
    ingest = Proc(
        [sys.executable, "-m", "tests.faults.crash_child", str(db), "20000", f"hold:{flag}"], _env(db)
    )
    ingest.wait_for(
        "IN_TRANSACTION hold"
    )  # a real load, parked inside its transaction: it holds the write lock
    target = os.environ.get("GREENLM_DBT_TARGET_PATH", "target")
    dbt = Proc(
        [str(BIN / "dbt"), "build", "--project-dir", ".", "--profiles-dir", ".", "--target-path", target,
         "--select", "stg_open_llm_leaderboard__v1_submissions"],
        _env(db),
        cwd=REPO / "dbt_project",
    )  # fmt: skip
    dbt.wait_for(LOCKED)  # dbt tried to open the file and met the ingest's lock
    assert dbt.popen.poll() is None  # it waits (without the profile's retries it fails here: lock held)
    flag.touch()
    rc_ingest, out_ingest = ingest.finish()
    rc_dbt, out_dbt = dbt.finish()
    assert rc_ingest == 0 and "DONE" in out_ingest, out_ingest[-2000:]
    assert rc_dbt == 0, out_dbt[-3000:]
    assert LOCK_ERROR not in out_dbt + out_ingest
    with duckdb.connect(str(db), read_only=True) as con:
        raw = con.execute("SELECT count(*) FROM raw.open_llm_leaderboard_v1").fetchone()[0]
        staged = con.execute(
            "SELECT count(*) FROM staging.stg_open_llm_leaderboard__v1_submissions"
        ).fetchone()[0]
    dupes = duplicate_rows(db, "open_llm_leaderboard_v1", KEYS["open_llm_leaderboard_v1"])
    measured(rows_lost=20000 - raw, duplicates=dupes, detail="dbt build racing an ingest")
    assert raw == staged == 20000 and dupes == 0  # dbt built on the committed ingest, whole
