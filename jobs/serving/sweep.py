"""A serving sweep: warm-up, idle power, a prefill-only level, then one level per concurrency, one JSONL row each.

Every level runs the load generator (``jobs/serving/loadgen.py``) with the energy counter sampled over it
(``jobs/serving/meter.py``); the row's figures come from ``jobs/serving/metrics.py``. A level that fails (a request
errors, the server answers 4xx/5xx or malformed chunks, no steady state is reached, the meter fails) gives a row
with ``status = failed`` and its reason and no figures -- never a partial one.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from jobs import provenance
from jobs.energy import CodeCarbonRun, Meter, idle_power_w
from jobs.serving.loadgen import LevelResult, LoadGenerator
from jobs.serving.meter import Sampler, open_meters
from jobs.serving.metrics import (
    CounterSamples,
    RequestRecord,
    SteadyWindow,
    energy_columns,
    latency_columns,
    requests_finished_in_window,
    steady_window,
    tokens_in_window,
)
from jobs.serving.server import Endpoint

PROTOCOL_MIN_WINDOW_S = 5.0  # MEASUREMENT.md: a window lasts >= 5 s
SOURCE = "greenlm_bench_serve"


class WarmupError(RuntimeError):
    """The endpoint failed the warm-up requests: no level is measured."""


@dataclass
class SweepConfig:
    model_key: str  # the registry / leaderboard key the marts join on (e.g. smollm-135m)
    concurrencies: list[int]
    requests_per_level: int
    max_tokens: int
    prompt_set: str = "squad50"
    n_prompts: int | None = None
    warmup_requests: int = 2
    idle_s: float = 5.0
    prefill_level: bool = True
    gpu_indices: list[int] = field(default_factory=list)
    country_iso3: str = "FRA"
    weights: str = "real"
    level_timeout_s: float = 600.0
    codecarbon: bool = True


def _utc(t: float | None) -> str | None:
    return (
        None
        if t is None
        else time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e3):03d}Z"
    )


def base_columns(cfg: SweepConfig, ep: Endpoint, gen: LoadGenerator, sweep_id: str) -> dict[str, Any]:
    """What every row of the sweep carries: server, load generator, hardware, library versions, git."""
    gpu = provenance.gpu_info(cfg.gpu_indices[0]) if cfg.gpu_indices else {}
    commit, dirty = provenance.git_commit()
    libs = provenance.library_versions()
    libs["llama_cpp_python"] = ep.server_version if ep.server.startswith("llama.cpp") else None
    libs[gen.name] = gen.version
    return {
        "sweep_id": sweep_id,
        "source": SOURCE,
        "model_key": cfg.model_key,
        "model_name": ep.model_name,
        "weights": cfg.weights,
        "server": ep.server,
        "server_version": ep.server_version,
        "server_settings": json.dumps(ep.server_settings, sort_keys=True),
        "server_managed": ep.managed,
        "endpoint_url": ep.base_url,
        "load_generator": gen.name,
        "load_generator_version": gen.version,
        "load_mode": "concurrency",
        "prompt_set": cfg.prompt_set,
        "requests_per_level": cfg.requests_per_level,
        "device": "cuda" if cfg.gpu_indices else "cpu",
        "hardware": provenance.hardware_label("cuda" if cfg.gpu_indices else "cpu", gpu),
        "gpu_name": gpu.get("gpu_name"),
        "gpu_count": len(cfg.gpu_indices),
        "gpu_driver": gpu.get("gpu_driver"),
        "cpu_model": provenance.cpu_model(),
        "cpu_cores": provenance.cpu_cores(),
        "library_versions": json.dumps(libs, sort_keys=True),
        "git_commit": commit,
        "git_dirty": dirty,
        "country_iso3": cfg.country_iso3,
    }


def _sum_or_none(values: list[int | None]) -> int | None:
    """The sum, or None when any value is missing (a server that reports no usage): never a partial total."""
    return None if any(v is None for v in values) else sum(v or 0 for v in values)


def config_hash(base: dict[str, Any], level: dict[str, Any]) -> str:
    keys = ("model_key", "model_name", "server", "server_version", "server_settings", "load_generator",
            "load_generator_version", "prompt_set", "hardware", "gpu_count")  # fmt: skip
    blob = json.dumps({**{k: base[k] for k in keys}, **level}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Energy:
    """How the sweep meters: a counter (sampled), or CodeCarbon's CPU estimate."""

    meter: Meter | None
    rapl_beside: Meter | None
    why: str
    p_idle_w: float | None = None
    p_idle_source: str | None = None

    @property
    def source(self) -> str:
        return self.meter.source if self.meter is not None else "estimate"

    @property
    def scope(self) -> str:
        return self.meter.scope if self.meter is not None else "cpu"


