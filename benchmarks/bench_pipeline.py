"""Pipeline speed benchmark: ``make run`` from scratch, then again with nothing changed - exactly what a user runs
(the Makefile's ``run`` target: ``prepare``, the asset selection with the ``greenlm-bench`` smoke run, ``greenlm
summary``), into a throwaway DuckDB file, Dagster instance, charts and report folder.

Prints wall time and peak RSS (largest single process and whole process tree, sampled every 50 ms) of each run,
the load averages around it (the machine may be shared), what the re-run skipped, and where the time went: process
start and code-location load, run planning (one event-log write per planned asset and check) and execution, with
the slowest steps, read back from the Dagster event log. Writes it all with hardware and library versions to
``benchmarks/results/pipeline_<utc date>.json``. Run it after ``make install`` and ``make prepare``:
``.venv/bin/python benchmarks/bench_pipeline.py``. Targets (issue 9): from scratch ≤ 60 s and ≤ 1 GiB peak RSS;
re-run ≤ 15 s with no ingest work. ``--selection`` measures ``dagster asset materialize --select`` alone instead
(for comparisons; the result file says which command ran).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import psutil
import typer
from _env import REPO, environment, write_result

MAKEFILE = REPO / "Makefile"


def make_run_selection() -> str:
    """The asset selection of the Makefile's ``run`` target (one place: what `make run` materializes)."""
    match = re.search(
        r"^run:.*?\n\t\S*dagster asset materialize .*?--select '([^']+)'", MAKEFILE.read_text(), re.S | re.M
    )
    if not match:
        raise RuntimeError(f"{MAKEFILE}: no `dagster asset materialize --select '...'` under the run target")
    return match.group(1)


app = typer.Typer(add_completion=False)


def _watch(proc: psutil.Popen) -> tuple[int, int, int]:
    """Poll until the process exits; return peak RSS of the whole tree and of the largest single process, and
    peak PSS of the tree.

    RSS summed over a tree counts shared pages once per process: a child caught between fork and exec briefly
    doubles its parent's pages, so the tree's RSS can spike by the parent's size. PSS splits shared pages among
    the processes sharing them, so the PSS sum is what the tree really holds.
    """
    peak_tree = peak_single = peak_pss = 0
    while proc.poll() is None:
        try:
            procs = [p for p in [proc, *proc.children(recursive=True)] if p.is_running()]
            rss = [p.memory_info().rss for p in procs]
            pss = sum(p.memory_full_info().pss for p in procs)
        except psutil.Error:
            rss, pss = [], 0
        if rss:
            peak_tree, peak_single = max(peak_tree, sum(rss)), max(peak_single, max(rss))
            peak_pss = max(peak_pss, pss)
        time.sleep(0.05)
    return peak_tree, peak_single, peak_pss


def _run_breakdown(dagster_home: str) -> dict:
    """Phases and slowest steps of the latest run, from its event log (timestamps of the events themselves)."""
    os.environ["DAGSTER_HOME"] = dagster_home
    import dagster as dg  # here, not at the top: the bench itself should not pay for it before measuring

    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        records = instance.all_logs(run.run_id)
    first = records[0].timestamp
    marks: dict[str, float] = {}
    starts: dict[str, float] = {}
    steps: list[tuple[float, str]] = []
    for record in records:
        kind = record.dagster_event.event_type_value if record.dagster_event else "LOG"
        if kind in ("PIPELINE_START", "RUN_START", "PIPELINE_SUCCESS", "RUN_SUCCESS"):
            marks[kind.replace("PIPELINE", "RUN")] = record.timestamp
        elif kind == "STEP_START":
            starts[record.step_key] = record.timestamp
        elif kind == "STEP_SUCCESS":
            steps.append((record.timestamp - starts[record.step_key], record.step_key))
    return {
        "event_log_entries": len(records),
        "planning_s": round(marks["RUN_START"] - first, 2),
        "execution_s": round(marks["RUN_SUCCESS"] - marks["RUN_START"], 2),
        "slowest_steps_s": {key: round(d, 2) for d, key in sorted(steps, reverse=True)[:6]},
    }


