"""Measure one configuration: load, warm up, time-to-first-token, idle power, n windows, one JSONL row."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import resource
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jobs import accounting as acc
from jobs import provenance as prov
from jobs.backends import QUANTIZATION, STORED_BYTES
from jobs.energy import idle_power_w
from jobs.measure import MeteredSpan, cpu_estimate_w, device_sync, load_timed, resolve_device, timed_s
from jobs.prompts import load_prompts, tokenize
from jobs.registry import get_model, parameter_count

DEFAULT_CACHE = Path.home() / ".cache" / "greenlm-bench"


@dataclass(frozen=True)
class BenchConfig:
    model: str
    backend: str
    precision: str
    device: str = "cpu"
    batch_size: int = 1
    new_tokens: int = 32
    prompt_set: str = "squad50"
    n_prompts: int | None = None  # None: the whole set
    max_prompt_tokens: int = 128
    repeats: int = 5
    warmup: int = 2
    min_window_s: float = 5.0
    idle_s: float = 5.0
    ttft_batches: int = 8
    country_iso3: str = "FRA"
    weights_path: str | None = None  # a local folder or hub id -> weights=real
    codecarbon: bool = True
    gpu_index: int = 0
    cache_dir: str = field(default=str(DEFAULT_CACHE), compare=False)

    def identity(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("cache_dir")
        return d

    def config_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.identity(), sort_keys=True).encode()).hexdigest()[:16]


def _batches(ids: list[list[int]], batch_size: int, pad_id: int, fixed_len: int | None, device: str):
    """Left-padded batches cycling through the prompts (so every batch is full); ``fixed_len`` pads to one shape."""
    import torch

    n = len(ids)
    n_batches = max(1, -(-n // batch_size))
    out = []
    for b in range(n_batches):
        seqs = [ids[(b * batch_size + j) % n] for j in range(batch_size)]
        width = fixed_len or max(len(s) for s in seqs)
        inp = torch.full((batch_size, width), pad_id, dtype=torch.long)
        mask = torch.zeros((batch_size, width), dtype=torch.long)
        for i, s in enumerate(seqs):
            inp[i, width - len(s) :] = torch.tensor(s)
            mask[i, width - len(s) :] = 1
        out.append((inp.to(device), mask.to(device), sum(len(s) for s in seqs)))
    return out


def _peak_memory_gb(device: str) -> tuple[float | None, str]:
    import torch

    if device == "cuda":
        return torch.cuda.max_memory_allocated() / 1e9, "cuda max_memory_allocated"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9, "process peak RSS (since start)"


def base_row(cfg: BenchConfig) -> dict[str, Any]:
    """Identity and provenance columns, filled even for a failed configuration."""
    spec = get_model(cfg.model)
    gpu = prov.gpu_info(cfg.gpu_index) if cfg.device == "cuda" else {}
    tree = prov.git_state()
    try:
        params = parameter_count(cfg.model)
    except Exception:
        params = None
    import torch

    return {
        "run_id": str(uuid.uuid4()),
        "config_hash": cfg.config_hash(),
        "timestamp_utc": prov.utc_now(),
        "source": "greenlm",
        "status": "failed",
        "failure_reason": None,
        "model_key": spec.key,
        "hf_model_id": spec.hf_model_id,
        "model_config_source": spec.source,
        "architecture": spec.model_type,
        "parameters": params,
        "params_b": None if params is None else params / 1e9,
        "weights": "real" if cfg.weights_path else "random",
        "backend": cfg.backend,
        "precision": cfg.precision,
        "quantization": QUANTIZATION.get(cfg.precision, "none"),
        "device": cfg.device,
        "hardware": prov.hardware_label(cfg.device, gpu),
        "gpu_name": gpu.get("gpu_name"),
        "gpu_driver": gpu.get("gpu_driver"),
        "gpu_memory_gb": gpu.get("gpu_memory_gb"),
        "gpu_power_limit_w": gpu.get("gpu_power_limit_w"),
        "cuda_version": torch.version.cuda,
        "cpu_model": prov.cpu_model(),
        "cpu_cores": prov.cpu_cores(),
        "batch_size": cfg.batch_size,
        "new_tokens": cfg.new_tokens,
        "max_prompt_tokens": cfg.max_prompt_tokens,
        "prompt_set": cfg.prompt_set,
        "repeats": cfg.repeats,
        "warmup_calls": cfg.warmup,
        "min_window_s": cfg.min_window_s,
        "country_iso3": cfg.country_iso3,
        "git_commit": tree.commit,
        "git_dirty": tree.dirty,
        "git_dirty_paths": json.dumps(list(tree.dirty_paths[:20])) if tree.dirty_paths else None,
        "git_state_method": tree.method,
        "allow_dirty": False,  # the CLI's --allow-dirty sets it: a row measured from a tree it could not vouch for
        "library_versions": json.dumps(prov.library_versions(), sort_keys=True),
        "config": json.dumps(cfg.identity(), sort_keys=True),
    }


def run_config(
    cfg: BenchConfig, on_stage: Callable[[str], None] = lambda s: None, allow_dirty: bool = False
) -> dict[str, Any]:
    """Measure ``cfg`` and return its row; a crash or out-of-memory gives ``status=failed`` with the reason.

    The provenance check (refuse a dirty tree) is the caller's (``jobs/cli.py``); ``allow_dirty`` is recorded."""
    row = base_row(cfg)
    row["allow_dirty"] = allow_dirty
    try:
        row.update(_measure(cfg, row, on_stage))
        row["status"] = "ok"
    except Exception as exc:  # OOM, backend crash: a failed row, and the sweep goes on
        row["failure_reason"] = f"{type(exc).__name__}: {str(exc)[:500]}"
        row["failure_traceback_tail"] = traceback.format_exc()[-1500:]
    finally:
        _free(cfg.device)
    return row