def measure_idle(energy: Energy, cfg: SweepConfig) -> None:
    """Idle power with the model loaded and no request in flight (``idle_s`` seconds), counter or estimate."""
    if energy.meter is not None:
        energy.p_idle_w = idle_power_w(energy.meter, cfg.idle_s)
        energy.p_idle_source = energy.meter.source
    elif cfg.codecarbon:
        with CodeCarbonRun(cfg.country_iso3, None, measure_power_secs=cfg.idle_s) as cc:
            time.sleep(cfg.idle_s)  # the idle span itself: nothing runs while CodeCarbon measures
        cols = cc.columns()
        if cols.get("codecarbon_duration_s"):
            energy.p_idle_w = cols["codecarbon_cpu_energy_kwh"] * 3.6e6 / cols["codecarbon_duration_s"]
            energy.p_idle_source = "estimate (codecarbon cpu)"


def run_level(
    cfg: SweepConfig,
    gen: LoadGenerator,
    energy: Energy,
    *,
    concurrency: int,
    max_tokens: int,
    request_count: int,
    artifact_dir: Path,
) -> tuple[LevelResult, CounterSamples | None, CounterSamples | None, dict[str, Any]]:
    """One load-generator run with the counter(s) sampled around it and CodeCarbon alongside."""
    cc_ctx = (
        CodeCarbonRun(cfg.country_iso3, cfg.gpu_indices or None, measure_power_secs=1.0)
        if cfg.codecarbon
        else None
    )
    main = Sampler(energy.meter) if energy.meter is not None else None
    beside = Sampler(energy.rapl_beside) if energy.rapl_beside is not None else None
    if cc_ctx is not None:
        cc_ctx.__enter__()
    try:
        if main:
            main.__enter__()
        if beside:
            beside.__enter__()
        try:
            result = gen.run(
                concurrency=concurrency,
                request_count=request_count,
                max_tokens=max_tokens,
                artifact_dir=artifact_dir,
                timeout_s=cfg.level_timeout_s,
            )
        finally:  # the meters always stop, whatever the load generator did
            if beside:
                beside.__exit__(None, None, None)
            if main:
                main.__exit__(None, None, None)
    finally:
        if cc_ctx is not None:
            cc_ctx.__exit__(None, None, None)
    for s in (main, beside):
        if s is not None and s.error is not None:
            raise RuntimeError(f"energy sampler failed: {type(s.error).__name__}: {s.error}")
    cc_cols = cc_ctx.columns() if cc_ctx is not None else {"codecarbon_status": "disabled"}
    return result, main.samples if main else None, beside.samples if beside else None, cc_cols


