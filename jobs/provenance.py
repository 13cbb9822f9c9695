"""Provenance of a measured row: hardware, driver, CUDA, CPU, library versions, git commit, time."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
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


# The harness's own output folder: rows being appended there are not the code that measured them.
OUTPUT_PATHS = ("data/measurements/",)
# Set to a manifest written by ``greenlm-bench manifest`` to verify a copied tree that has no (or another) .git.
MANIFEST_ENV = "GREENLM_TREE_MANIFEST"


@dataclass(frozen=True)
class TreeState:
    """The commit a measurement ran from, and whether the files matched it.

    ``dirty``: True when a file outside ``OUTPUT_PATHS`` differs from the commit (tracked change or untracked file),
    False when none does, None when it cannot be told (no git, a declared ``GREENLM_GIT_COMMIT``).
    ``method``: git | manifest | declared | unknown.
    """

    commit: str | None
    dirty: bool | None
    dirty_paths: tuple[str, ...] = ()
    method: str = "unknown"

    @property
    def clean(self) -> bool:
        return self.commit is not None and self.dirty is False

    def describe(self) -> str:
        if self.commit is None:
            return "the commit of this tree is unknown (no git checkout, no manifest)"
        if self.dirty is None:
            return f"commit {self.commit[:12]} is declared ({self.method}), the files cannot be checked against it"
        if self.dirty:
            shown = ", ".join(self.dirty_paths[:8]) + (" ..." if len(self.dirty_paths) > 8 else "")
            return (
                f"the tree differs from commit {self.commit[:12]} in {len(self.dirty_paths)} path(s): {shown}"
            )
        return f"clean tree at commit {self.commit[:12]} ({self.method})"


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=True
    ).stdout


def _is_output(path: str) -> bool:
    return any(path.startswith(p) for p in OUTPUT_PATHS)


def tree_state(root: Path = REPO_ROOT) -> TreeState:
    """The whole project's commit and cleanliness (every tracked and untracked, not ignored, file)."""
    manifest = os.environ.get(MANIFEST_ENV)
    if manifest:
        return verify_manifest(Path(manifest), root)
    declared = os.environ.get("GREENLM_GIT_COMMIT")
    if declared:
        return TreeState(declared, None, (), "declared")
    try:
        commit = _git(root, "rev-parse", "HEAD").strip()
        status = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    except (OSError, subprocess.SubprocessError):
        return TreeState(None, None, (), "unknown")
    paths = []
    entries = iter(status.split("\0"))
    for entry in entries:
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":  # a rename/copy is followed by its source path
            next(entries, None)
        if not _is_output(path):
            paths.append(path)
    return TreeState(commit, bool(paths), tuple(sorted(paths)), "git")


@cache
def git_state() -> TreeState:
    """``tree_state()`` of this checkout, once per process (rows appended later do not change it)."""
    return tree_state()


class ProvenanceError(RuntimeError):
    """A measurement asked for from a tree that is not a clean commit, without --allow-dirty."""


def require_clean(allow_dirty: bool) -> TreeState:
    """This checkout's state; raises ``ProvenanceError`` unless it is a clean commit or ``allow_dirty``."""
    state = git_state()
    if not state.clean and not allow_dirty:
        raise ProvenanceError(
            f"{state.describe()}. Measured rows must come from a committed tree: commit (or stash) first, ship a "
            "manifest with a copied tree (greenlm-bench manifest), or pass --allow-dirty to measure anyway "
            "(the rows then say allow_dirty=true and the marts flag them provenance_clean=false)"
        )
    return state


def git_commit() -> tuple[str | None, bool | None]:
    """(commit, dirty) of the checkout (see ``tree_state``)."""
    state = git_state()
    return state.commit, state.dirty


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Folders a copy of the tree may leave behind (``greenlm-bench manifest --omit``): published input data that no
# measurement reads. Code, model configs, prompts and tokenizers always travel.
OMITTABLE_PREFIX = "data/"
NEVER_OMITTED = ("data/snapshots/prompts", "data/snapshots/tokenizers")


def write_manifest(out: Path, root: Path = REPO_ROOT, omit: Sequence[str] = ()) -> TreeState:
    """Write ``{"commit", "files": {path: sha256}, "omit": [...]}`` for every tracked file of a clean checkout
    (refused if dirty).

    Ship it with a copy of the tree (a machine where .git is missing or holds another commit) and point
    ``GREENLM_TREE_MANIFEST`` at it there: the harness then checks the copy's files against this commit. ``omit``
    names folders under ``data/`` that the copy may lack (a copy that must fit a transfer limit): a file there that
    is missing is no difference, one that is present is still checked. Anything else missing makes the copy dirty.
    """
    folders = sorted({o.strip("/") for o in omit})
    for folder in folders:
        if not folder.startswith(OMITTABLE_PREFIX) or any(
            folder == n or n.startswith(folder + "/") or folder.startswith(n + "/") for n in NEVER_OMITTED
        ):
            raise RuntimeError(
                f"refusing to omit {folder!r}: only input data under {OMITTABLE_PREFIX} may stay behind "
                f"(never {', '.join(NEVER_OMITTED)}, which measurements read)"
            )
    state = tree_state(root)
    if not state.clean:
        raise RuntimeError(f"refusing to write a manifest: {state.describe()}")
    files = [f for f in _git(root, "ls-files", "-z").split("\0") if f]
    manifest: dict[str, Any] = {"commit": state.commit, "files": {f: _sha256(root / f) for f in files}}
    if folders:
        manifest["omit"] = folders
    out.write_text(json.dumps(manifest, indent=0))
    return state


def verify_manifest(manifest: Path, root: Path = REPO_ROOT) -> TreeState:
    """A copy of the tree checked file by file against a manifest: changed or missing files, and files under
    ``jobs/`` (the harness's code and model configs) that the commit does not have, make it dirty."""
    try:
        data = json.loads(manifest.read_text())
        commit, files = str(data["commit"]), dict(data["files"])
        omitted = tuple(f"{str(o).strip('/')}/" for o in data.get("omit", []))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return TreeState(None, None, (f"unreadable manifest {manifest}: {exc}",), "manifest")

    def differs(p: str, sha: str) -> bool:
        if _is_output(p):
            return False
        if not (root / p).is_file():
            return not p.startswith(omitted)  # left behind on purpose (--omit), or lost
        return _sha256(root / p) != sha

    bad = [p for p, sha in files.items() if differs(p, sha)]
    extra = [
        str(f.relative_to(root)) for f in (root / "jobs").rglob("*")
        if f.is_file() and "__pycache__" not in f.parts and str(f.relative_to(root)) not in files
    ]  # fmt: skip
    paths = tuple(sorted(bad + extra))
    return TreeState(commit, bool(paths), paths, "manifest")


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
