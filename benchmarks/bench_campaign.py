"""Campaign throughput benchmark: configurations measured per hour on a real local Ray cluster of 1 and of 2 nodes,
and where each configuration's time goes - exactly what a user runs (``greenlm campaign launch``, one Dagster run
per cell, each cell a Ray job running ``greenlm-bench run`` with the protocol's windows).

The grid is ``benchmarks/campaigns/cpu_protocol.yaml``: 6 CPU cells of one core each, the protocol's windows
unchanged (3 measured windows of >= 5 s, 5 s idle power, 1 warm-up call). Each cluster size gets a fresh cluster,
DuckDB file, Dagster instance and cell folder:

- ``1 node``: a Ray head with 1 CPU, ``greenlm campaign launch --parallel 1``;
- ``2 nodes``: the same head plus a worker node with 1 CPU, ``--parallel 2``.

Per cell it reads back the Dagster run (start/end from the instance), the Ray job (start/end, node) and the row
(model load, warm-up, idle measurement, measured windows) and splits the cell's wall time into the measured windows
and the overhead: idle-power measurement, model load, warm-up, the rest of the harness (process start, imports,
TTFT probe) and Dagster (run process, code-location load, Ray job submission and polling). Writes hardware, library
versions and commit to ``benchmarks/results/campaign_<utc date>.json``. Targets (issue 19): overhead <= 30 % of a
configuration's time; 2 nodes >= 1.8x the configurations per hour of 1 node for CPU-bound cells.

Ray advertises the machine's interface address unless it runs in a network namespace of its own, so the script
re-runs itself under ``unshare -n`` (root; loopback only)::

    .venv/bin/python benchmarks/bench_campaign.py             # --rounds 2 alternates the sizes twice; --no-write
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from _env import REPO, environment, write_result

sys.path.insert(0, str(REPO))
from tests.platform.fleet_scenario import alive_nodes, free_port, fresh_env, sh, wait_for  # noqa: E402

PY = sys.executable
RAY = str(Path(PY).with_name("ray"))
CAMPAIGNS = REPO / "benchmarks" / "campaigns"
CAMPAIGN = "cpu_protocol"


def start_cluster(base: dict[str, str], nodes: int, ray_tmp: Path) -> str:
    """A head with 1 CPU (its dashboard is the job server) plus ``nodes - 1`` workers with 1 CPU each."""
    gcs, dash = free_port(), free_port()
    sh([RAY, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(gcs), "--num-cpus", "1",
        "--include-dashboard", "true", "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dash),
        "--dashboard-agent-listen-port", str(free_port()), "--temp-dir", str(ray_tmp), "--disable-usage-stats"], base)  # fmt: skip
    for _ in range(nodes - 1):
        sh([RAY, "start", "--address", f"127.0.0.1:{gcs}", "--node-ip-address", "127.0.0.1", "--num-cpus", "1",
            "--node-manager-port", str(free_port()), "--dashboard-agent-listen-port", str(free_port()),
            "--disable-usage-stats"], base)  # fmt: skip
    dashboard = f"http://127.0.0.1:{dash}"
    wait_for(lambda: len(alive_nodes(dashboard)) == nodes, f"{nodes} alive Ray node(s)")
    return dashboard


def ray_jobs(dashboard: str) -> dict[str, dict[str, Any]]:
    from ray.job_submission import JobSubmissionClient

    out = {}
    for j in JobSubmissionClient(address=dashboard).list_jobs():
        cell = (j.metadata or {}).get("greenlm_cell")
        if cell and j.start_time and j.end_time:
            out[cell] = {
                "s": (j.end_time - j.start_time) / 1000,
                "node": j.driver_node_id,
                "status": str(j.status),
            }
    return out


def dagster_runs(dagster_home: str) -> dict[str, float]:
    """Seconds from each cell run's start to its end, as the Dagster instance recorded them."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = dagster_home
    out = {}
    with dg.DagsterInstance.get() as instance:
        for run in instance.get_runs():
            partition = run.tags.get("dagster/partition")
            stats = instance.get_run_stats(run.run_id)
            if partition and stats.start_time and stats.end_time:
                out[partition] = stats.end_time - stats.start_time
    return out


def cells(env: dict[str, str], dashboard: str) -> list[dict[str, Any]]:
    jobs, runs = ray_jobs(dashboard), dagster_runs(env["DAGSTER_HOME"])
    out = []
    for path in sorted(Path(env["GREENLM_CAMPAIGN_RUNS_DIR"]).glob("*.jsonl")):
        row = json.loads(path.read_text().splitlines()[-1])
        job, run_s = jobs[path.stem], runs[path.stem]
        measured = sum(row["windows_s"])
        parts = {"idle_s": row["idle_s"], "load_s": row["load_s"], "warmup_s": row["warmup_s"]}
        out.append({
            "cell": path.stem, "status": row["status"], "node": job["node"], "cells_rows": 1,
            "dagster_run_s": round(run_s, 2), "ray_job_s": round(job["s"], 2), "measured_windows_s": round(measured, 2),
            **{k: round(v, 2) for k, v in parts.items()},
            "harness_other_s": round(job["s"] - measured - sum(parts.values()), 2),
            "dagster_other_s": round(run_s - job["s"], 2),
            "overhead_share": round(1 - measured / run_s, 3),
        })  # fmt: skip
    return out