def _free(device: str) -> None:
    import torch

    gc.collect()
    if device == "cuda" and torch.cuda.is_available():
        torch.cuda.empty_cache()
    with contextlib.suppress(Exception):
        torch._dynamo.reset()  # compiled graphs of one model must not count against the next one's limits


def _measure(cfg: BenchConfig, row: dict[str, Any], on_stage: Callable[[str], None]) -> dict[str, Any]:

    spec = get_model(cfg.model)
    target = resolve_device(cfg.device, cfg.gpu_index)  # a GPU CUDA_VISIBLE_DEVICES does not show fails here
    out: dict[str, Any] = {}
    sync = device_sync(cfg.device)
    eos = spec.config.get("eos_token_id", 0)
    eos_ids = [int(e) for e in (eos if isinstance(eos, list) else [eos])]
    pad_id = int(spec.config.get("pad_token_id") or eos_ids[0])

    texts = load_prompts(cfg.prompt_set, cfg.n_prompts)
    tok = tokenize(spec, texts, cfg.max_prompt_tokens)
    out.update(tokenizer=tok.tokenizer, n_prompts=len(texts))

    on_stage("load")
    loaded, load_cols = load_timed(
        spec, cfg.backend, cfg.precision, target,
        weights_path=cfg.weights_path, pad_id=pad_id, eos_ids=eos_ids, cache_dir=Path(cfg.cache_dir),
    )  # fmt: skip
    out.update(load_cols)

    # one shape: no recompiles, one CUDA graph
    fixed = cfg.max_prompt_tokens if cfg.backend in ("pytorch-compile", "pytorch-cudagraph") else None
    batches = _batches(tok.ids, cfg.batch_size, pad_id, fixed, cfg.device)
    state = {"i": 0}

    def call(i: int, n: int) -> tuple[int, int]:
        inp, mask, n_in = batches[i % len(batches)]
        seqs = loaded.generate(inp, mask, n)
        sync()
        gen = seqs[:, inp.shape[1] :].tolist()
        return sum(acc.count_generated(g, set(eos_ids), None) for g in gen), n_in

    def warm_up() -> None:
        for w in range(cfg.warmup):
            call(w, cfg.new_tokens)

    on_stage("warm-up")
    out["warmup_s"] = timed_s(warm_up)

    on_stage("time to first token")
    ttft: dict[int, float] = {}
    for i in range(min(len(batches), cfg.ttft_batches)):
        t0 = time.perf_counter()
        call(i, 1)
        ttft[i] = time.perf_counter() - t0
    ttft_mean = sum(ttft.values()) / len(ttft)
    out["ttft_s"] = ttft_mean

    # the counter of the measured GPU (or RAPL), CodeCarbon on the same GPU: jobs/measure.py, shared with quality
    span = MeteredSpan(target, cfg.country_iso3, codecarbon=cfg.codecarbon)
    meter = span.meter
    on_stage("idle power")
    p_idle: float | None = None
    sources = span.source_columns(estimated=cfg.codecarbon)
    energy_note = sources.pop("energy_note")
    out.update(sources)
    if meter is not None:
        p_idle = idle_power_w(meter, cfg.idle_s, sync)
        out["p_idle_source"] = meter.source
    elif cfg.codecarbon:
        with span.codecarbon_run(measure_power_secs=cfg.idle_s) as cc_idle:
            time.sleep(cfg.idle_s)
        p_idle = cpu_estimate_w(cc_idle.columns())
        out["p_idle_source"] = "estimate (codecarbon cpu)"
    else:
        out["p_idle_source"] = None
    out.update(p_idle_w=p_idle, idle_s=cfg.idle_s, energy_note=energy_note)
    if cfg.device == "cpu":
        out["cpu_energy_source"] = meter.source if meter is not None else "estimate"

    def unit() -> acc.Unit:
        i = state["i"]
        state["i"] += 1
        n_out, n_in = call(i, cfg.new_tokens)
        return acc.Unit(n_out, n_in, ttft.get(i % len(batches), ttft_mean))

    windows: list[acc.Window] = []
    # host load at start and end, CodeCarbon alongside; the counter is read at every window boundary
    with span:
        for r in range(cfg.repeats):
            on_stage(f"window {r + 1}/{cfg.repeats}")
            windows.append(acc.run_window(unit, cfg.min_window_s, span.read_j))
    cc_cols = span.columns
    out.update(cc_cols)

    p_est = span.estimate_w
    if meter is None and p_est is not None:
        # No counter: CodeCarbon's CPU estimate over the measured span, spread over the windows by duration
        # (constant-power assumption). Labelled energy_source=estimate, never presented as a measurement.
        windows = [acc.Window(w.window_s, p_est * w.window_s, w.tokens_out, w.tokens_in, w.n_calls, w.prefill_s)
                   for w in windows]  # fmt: skip

    # The row's figures are ratios of sums over the windows; the per-window values give sd, cv and the interval.
    out.update(acc.aggregate_windows(windows, p_idle, cfg.batch_size))
    out["aggregation"] = acc.AGGREGATION
    out["energy_is_estimate"] = out.get("energy_source") == "estimate"
    per = [acc.window_metrics(w, p_idle) for w in windows]
    tokens_out = sum(w.tokens_out for w in windows)
    out.update(
        n_windows=len(windows),
        window_s=acc.mean_sd_cv([w.window_s for w in windows])[0],
        windows_s=[round(w.window_s, 4) for w in windows],
        calls_per_window=acc.mean_sd_cv([w.n_calls for w in windows])[0],
        tokens_out_total=tokens_out,
        tokens_in_total=sum(w.tokens_in for w in windows),
        tokens_out_per_call=tokens_out / sum(w.n_calls for w in windows),
        latency_s_per_call=sum(w.window_s for w in windows) / sum(w.n_calls for w in windows),
        per_window=json.dumps(per),
    )
    if cc_cols.get("codecarbon_energy_kwh") is not None and tokens_out:
        out["codecarbon_j_per_output_token"] = cc_cols["codecarbon_energy_kwh"] * 3.6e6 / tokens_out
        out["codecarbon_g_co2e_per_1k_tokens"] = cc_cols["codecarbon_emissions_kg"] * 1e3 * 1000 / tokens_out
        gpu_kwh = cc_cols.get("codecarbon_gpu_energy_kwh")
        if gpu_kwh and out.get("energy_source") == "nvml":
            # CodeCarbon's GPU figure reads this same NVML counter: the ratio checks CodeCarbon's bookkeeping (its
            # tracker's start and stop against our window boundaries), it is no independent measurement of energy.
            # Its machine total adds CPU and RAM estimates to the counter: what the host adds, as CodeCarbon guesses.
            counter_j = sum(w.energy_j or 0.0 for w in windows)
            out["codecarbon_gpu_vs_counter_ratio"] = gpu_kwh * 3.6e6 / counter_j if counter_j else None
            out["codecarbon_machine_vs_counter_ratio"] = (
                cc_cols["codecarbon_energy_kwh"] * 3.6e6 / counter_j if counter_j else None
            )
    out["peak_memory_gb"], out["peak_memory_scope"] = _peak_memory_gb(cfg.device)

    if cfg.device == "cuda":
        out.update(
            roofline_columns(
                row.get("gpu_name"), row.get("parameters"), cfg.precision, cfg.batch_size,
                out["tokens_per_s"], out.get("decode_tokens_per_s"),
            )
        )  # fmt: skip
    else:
        out["roofline_note"] = "CPU run: no decode roofline (no CPU bandwidth in jobs/hardware_table.json)"
    return out


