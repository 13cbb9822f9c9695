"""A real 2-node Ray cluster on this machine, a CPU campaign through Dagster on it, and its faults; prints a JSON verdict.

Run by ``tests/platform/test_fleet.py`` inside a network namespace of its own (``unshare -n``, loopback only), so that Ray,
which advertises the machine's interface address otherwise, uses 127.0.0.1 and no test traffic leaves the machine::

    unshare -n sh -c 'ip link set lo up && exec python -m tests.platform.fleet_scenario OUT.json'

The head has 1 CPU and the worker 2, so the 3 one-CPU cells of ``jobs/campaigns/cpu_tiny.yaml`` run at once, on
both nodes. Scenarios, in order (each with a fresh DuckDB file, Dagster instance and cell folder):

1. ``unreachable``: GREENLM_RAY_ADDRESS names a port where no head listens: the launch and a direct materialization
   fail saying so, nothing is written.
2. ``campaign``: the campaign lands in DuckDB, each cell once, on both nodes.
3. ``concurrent``: two launches of the campaign at once: each cell is measured (a Ray job) once.
4. ``kill``: the worker node is killed (SIGKILL of its raylet and everything under it) while its harness processes
   measure: those cells' steps log the reason and are retried once (a Dagster retry), Ray places the retries on
   the head, every cell ends with one row, no partial or duplicate row.
"""

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import psutil

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
RAY = str(Path(PY).with_name("ray"))
CAMPAIGN = "cpu_tiny"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sh(argv: list[str], env: dict[str, str], check: bool = True, **kw: Any) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=REPO, **kw)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{argv[:4]} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc


