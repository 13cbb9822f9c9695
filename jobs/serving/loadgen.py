"""The load generator: NVIDIA's aiperf (``ai-dynamo/aiperf``), run as a subprocess per level.

Why aiperf (over guidellm 0.8.1 and inference-perf): its per-request records (``--export-level records``) carry the
wall-clock start and end of every request (``time.time_ns``), the time to first token and the gap before every
streamed chunk (``inter_chunk_latency``) - so the ITL percentiles are over every gap, not per-request means, and
each token's arrival can be placed inside or outside the energy window - plus the server's own ``usage`` token
counts beside aiperf's tokenizer count. It runs offline against a local server with a local tokenizer folder and
does not need torch. guidellm records only a request's first and last token times and needs torch.

Both aiperf and guidellm require transformers 5 (through datasets / huggingface_hub 1.x), which the project's
``ml`` extra (transformers 4.57) excludes, so aiperf lives in its own virtual environment (``.venv-loadgen``,
made by ``make install``); it only talks HTTP to the server, so nothing is shared but the prompt file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobs.serving.metrics import RequestRecord
from jobs.serving.server import Endpoint, stop_process

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_AIPERF = REPO_ROOT / ".venv-loadgen" / "bin" / "aiperf"
RECORDS_FILE = "profile_export.jsonl"
UNIT_S = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "sec": 1.0}


class LoadGeneratorError(RuntimeError):
    """The load generator could not run, or its output is missing or malformed."""


def find_aiperf(explicit: str | None = None) -> Path:
    """``--aiperf``, else ``$GREENLM_AIPERF``, else ``.venv-loadgen/bin/aiperf``, else ``aiperf`` on PATH."""
    for cand in (explicit, os.environ.get("GREENLM_AIPERF"), str(DEFAULT_AIPERF), shutil.which("aiperf")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return Path(cand)
    raise LoadGeneratorError(
        "aiperf not found: `make install` puts it in .venv-loadgen/ (or pass --aiperf / set GREENLM_AIPERF)"
    )


def aiperf_version(aiperf: Path) -> str | None:
    """aiperf's version, read with the interpreter of its own environment (or this one, for a --target install
    on PYTHONPATH)."""
    for python in (aiperf.parent / "python", Path(sys.executable)):
        try:
            return subprocess.run(
                [str(python), "-c", "import importlib.metadata as m; print(m.version('aiperf'))"],
                capture_output=True, text=True, timeout=120, check=True,
            ).stdout.strip()  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            continue
    return None


@dataclass
class LevelResult:
    records: list[RequestRecord]
    start_s: float  # first request sent (Unix s)
    end_s: float  # last response finished (Unix s)
    artifact_dir: Path


def _seconds(metric: Any) -> float | list[float] | None:
    """An aiperf record metric ``{"value": v, "unit": "ms"}`` in seconds (lists element-wise)."""
    if metric is None:
        return None
    if not isinstance(metric, dict) or "value" not in metric:
        raise LoadGeneratorError(f"unexpected metric shape {metric!r}")
    unit = str(metric.get("unit", "ms")).lower()
    if unit not in UNIT_S:
        raise LoadGeneratorError(f"unknown time unit {unit!r}")
    v = metric["value"]
    if isinstance(v, list):
        return [float(x) * UNIT_S[unit] for x in v]
    return float(v) * UNIT_S[unit]


def _count(metric: Any) -> int | None:
    if metric is None:
        return None
    v = metric["value"] if isinstance(metric, dict) else metric
    return None if v is None else int(v)


def parse_records(path: Path) -> list[RequestRecord]:
    """aiperf's ``profile_export.jsonl`` (one record per request) as RequestRecords; warm-up records dropped."""
    if not path.exists():
        raise LoadGeneratorError(f"aiperf wrote no per-request records ({path.name} missing)")
    out: list[RequestRecord] = []
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            meta, metrics = rec["metadata"], rec.get("metrics") or {}
            if str(meta.get("benchmark_phase", "profiling")).lower() == "warmup":
                continue
            start = int(meta["request_start_ns"]) / 1e9
            end = int(meta["request_end_ns"]) / 1e9
        except (ValueError, KeyError, TypeError) as exc:
            raise LoadGeneratorError(f"{path.name}: line {n}: malformed record ({exc})") from exc
        err = rec.get("error")
        if err:
            msg = err.get("message") or err.get("type") or str(err) if isinstance(err, dict) else str(err)
            code = err.get("code") if isinstance(err, dict) else None
            out.append(RequestRecord(start, end, ok=False, error=f"{code or ''} {msg}".strip()))
            continue
        # e2e: aiperf's request_latency (request sent -> last response, on its perf counter); request_end_ns is
        # stamped later, after the worker's own processing, which a loaded host stretches by up to a second
        latency = _seconds(metrics.get("request_latency"))
        if isinstance(latency, float):
            end = start + latency
        ttft = _seconds(metrics.get("time_to_first_token"))
        gaps = _seconds(metrics.get("inter_chunk_latency")) or []
        if ttft is None:
            out.append(
                RequestRecord(start, end, ok=False, error="no streamed token (no time_to_first_token)")
            )
            continue
        assert isinstance(ttft, float) and isinstance(gaps, list)
        times = [start + ttft]
        for g in gaps:
            times.append(times[-1] + g)
        out.append(
            RequestRecord(
                start_s=start,
                end_s=end,
                ok=True,
                chunk_times_s=tuple(times),
                prompt_tokens=_count(metrics.get("usage_prompt_tokens")),
                output_tokens=_count(metrics.get("usage_completion_tokens")),
                client_output_tokens=_count(metrics.get("output_token_count")),
            )
        )
    return out