def one_size(base: dict[str, str], root: Path, nodes: int, label: str) -> dict[str, Any]:
    ray_tmp = Path(tempfile.mkdtemp(prefix="rb", dir="/tmp"))  # short: Ray's socket paths have a length limit
    try:
        dashboard = start_cluster(base, nodes, ray_tmp)
        env = {**fresh_env(base, root, label, dashboard), "GREENLM_CAMPAIGNS_DIR": str(CAMPAIGNS)}
        sh(
            [PY, "-m", "greenlm_assets.cli", "campaign", "register", CAMPAIGN], env
        )  # instance created up front
        load0 = os.getloadavg()[0]
        t0 = time.monotonic()
        proc = sh(
            [PY, "-m", "greenlm_assets.cli", "campaign", "launch", CAMPAIGN, "--parallel", str(nodes)], env
        )
        wall = time.monotonic() - t0
        measured = cells(env, dashboard)
        if len(measured) != 6 or any(c["status"] != "ok" for c in measured):
            raise RuntimeError(f"{label}: {len(measured)} cells measured: {proc.stdout[-1500:]}")
        return {
            "nodes": nodes, "cpus_per_node": 1, "parallel": nodes, "cells": len(measured),
            "wall_s": round(wall, 1), "configurations_per_hour": round(3600 * len(measured) / wall, 1),
            "distinct_nodes_used": len({c["node"] for c in measured}),
            "overhead_share_median": round(statistics.median(c["overhead_share"] for c in measured), 3),
            "load_avg_1m_start": load0, "load_avg_1m_end": os.getloadavg()[0], "per_cell": measured,
        }  # fmt: skip
    finally:
        subprocess.run([RAY, "stop", "--force"], env=base, capture_output=True, cwd=REPO)
        shutil.rmtree(ray_tmp, ignore_errors=True)


def measure(rounds: int) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="greenlm-campaign-bench-"))
    (root / "home").mkdir()
    base = {**os.environ, "HOME": str(root / "home"), "RAY_USAGE_STATS_ENABLED": "0", "PYTHONPATH": str(REPO),
            "DAGSTER_DISABLE_TELEMETRY": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}  # fmt: skip
    base.pop("RAY_ADDRESS", None)
    runs: list[dict[str, Any]] = []
    try:
        for r in range(rounds):
            for nodes in (1, 2):
                runs.append(one_size(base, root, nodes, f"r{r}_n{nodes}"))
                print(json.dumps({k: v for k, v in runs[-1].items() if k != "per_cell"}), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    per_hour = {
        n: statistics.median(r["configurations_per_hour"] for r in runs if r["nodes"] == n) for n in (1, 2)
    }
    every = [c for r in runs for c in r["per_cell"]]
    share = {k: round(sum(c[k] for c in every) / sum(c["dagster_run_s"] for c in every), 3)
             for k in ("measured_windows_s", "idle_s", "load_s", "warmup_s", "harness_other_s", "dagster_other_s")}  # fmt: skip
    return {
        "benchmark": "campaign throughput (benchmarks/bench_campaign.py)",
        "campaign": str((CAMPAIGNS / f"{CAMPAIGN}.yaml").relative_to(REPO)),
        "command": f"greenlm campaign launch {CAMPAIGN} --parallel <nodes> (GREENLM_RAY_ADDRESS = the local head)",
        "summary": {
            "configurations_per_hour_1_node": per_hour[1],
            "configurations_per_hour_2_nodes": per_hour[2],
            "scaling_2_vs_1": round(per_hour[2] / per_hour[1], 2),
            "share_of_cell_time": share,
            "overhead_share": round(1 - share["measured_windows_s"], 3),
            "targets": {"overhead_share_max": 0.30, "scaling_2_vs_1_min": 1.8},
        },
        "runs": runs,
        **environment(("dagster", "dagster-ray", "ray", "torch", "transformers")),
    }


def main(
    rounds: Annotated[int, typer.Option(help="alternate 1 and 2 nodes this many times")] = 1,
    write: Annotated[bool, typer.Option(help="write benchmarks/results/campaign_<date>.json")] = True,
) -> None:
    if (
        os.environ.get("GREENLM_BENCH_NETNS") != "1"
    ):  # re-run in a network namespace of its own (loopback only)
        if os.geteuid() != 0 or not shutil.which("unshare"):
            raise SystemExit("bench_campaign needs root and unshare (Ray must run on loopback only)")
        argv = " ".join([PY, *map(str, sys.argv)])
        env = {**os.environ, "GREENLM_BENCH_NETNS": "1"}
        raise SystemExit(
            subprocess.run(
                ["unshare", "-n", "sh", "-c", f"ip link set lo up && exec {argv}"], env=env
            ).returncode
        )
    result = measure(rounds)
    print(json.dumps(result["summary"], indent=1))
    if write:
        write_result("campaign", result)


if __name__ == "__main__":
    typer.run(main)
