"""Hardware, library versions and commit for a benchmark's results file (shared by the benchmark scripts)."""

from __future__ import annotations

import json
import platform
import subprocess
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psutil

from jobs.provenance import cpu_model

REPO = Path(__file__).resolve().parents[1]


def host_speed_s() -> float:
    """Seconds for a fixed pure-Python loop (20 M additions): the same code on a slowed (shared, throttled) VM
    takes longer, so results measured at different times can be compared against it (~0.5 s on the dev VM)."""
    start = time.perf_counter()
    total = 0
    for i in range(20_000_000):
        total += i
    return round(time.perf_counter() - start, 3)


def environment(packages: tuple[str, ...]) -> dict:
    """``hardware`` (with ``host_speed_s``), ``versions`` (Python + ``packages``) and ``git_commit``."""
    return {
        "hardware": {
            "cpu": platform.processor() or platform.machine(),
            "cpu_model": cpu_model(),
            "logical_cores": psutil.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "host_speed_s": host_speed_s(),
        },
        "versions": {"python": platform.python_version(), **{p: metadata.version(p) for p in packages}},
        "git_commit": subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip(),
    }


def write_result(kind: str, result: dict) -> Path:
    """``benchmarks/results/<kind>_<utc date>.json``."""
    out = REPO / "benchmarks" / "results" / f"{kind}_{datetime.now(UTC):%Y-%m-%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out}")
    return out
