"""Pipeline speed benchmark: materialize every offline asset from scratch, then again with nothing changed.

Prints wall time and peak RSS (largest single process and whole process tree, sampled every 50 ms) of each run,
and writes them with hardware and library versions to ``benchmarks/results/pipeline_<utc date>.json``.
Run it after ``make install``: ``.venv/bin/python benchmarks/bench_pipeline.py``. Targets (issue 9): from scratch
≤ 60 s and ≤ 1 GiB peak RSS; re-run ≤ 15 s with no ingest work.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psutil
import typer

REPO = Path(__file__).resolve().parents[1]
# As `make run`, less the daily live scrape (needs a partition and the network) and the benchmark launch.
DEFAULT_SELECTION = 'not key:"raw/gpu_price_scrape" and not key:"jobs/greenlm_bench_run"'

app = typer.Typer(add_completion=False)


def _watch(proc: psutil.Popen) -> tuple[int, int]:
    """Poll until the process exits; return peak RSS of the whole tree and of the largest single process."""
    peak_tree = peak_single = 0
    while proc.poll() is None:
        try:
            rss = [p.memory_info().rss for p in [proc, *proc.children(recursive=True)] if p.is_running()]
        except psutil.Error:
            rss = []
        if rss:
            peak_tree, peak_single = max(peak_tree, sum(rss)), max(peak_single, max(rss))
        time.sleep(0.05)
    return peak_tree, peak_single


def _measure(cmd: list[str], env: dict[str, str], log_path: Path) -> dict:
    start = time.perf_counter()
    # Output goes to a file: a pipe read only at the end would fill up and block the child.
    with log_path.open("w") as log_file:
        proc = psutil.Popen(cmd, env=env, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT)
        peak_tree, peak_single = _watch(proc)
    wall = time.perf_counter() - start
    log = log_path.read_text()
    if proc.returncode != 0:
        sys.stderr.write(log[-5000:])
        raise typer.Exit(proc.returncode)
    return {
        "wall_s": round(wall, 2),
        "peak_rss_single_process_mib": round(peak_single / 2**20, 1),
        "peak_rss_process_tree_mib": round(peak_tree / 2**20, 1),
        "steps_succeeded": log.count("STEP_SUCCESS"),
        "raw_loads_skipped_unchanged": len(re.findall(r"unchanged, not reloaded", log)),
    }


@app.command()
def main(selection: str = DEFAULT_SELECTION, write: bool = True) -> None:
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
        (Path(env["DAGSTER_HOME"]) / "dagster.yaml").write_text(
            (REPO / ".dagster_home" / "dagster.yaml").read_text()
        )
        cmd = [
            str(Path(sys.executable).parent / "dagster"),
            "asset",
            "materialize",
            "-m",
            "greenlm_assets.definitions",
            "--select",
            selection,
        ]
        scratch = _measure(cmd, env, Path(tmp) / "scratch.log")
        rerun = _measure(cmd, env, Path(tmp) / "rerun.log")
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "selection": selection,
        "from_scratch": scratch,
        "rerun_unchanged": rerun,
        "targets": {"from_scratch_wall_s": 60, "from_scratch_peak_rss_mib": 1024, "rerun_wall_s": 15},
        "hardware": {
            "cpu": platform.processor() or platform.machine(),
            "cpu_model": _cpu_model(),
            "logical_cores": psutil.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "versions": {
            "python": platform.python_version(),
            **{
                p: metadata.version(p)
                for p in ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "pandas")
            },
        },
        "git_commit": subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip(),
    }
    print(json.dumps(result, indent=2))
    if write:
        out = REPO / "benchmarks" / "results" / f"pipeline_{datetime.now(UTC):%Y-%m-%d}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"written to {out}")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    app()