def fresh_env(base: dict[str, str], root: Path, name: str, address: str) -> dict[str, str]:
    d = root / name
    (d / "dagster_home").mkdir(parents=True)
    (d / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return {
        **base,
        "GREENLM_DUCKDB_PATH": str(d / "greenlm.duckdb"),
        "GREENLM_CAMPAIGN_RUNS_DIR": str(d / "cells"),
        "DAGSTER_HOME": str(d / "dagster_home"),
        "GREENLM_RAY_ADDRESS": address,
    }


def launch(env: dict[str, str], *extra: str) -> subprocess.Popen:
    argv = [PY, "-m", "greenlm_assets.cli", "campaign", "launch", CAMPAIGN, "--parallel", "3", *extra]
    return subprocess.Popen(
        argv, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def cell_rows(env: dict[str, str]) -> dict[str, int]:
    folder = Path(env["GREENLM_CAMPAIGN_RUNS_DIR"])
    return {p.stem: len(p.read_text().splitlines()) for p in sorted(folder.glob("*.jsonl"))}


def duckdb_cells(env: dict[str, str]) -> list[tuple]:
    path = env["GREENLM_DUCKDB_PATH"]
    if not Path(path).exists():
        return []
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(
            "SELECT campaign_cell, ray_node_id, cpu_cores_allotted, status, count(*) FROM raw.benchmark_runs "
            "WHERE campaign = ? GROUP BY ALL ORDER BY 1",
            [CAMPAIGN],
        ).fetchall()


def ray_jobs(address: str) -> list[dict[str, Any]]:
    from ray.job_submission import JobSubmissionClient

    return [
        {"id": j.submission_id, "status": str(j.status), "cell": (j.metadata or {}).get("greenlm_cell"),
         "node": j.driver_node_id, "message": (j.message or "")[:300]}
        for j in JobSubmissionClient(address=address).list_jobs()
    ]  # fmt: skip


def dagster_warnings(env: dict[str, str]) -> list[str]:
    """The warning messages of every run in the scenario's Dagster instance (the step's retry reason)."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
    with dg.DagsterInstance.get() as instance:
        return [
            e.user_message for run in instance.get_runs() for e in instance.all_logs(run.run_id)
            if e.level == logging.WARNING and e.user_message
        ]  # fmt: skip


def alive_nodes(dashboard: str) -> list[str]:
    from ray.util.state import list_nodes

    return [n.node_id for n in list_nodes(address=dashboard) if n.state == "ALIVE"]


def wait_for(predicate, what: str, timeout_s: float = 120.0) -> None:  # noqa: ANN001
    """Poll a condition that another process makes true (a node joining, a process starting); fail after timeout."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)


def harnesses_on(node_id: str, dashboard: str) -> list[psutil.Process]:
    """The harness processes of the Ray jobs running on a node (their --out names the job's submission id)."""
    ids = [j["id"] for j in ray_jobs(dashboard) if j["node"] == node_id and "RUNNING" in j["status"]]
    return [
        p for p in psutil.process_iter()
        if "jobs.cli" in (cmd := " ".join(_cmdline(p))) and any(f"{i}.jsonl" in cmd for i in ids)
    ]  # fmt: skip


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def find_raylet(port: int) -> psutil.Process:
    for p in psutil.process_iter(["name", "cmdline"]):
        if "raylet" in (p.info["name"] or "") and f"--node_manager_port={port}" in (p.info["cmdline"] or []):
            return p
    raise RuntimeError(f"no raylet with node manager port {port}")


def main(out: Path) -> None:
    verdict: dict[str, Any] = {}
    root = Path(tempfile.mkdtemp(prefix="greenlm-fleet-"))
    ray_tmp = Path(tempfile.mkdtemp(prefix="rf", dir="/tmp"))  # short: Ray's socket paths have a length limit
    home = root / "home"
    home.mkdir()
    base = {**os.environ, "HOME": str(home), "RAY_USAGE_STATS_ENABLED": "0", "PYTHONPATH": str(REPO),
            "DAGSTER_DISABLE_TELEMETRY": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}  # fmt: skip
    base.pop("RAY_ADDRESS", None)
    gcs, dash, worker_port = free_port(), free_port(), free_port()
    dashboard = f"http://127.0.0.1:{dash}"
    try:
        # 1. the head unreachable (before any cluster exists): a clear error, nothing written
        env = fresh_env(base, root, "unreachable", f"http://127.0.0.1:{free_port()}")
        proc = launch(env)
        text, _ = proc.communicate(timeout=300)
        # a direct materialization of one cell (as from the UI) needs its partition: the launch registered nothing
        sh([PY, "-m", "greenlm_assets.cli", "campaign", "register", CAMPAIGN], env)
        direct = sh([PY, "-m", "dagster", "asset", "materialize", "-m", "greenlm_assets.definitions", "--select",
                     'key:"measurements/campaign_runs"', "--partition",
                     "smollm-135m__pytorch__fp32__b1__squad50-t3__cpu"], env, check=False, timeout=300)  # fmt: skip
        verdict["unreachable"] = {
            "launch_rc": proc.returncode,
            "launch_says_unreachable": "Ray head unreachable" in text,
            "direct_rc": direct.returncode,
            "direct_says_unreachable": "Ray head unreachable" in direct.stdout + direct.stderr,
            "cell_rows": cell_rows(env),
            "duckdb_exists": Path(env["GREENLM_DUCKDB_PATH"]).exists(),
        }

        # the cluster: a head with 1 CPU and its dashboard (the job server) on 127.0.0.1, a worker with 2 CPUs
        sh([RAY, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(gcs), "--num-cpus", "1",
            "--include-dashboard", "true", "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dash),
            "--dashboard-agent-listen-port", str(free_port()), "--temp-dir", str(ray_tmp), "--disable-usage-stats"], base)  # fmt: skip
        sh([RAY, "start", "--address", f"127.0.0.1:{gcs}", "--node-ip-address", "127.0.0.1", "--num-cpus", "2",
            "--node-manager-port", str(worker_port), "--dashboard-agent-listen-port", str(free_port()),
            "--disable-usage-stats"], base)  # two nodes on one machine: each agent its own port (job logs)  # fmt: skip
        wait_for(lambda: len(alive_nodes(dashboard)) == 2, "two alive Ray nodes")
        from ray.util.state import list_nodes

        nodes = alive_nodes(dashboard)
        worker_id = next(n.node_id for n in list_nodes(address=dashboard) if not n.is_head_node)
        verdict["nodes"] = {"alive": len(nodes), "worker": worker_id}

        # 2. the campaign: 3 cells, at once, on both nodes, each once in DuckDB
        env = fresh_env(base, root, "campaign", dashboard)
        t0 = time.monotonic()
        proc = launch(env, "--load")
        text, _ = proc.communicate(timeout=500)
        verdict["campaign"] = {
            "rc": proc.returncode,
            "output": text[-1500:],
            "wall_s": round(time.monotonic() - t0, 1),
            "cell_rows": cell_rows(env),
            "duckdb": [list(r) for r in duckdb_cells(env)],
        }
        jobs_after_campaign = {j["id"] for j in ray_jobs(dashboard)}

        # 3. two launches at once: each cell measured once (one Ray job and one row per cell)
        env = fresh_env(base, root, "concurrent", dashboard)
        # the instance exists before the launches (as on any platform): two processes creating a fresh SQLite
        # instance at once race on its schema, which is Dagster's business, not the campaign's
        sh([PY, "-m", "greenlm_assets.cli", "campaign", "register", CAMPAIGN], env)
        a, b = launch(env), launch(env)
        text_a, _ = a.communicate(timeout=500)
        text_b, _ = b.communicate(timeout=500)
        new_jobs = [j for j in ray_jobs(dashboard) if j["id"] not in jobs_after_campaign]
        verdict["concurrent"] = {
            "rc": [a.returncode, b.returncode],
            "output": (text_a[-600:], text_b[-600:]),
            "cell_rows": cell_rows(env),
            "ray_jobs_per_cell": {
                c: sum(1 for j in new_jobs if j["cell"] == c and "SUCCEEDED" in j["status"])
                for c in {j["cell"] for j in new_jobs}
            },
        }
        seen_jobs = {j["id"] for j in ray_jobs(dashboard)}

        # 4. the worker node killed mid-measurement
        env = fresh_env(base, root, "kill", dashboard)
        proc = launch(env, "--load")
        raylet = find_raylet(worker_port)
        wait_for(
            lambda: len(harnesses_on(worker_id, dashboard)) >= 1, "a harness measuring on the worker", 300
        )
        victims = harnesses_on(worker_id, dashboard)
        killed_cmd = [" ".join(_cmdline(p)) for p in victims]
        for p in [*victims, *raylet.children(recursive=True), raylet]:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.send_signal(signal.SIGKILL)
        text, _ = proc.communicate(timeout=500)
        kill_jobs = [j for j in ray_jobs(dashboard) if j["id"] not in seen_jobs]
        verdict["kill"] = {
            "rc": proc.returncode,
            "output": text[-3000:],
            "killed_harnesses": len(killed_cmd),
            "jobs": kill_jobs,
            "cell_rows": cell_rows(env),
            "duckdb": [list(r) for r in duckdb_cells(env)],
            "worker": worker_id,
            "warnings": dagster_warnings(env),
        }
    except Exception as exc:  # the verdict says what broke; the test fails on it
        verdict["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        subprocess.run([RAY, "stop", "--force"], env=base, capture_output=True, cwd=REPO)
        shutil.rmtree(ray_tmp, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
        out.write_text(json.dumps(verdict, indent=1, default=str))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