def level_row(
    cfg: SweepConfig,
    energy: Energy,
    res: LevelResult,
    samples: CounterSamples | None,
    rapl: CounterSamples | None,
    cc_cols: dict[str, Any],
    *,
    concurrency: int,
    max_tokens: int,
    prefill_j_per_request: float | None,
) -> dict[str, Any]:
    """The row's figures for one level (raises ValueError when the level has no valid figure)."""
    recs: list[RequestRecord] = res.records
    failed = [r for r in recs if not r.ok]
    if not recs:
        raise ValueError("the load generator recorded no request")
    if failed:
        raise ValueError(f"{len(failed)} of {len(recs)} request(s) failed; first: {failed[0].error}")
    missing_usage = sum(1 for r in recs if r.output_tokens is None)
    source = "server usage (usage.completion_tokens)"
    if missing_usage == len(recs):
        # The server sends no usage in its stream (llama-cpp-python): one streamed chunk is one token there, so the
        # chunks are the count - labelled as such; tests/harness/test_serving_llama_cpp.py checks it against the server log.
        recs = [replace(r, output_tokens=len(r.chunk_times_s)) for r in recs]
        source = "streamed chunks (the server reported no usage; one token per chunk)"
    elif missing_usage:
        raise ValueError(f"{missing_usage} of {len(recs)} response(s) carried no usage while the others did")
    w: SteadyWindow = steady_window(recs, concurrency)
    tokens = tokens_in_window(recs, w)
    if tokens <= 0:
        raise ValueError("no output token arrived inside the steady-state window")
    out_tokens = [r.output_tokens or 0 for r in recs]
    mean_out = sum(out_tokens) / len(out_tokens)
    first_tokens_in_window = sum(
        1 for r in recs if r.chunk_times_s and w.start_s <= r.chunk_times_s[0] <= w.end_s
    )
    row: dict[str, Any] = {
        "concurrency": concurrency,
        "max_tokens": max_tokens,
        "requests_sent": len(recs),
        "requests_ok": len(recs) - len(failed),
        "prompt_tokens_total": _sum_or_none([r.prompt_tokens for r in recs]),
        "output_tokens_total": sum(out_tokens),
        "output_tokens_client_total": (
            None
            if any(r.client_output_tokens is None for r in recs)
            else sum(r.client_output_tokens or 0 for r in recs)
        ),
        "output_tokens_source": source,
        "output_tokens_per_request_mean": mean_out,
        "prompt_tokens_per_request_mean": (
            None if (pt := _sum_or_none([r.prompt_tokens for r in recs])) is None else pt / len(recs)
        ),
        "chunks_total": sum(len(r.chunk_times_s) for r in recs),
        **latency_columns(recs),
        "run_start_utc": _utc(res.start_s),
        "run_end_utc": _utc(res.end_s),
        "run_s": res.end_s - res.start_s,
        "window_start_utc": _utc(w.start_s),
        "window_end_utc": _utc(w.end_s),
        "window_start_offset_s": w.start_s - res.start_s,
        "window_end_offset_s": w.end_s - res.start_s,
        "window_s": w.duration_s,
        "window_rule": "steady state: from the moment `concurrency` requests are first in flight to the last "
        "drop below it (ramp-up and drain excluded)",
        "window_output_tokens": tokens,
        "window_first_tokens": first_tokens_in_window,
        "window_requests_finished": requests_finished_in_window(recs, w),
        "requests_per_s": requests_finished_in_window(recs, w) / w.duration_s,
        "output_tokens_per_s": tokens / w.duration_s,
        "meets_protocol": w.duration_s >= PROTOCOL_MIN_WINDOW_S,
    }
    # Energy over the window: the counter's samples, or CodeCarbon's estimate at the level's mean power.
    energy_j: float | None = None
    row.update(energy_source=energy.source, energy_scope=energy.scope, energy_meter_note=energy.why)
    if samples is not None:
        energy_j = samples.energy_j(w)
        row.update(meter_samples=len(samples.times_s), energy_window_method="counter sampled every 0.1 s, "
                   "linear between the two samples around each window boundary")  # fmt: skip
    elif cc_cols.get("codecarbon_duration_s"):
        p_est = cc_cols["codecarbon_cpu_energy_kwh"] * 3.6e6 / cc_cols["codecarbon_duration_s"]
        energy_j = p_est * w.duration_s
        row.update(meter_samples=0, energy_window_method="estimate: CodeCarbon's mean CPU power over the level "
                   "x window_s (no counter readable)")  # fmt: skip
    row["cpu_energy_j"] = rapl.energy_j(w) if rapl is not None else None
    row.update(p_idle_w=energy.p_idle_w, p_idle_source=energy.p_idle_source)
    row.update(energy_columns(energy_j, w.duration_s, tokens, mean_out, energy.p_idle_w))
    # Prefill vs decode: the servers metered here expose no per-phase counter, so the split is estimated from the
    # prefill-only level (max_tokens=1, concurrency 1): J per prefill x prefills inside the window.
    if prefill_j_per_request is not None and energy_j is not None:
        pre = prefill_j_per_request * first_tokens_in_window
        dec_tokens = tokens - first_tokens_in_window
        # the prefill level ran on a busier host than this level: no split, rather than a negative one
        if pre > energy_j:
            row.update(prefill_split_method="not computable: the prefill-only level's J per request x prefills "
                       "in the window exceeds the window's energy (host load differed between the levels)")  # fmt: skip
            prefill_j_per_request = None
    if prefill_j_per_request is not None and energy_j is not None:
        row.update(
            prefill_energy_j_est=pre,
            decode_energy_j_est=energy_j - pre,
            j_per_decode_token_est=(energy_j - pre) / dec_tokens if dec_tokens > 0 else None,
            prefill_split_method="estimated: J per request of the prefill-only level (max_tokens=1, "
            "concurrency 1) x first tokens in the window; batching at concurrency > 1 makes it an upper bound",
        )
    row.update(cc_cols)
    return row