def _measure(cmd: list[str], env: dict[str, str], log_path: Path) -> dict:
    load_before = os.getloadavg()
    start = time.perf_counter()
    # Output goes to a file: a pipe read only at the end would fill up and block the child.
    with log_path.open("w") as log_file:
        proc = psutil.Popen(cmd, env=env, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT)
        peak_tree, peak_single, peak_pss = _watch(proc)
    wall = time.perf_counter() - start
    log = log_path.read_text()
    if proc.returncode != 0:
        sys.stderr.write(log[-5000:])
        raise typer.Exit(proc.returncode)
    breakdown = _run_breakdown(env["DAGSTER_HOME"])
    return {
        "wall_s": round(wall, 2),
        "peak_rss_single_process_mib": round(peak_single / 2**20, 1),
        "peak_rss_process_tree_mib": round(peak_tree / 2**20, 1),
        "peak_pss_process_tree_mib": round(peak_pss / 2**20, 1),
        "load_average_1_5_15_before": [round(x, 2) for x in load_before],
        "load_average_1_5_15_after": [round(x, 2) for x in os.getloadavg()],
        "steps_succeeded": log.count("STEP_SUCCESS"),
        "raw_loads_skipped_unchanged": len(re.findall(r"unchanged, not reloaded", log)),
        "dbt_build_reused": "dbt inputs unchanged" in log,
        "smoke_run_skipped_unchanged": "smoke run unchanged" in log,
        "charts_kept_unchanged": len(re.findall(r"chart \S+ unchanged, kept", log)),
        # Wall time outside the run's events: interpreter start, imports, code-location load, exit.
        "outside_run_s": round(wall - breakdown["planning_s"] - breakdown["execution_s"], 2),
        **breakdown,
    }


@app.command()
def main(
    selection: Annotated[
        str | None,
        typer.Option(help="measure `dagster asset materialize --select SELECTION` instead of `make run`"),
    ] = None,
    write: bool = True,
    instance_config: Annotated[
        Path, typer.Option(help="dagster.yaml of the throwaway instance (to compare instance settings).")
    ] = REPO / ".dagster_home" / "dagster.yaml",
) -> None:
    with tempfile.TemporaryDirectory(prefix="greenlm-bench-") as tmp:
        env = {
            **os.environ,
            "GREENLM_DUCKDB_PATH": str(Path(tmp) / "greenlm.duckdb"),
            "GREENLM_CHARTS_DIR": str(Path(tmp) / "charts"),
            "GREENLM_REPORT_DIR": str(Path(tmp) / "report"),
            "DAGSTER_HOME": str(Path(tmp) / "dagster_home"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DAGSTER_DISABLE_TELEMETRY": "1",
        }
        Path(env["DAGSTER_HOME"]).mkdir()
        (Path(env["DAGSTER_HOME"]) / "dagster.yaml").write_text(instance_config.read_text())
        if selection is None:
            # what a user runs; make's own variables point it at this interpreter's venv and the throwaway paths
            cmd = ["make", "--no-print-directory", "run", f"PYTHON={sys.executable}"]
        else:
            cmd = [str(Path(sys.executable).parent / "dagster"), "asset", "materialize", "-m",
                   "greenlm_assets.definitions", "--select", selection]  # fmt: skip
        scratch = _measure(cmd, env, Path(tmp) / "scratch.log")
        rerun = _measure(cmd, env, Path(tmp) / "rerun.log")
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(cmd[:3]) if selection is None else "dagster asset materialize --select",
        "selection": make_run_selection() if selection is None else selection,
        "instance_config": str(instance_config),
        "from_scratch": scratch,
        "rerun_unchanged": rerun,
        "targets": {"from_scratch_wall_s": 60, "from_scratch_peak_rss_mib": 1024, "rerun_wall_s": 15},
        **environment(("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "pandas")),
    }
    print(json.dumps(result, indent=2))
    if write:
        write_result("pipeline", result)


if __name__ == "__main__":
    app()
