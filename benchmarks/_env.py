"""Hardware, library versions and commit for a benchmark's results file (shared by the benchmark scripts)."""

from __future__ import annotations

import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


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