def run_sweep(
    cfg: SweepConfig,
    ep: Endpoint,
    gen: LoadGenerator,
    workdir: Path,
    on_row: Callable[[dict[str, Any]], None],
) -> list[dict[str, Any]]:
    """Warm-up, idle, prefill-only level, then every concurrency level; ``on_row`` gets each row as it is made."""
    sweep_id = uuid.uuid4().hex[:12]
    base = base_columns(cfg, ep, gen, sweep_id)
    base["n_prompts"] = len(gen.prompts)
    meter, rapl, why = open_meters(cfg.gpu_indices)
    energy = Energy(meter, rapl, why)
    # Warm-up (not recorded): the first requests pay for graph capture, caches and page faults. A server that
    # fails them (down, 4xx/5xx, malformed stream) stops the sweep here with the reason.
    if cfg.warmup_requests > 0:
        warm = gen.run(concurrency=1, request_count=cfg.warmup_requests, max_tokens=cfg.max_tokens,
                       artifact_dir=workdir / "warmup", timeout_s=cfg.level_timeout_s)  # fmt: skip
        bad = [r for r in warm.records if not r.ok]
        if bad:
            raise WarmupError(f"{len(bad)} of {len(warm.records)} warm-up request(s) failed: {bad[0].error}")
    measure_idle(energy, cfg)
    rows: list[dict[str, Any]] = []
    levels: list[tuple[str, int, int]] = ([("prefill_only", 1, 1)] if cfg.prefill_level else []) + [
        ("sweep", c, cfg.max_tokens) for c in cfg.concurrencies
    ]
    prefill_j: float | None = None
    for kind, c, mt in levels:
        level = {"level_kind": kind, "concurrency": c, "max_tokens": mt, "requests": cfg.requests_per_level}
        row: dict[str, Any] = {
            "run_id": uuid.uuid4().hex,
            "config_hash": config_hash(base, level),
            "timestamp_utc": provenance.utc_now(),
            **base,
            "level_kind": kind,
            "concurrency": c,
            "max_tokens": mt,
        }
        row["host_load_avg_1m_start"] = os.getloadavg()[0]
        try:
            res, samples, rapl_s, cc = run_level(
                cfg, gen, energy, concurrency=c, max_tokens=mt, request_count=cfg.requests_per_level,
                artifact_dir=workdir / f"{kind}_c{c}",
            )  # fmt: skip
            row.update(level_row(cfg, energy, res, samples, rapl_s, cc, concurrency=c, max_tokens=mt,
                                 prefill_j_per_request=prefill_j if kind == "sweep" else None))  # fmt: skip
            row.update(status="ok", failure_reason=None)
            if kind == "prefill_only" and row.get("energy_j") is not None and row["window_requests_finished"]:
                prefill_j = row["energy_j"] / row["window_requests_finished"]
                row["prefill_j_per_request"] = prefill_j
        except Exception as exc:
            row.update(status="failed", failure_reason=f"{type(exc).__name__}: {exc}")
        row["host_load_avg_1m_end"] = os.getloadavg()[0]
        rows.append(row)
        on_row(row)
    return rows


def config_dict(cfg: SweepConfig) -> dict[str, Any]:
    return asdict(cfg)
