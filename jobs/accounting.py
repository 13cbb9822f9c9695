"""The accounting of a measurement, as defined in ``docs/MEASUREMENT.md`` (pure Python, no ML imports).

One place for the per-window formulas the harness uses: token counting, windows of at least ``min_window_s``,
idle subtraction, mean/sd/CV over repeats, prefill/decode split and the batch-b decode roofline.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "int8": 1.0, "int4": 0.5}


def count_generated(tokens: Sequence[int], eos_ids: set[int], pad_id: int | None) -> int:
    """Tokens actually generated in one sequence (the part after the prompt).

    Counting stops after the first EOS (inclusive): what ``generate`` appends after it is padding, not output.
    A ``pad_id`` equal to an EOS id is therefore handled by the EOS rule; any other trailing pads are not counted.
    """
    n = 0
    for tok in tokens:
        if tok in eos_ids:
            return n + 1
        if pad_id is not None and tok == pad_id:
            break
        n += 1
    return n


@dataclass(frozen=True)
class Unit:
    """What one call of the workload (one ``generate`` on one batch) produced."""

    tokens_out: int
    tokens_in: int
    prefill_s: float  # time-to-first-token of this batch, measured separately (1-token generation)


@dataclass(frozen=True)
class Window:
    """One measurement window: the workload repeated until it lasted at least the minimum duration."""

    window_s: float
    energy_j: float | None  # counter delta over the window; None when no counter exists
    tokens_out: int
    tokens_in: int
    n_calls: int
    prefill_s: float  # sum of the calls' time-to-first-token


def run_window(
    unit: Callable[[], Unit],
    min_window_s: float,
    read_energy_j: Callable[[], float | None],
    clock: Callable[[], float] = time.perf_counter,
) -> Window:
    """Repeat ``unit`` until the window lasts ``>= min_window_s`` (at least one call); read the counter at both ends.

    ``unit`` must return only once its device work is finished (synchronized), so that the boundaries are exact.
    """
    e0 = read_energy_j()
    t0 = clock()
    tokens_out = tokens_in = calls = 0
    prefill = 0.0
    while True:
        u = unit()
        tokens_out += u.tokens_out
        tokens_in += u.tokens_in
        prefill += u.prefill_s
        calls += 1
        elapsed = clock() - t0
        if elapsed >= min_window_s:
            break
    e1 = read_energy_j()
    energy = None if e0 is None or e1 is None else e1 - e0
    return Window(elapsed, energy, tokens_out, tokens_in, calls, prefill)


def net_energy_j(energy_j: float | None, p_idle_w: float | None, window_s: float) -> float | None:
    """``energy_j - p_idle_w * window_s``: the energy above idle (None when either input is unknown)."""
    if energy_j is None or p_idle_w is None:
        return None
    return energy_j - p_idle_w * window_s


def window_metrics(w: Window, p_idle_w: float | None) -> dict[str, float | None]:
    """Per-window metrics of MEASUREMENT.md (tokens/s, J/token raw and net, Wh/1K tokens, W, decode rate)."""
    tokens_per_s = w.tokens_out / w.window_s
    net = net_energy_j(w.energy_j, p_idle_w, w.window_s)
    j_tok = None if w.energy_j is None or w.tokens_out == 0 else w.energy_j / w.tokens_out
    decode_s = w.window_s - w.prefill_s
    return {
        "tokens_per_s": tokens_per_s,
        "j_per_output_token": j_tok,
        "j_per_output_token_net": None if net is None or w.tokens_out == 0 else net / w.tokens_out,
        "wh_per_1k_tokens": None if j_tok is None else j_tok * 1000 / 3600,
        "avg_power_w": None if w.energy_j is None else w.energy_j / w.window_s,
        "energy_j": w.energy_j,
        "energy_net_j": net,
        "decode_s": decode_s,
    }


def decode_tokens_per_s(w: Window, batch_size: int) -> float | None:
    """Decode rate: tokens after the first of each sequence over the window minus the calls' prefill time."""
    decode_tokens = w.tokens_out - w.n_calls * batch_size
    decode_s = w.window_s - w.prefill_s
    if decode_tokens <= 0 or decode_s <= 0:
        return None
    return decode_tokens / decode_s


def mean_sd_cv(values: Sequence[float | None]) -> tuple[float | None, float | None, float | None]:
    """Mean, sample sd (n-1; 0 for one value) and ``cv = sd / mean``; None if any value is missing."""
    if not values or any(v is None for v in values):
        return None, None, None
    vals = [float(v) for v in values if v is not None]
    mean = statistics.fmean(vals)
    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
    cv = sd / mean if mean else None
    return mean, sd, cv


def decode_bound_tokens_per_s(
    batch_size: int,
    parameters: int,
    bytes_per_param: float,
    hbm_bytes_per_s: float | None,
    peak_flop_s: float | None,
) -> float | None:
    """``min(b * bandwidth / weight_bytes, peak_flops / (2 * parameters))`` (KV-cache reads ignored)."""
    if not hbm_bytes_per_s:
        return None
    memory_bound = batch_size * hbm_bytes_per_s / (parameters * bytes_per_param)
    if not peak_flop_s:
        return memory_bound
    return min(memory_bound, peak_flop_s / (2 * parameters))


def is_finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)