class LoadGenerator:
    """What the sweep needs of a load generator."""

    name: str
    version: str | None
    prompts: list[str]

    def run(
        self, *, concurrency: int, request_count: int, max_tokens: int, artifact_dir: Path, timeout_s: float
    ) -> LevelResult:  # pragma: no cover - interface
        raise NotImplementedError


class AiperfLoadGenerator(LoadGenerator):
    name = "aiperf"

    def __init__(self, aiperf: Path, ep: Endpoint, tokenizer_dir: Path, prompts: list[str]) -> None:
        self.aiperf = aiperf
        self.ep = ep
        self.tokenizer_dir = tokenizer_dir
        self.prompts = prompts
        self.version = aiperf_version(aiperf)

    def write_prompts(self, path: Path, max_tokens: int) -> None:
        """The prompts as aiperf's single-turn JSONL, each asking for ``max_tokens`` (``output_length``)."""
        path.write_text(
            "".join(json.dumps({"text": t, "output_length": max_tokens}) + "\n" for t in self.prompts)
        )

    def argv(self, *, concurrency: int, request_count: int, max_tokens: int, artifact_dir: Path) -> list[str]:
        argv = [
            str(self.aiperf), "profile",
            "--model", self.ep.model_name,
            "--url", self.ep.base_url,
            "--endpoint-type", "chat",
            "--streaming",
            "--concurrency", str(concurrency),
            "--request-count", str(request_count),
            "--input-file", str((artifact_dir / "prompts.jsonl").resolve()),
            "--custom-dataset-type", "single_turn",
            "--use-legacy-max-tokens",  # `max_tokens`: what llama.cpp, transformers serve and vLLM all read
            "--use-server-token-count",  # usage.completion_tokens (stream_options.include_usage is requested)
            "--tokenizer", str(self.tokenizer_dir.resolve()),
            "--artifact-dir", str(artifact_dir.resolve()),
            "--export-level", "records",
            "--ui-type", "none",
            "--no-server-metrics",
            "--no-gpu-telemetry",  # the GPU is metered by greenlm-bench (NVML), not by aiperf's DCGM scrape
            "--random-seed", "0",
        ]  # fmt: skip
        key = os.environ.get(self.ep.api_key_env) if self.ep.api_key_env else None
        if key:
            argv += ["--api-key", key]
        return argv

    def run(
        self, *, concurrency: int, request_count: int, max_tokens: int, artifact_dir: Path, timeout_s: float
    ) -> LevelResult:
        """One aiperf run; it is always stopped (SIGTERM, then SIGKILL) if it outlives ``timeout_s``."""
        artifact_dir.mkdir(parents=True, exist_ok=True)
        self.write_prompts(artifact_dir / "prompts.jsonl", max_tokens)
        argv = self.argv(concurrency=concurrency, request_count=request_count, max_tokens=max_tokens,
                         artifact_dir=artifact_dir)  # fmt: skip
        log_path = artifact_dir / "aiperf.log"
        # No HF_HUB_OFFLINE here: aiperf 0.13 then takes the tokenizer argument for a hub repo id, even a local
        # folder; a local folder is read from disk without it (nothing is fetched).
        env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
        env.pop("VIRTUAL_ENV", None)
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
            t0 = time.monotonic()
            try:
                rc = proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired as exc:
                raise LoadGeneratorError(f"aiperf did not finish within {timeout_s:.0f} s (stopped)") from exc
            finally:
                stop_process(proc)
        if rc != 0:
            raise LoadGeneratorError(_why_failed(rc, artifact_dir, log_path, time.monotonic() - t0))
        records = parse_records(_find(artifact_dir, RECORDS_FILE))
        if not records:
            raise LoadGeneratorError("aiperf recorded no request")
        return LevelResult(
            records=records,
            start_s=min(r.start_s for r in records),
            end_s=max(r.end_s for r in records),
            artifact_dir=artifact_dir,
        )


def _why_failed(rc: int, artifact_dir: Path, log_path: Path, elapsed_s: float) -> str:
    """aiperf's failure in one line: the requests' own errors when it recorded them (it exits 1 when every request
    failed), else its ERROR log lines."""
    try:
        failed = [r for r in parse_records(_find(artifact_dir, RECORDS_FILE)) if not r.ok]
    except LoadGeneratorError:
        failed = []
    if failed:
        return f"aiperf: {len(failed)} request(s) failed; first: {failed[0].error}"
    lines = log_path.read_text(errors="replace").splitlines() if log_path.exists() else []
    errors = [ln.split("ERROR", 1)[1].strip() for ln in lines if " ERROR " in ln][-3:]
    return f"aiperf exited with code {rc} after {elapsed_s:.0f} s: " + (
        " | ".join(errors) or "(no error logged)"
    )


def _find(root: Path, name: str) -> Path:
    hits = sorted(root.rglob(name))
    return hits[0] if hits else root / name
