"""Provenance of a measured row: hardware, driver, CUDA, CPU, library versions, git commit, time."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
HARDWARE_TABLE = Path(__file__).resolve().parent / "hardware_table.json"
LIBRARIES = ("torch", "transformers", "optimum", "optimum-onnx", "onnxruntime", "codecarbon", "torchao",
             "optimum-quanto", "tokenizers", "nvidia-ml-py")  # fmt: skip


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@cache
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cpu_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def library_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@cache
def git_commit() -> tuple[str | None, bool | None]:
    """(commit, dirty) of the checkout; ``GREENLM_GIT_COMMIT`` wins (a copied tree has no .git)."""
    env = os.environ.get("GREENLM_GIT_COMMIT")
    if env:
        return env, None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "jobs"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return commit, bool(dirty)
    except (OSError, subprocess.SubprocessError):
        return None, None


def nvml_index(cuda_index: int = 0) -> int:
    """NVML's index of CUDA device ``cuda_index``. NVML ignores ``CUDA_VISIBLE_DEVICES`` and CUDA honours it, so with
    ``CUDA_VISIBLE_DEVICES=1`` torch's ``cuda:0`` is NVML's device 1: reading NVML's device 0 there would meter
    another GPU (one sweep per GPU on a multi-GPU host). Integer entries are taken as NVML indices (CUDA's default
    order equals NVML's PCI order on a host of identical GPUs); ``GPU-…`` UUID entries are looked up."""
    visible = [e.strip() for e in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if e.strip()]
    if not visible:
        return cuda_index
    if cuda_index >= len(visible):
        raise ValueError(f"CUDA device {cuda_index} is not visible: CUDA_VISIBLE_DEVICES={','.join(visible)}")
    entry = visible[cuda_index]
    if entry.isdigit():
        return int(entry)
    import pynvml

    pynvml.nvmlInit()
    for i in range(pynvml.nvmlDeviceGetCount()):
        if _s(pynvml.nvmlDeviceGetUUID(pynvml.nvmlDeviceGetHandleByIndex(i))).startswith(entry):
            return i
    raise ValueError(f"CUDA_VISIBLE_DEVICES entry {entry!r} matches no NVML device")


def gpu_info(index: int = 0) -> dict[str, Any]:
    """GPU name, driver and memory from NVML for CUDA device ``index``; empty when no NVIDIA GPU is visible."""
    try:
        import pynvml

        pynvml.nvmlInit()
        nvml = nvml_index(index)
        h = pynvml.nvmlDeviceGetHandleByIndex(nvml)
        name = pynvml.nvmlDeviceGetName(h)
        return {
            "gpu_name": name.decode() if isinstance(name, bytes) else name,
            "gpu_nvml_index": nvml,
            "gpu_driver": _s(pynvml.nvmlSystemGetDriverVersion()),
            "gpu_memory_gb": pynvml.nvmlDeviceGetMemoryInfo(h).total / 1e9,
            "gpu_power_limit_w": pynvml.nvmlDeviceGetPowerManagementLimit(h) / 1000,
        }
    except Exception:  # no driver, no GPU, or NVML not installed: the caller says "no GPU"
        return {}


def _s(x: Any) -> str:
    return x.decode() if isinstance(x, bytes) else str(x)


def gpu_spec(gpu_name: str | None) -> dict[str, Any] | None:
    """Bandwidth and peak FLOP/s for an NVML GPU name from the hardware table (None when not listed)."""
    if not gpu_name:
        return None
    table = json.loads(HARDWARE_TABLE.read_text())["gpus"]
    for row in table:
        if row["nvml_pattern"].lower() in gpu_name.lower():
            return row
    return None


def hardware_label(device: str, gpu: dict[str, Any]) -> str:
    if device == "cuda" and gpu.get("gpu_name"):
        return str(gpu["gpu_name"])
    return f"CPU {cpu_model()} x{cpu_cores()} cores"