def roofline_columns(
    gpu_name: str | None,
    parameters: int | None,
    precision: str,
    batch_size: int,
    tokens_per_s: float | None,
    decode_tokens_per_s: float | None,
) -> dict[str, Any]:
    """The decode bound of MEASUREMENT.md for a GPU row and the efficiencies against it.

    ``bound = min(b x HBM bytes/s / weight bytes, peak FLOP/s / (2 x parameters))`` with the stored precision's bytes
    per parameter and the fp32 peak for fp32 (bf16 peak otherwise), from ``jobs/hardware_table.json``; a GPU the
    table does not list, or an unknown parameter count, gets a note instead of a bound.
    """
    hw = prov.gpu_spec(gpu_name)
    if not hw or not parameters:
        why = "no memory bandwidth for this hardware" if not hw else "no parameter count"
        return {"roofline_note": f"{why} in jobs/hardware_table.json"}
    flops = hw["fp32_flop_s"] if precision == "fp32" else hw["bf16_flop_s"]
    bound = acc.decode_bound_tokens_per_s(
        batch_size, parameters, STORED_BYTES[precision], hw["hbm_bytes_per_s"], flops
    )
    out: dict[str, Any] = {
        "bound_tokens_per_s": bound,
        "hbm_bytes_per_s": hw["hbm_bytes_per_s"],
        "hardware_catalog": hw["epoch_name"],
    }
    if bound:
        out["roofline_efficiency"] = None if tokens_per_s is None else tokens_per_s / bound
        if decode_tokens_per_s:
            out["roofline_efficiency_decode"] = decode_tokens_per_s / bound
    return out
