"""The accounting of a measurement, as defined in ``docs/MEASUREMENT.md`` (pure Python, no ML imports).

One place for the per-window formulas the harness uses: token counting, windows of at least ``min_window_s``,
idle subtraction, the row's figures as ratios of sums over the windows (total energy / total tokens, total tokens /
total time: windows hold unequal numbers of calls, so a mean of per-window ratios would weight them wrongly), the
per-window spread (sd, cv, 95 % interval), prefill/decode split and the batch-b decode roofline.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# How a row's figures are aggregated over its windows (rows before this column: the mean of per-window ratios).
AGGREGATION = "ratio_of_sums"
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


def window_metrics(w: Window, p_idle_w: float | None) -> dict[str, float | int | None]:
    """Per-window metrics of MEASUREMENT.md (tokens/s, J/token raw and net, Wh/1K tokens, W, decode rate)."""
    tokens_per_s = w.tokens_out / w.window_s
    net = net_energy_j(w.energy_j, p_idle_w, w.window_s)
    j_tok = None if w.energy_j is None or w.tokens_out == 0 else w.energy_j / w.tokens_out
    decode_s = w.window_s - w.prefill_s
    return {
        "window_s": w.window_s,
        "tokens_out": w.tokens_out,
        "tokens_in": w.tokens_in,
        "n_calls": w.n_calls,
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


# Two-sided 95 % Student t quantiles t(0.975, df) for df = 1..30 (any statistics table, e.g. NIST/SEMATECH
# e-Handbook of Statistical Methods, section 1.3.6.7.2); above 30 the normal 1.96 is within 4 %.
T_975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
         2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)  # fmt: skip


def t_975(df: int) -> float | None:
    """Two-sided 95 % t quantile for ``df`` degrees of freedom (None for df < 1: one window has no interval)."""
    if df < 1:
        return None
    return T_975[df - 1] if df <= len(T_975) else 1.96


def interval_95(figure: float | None, sd: float | None, n: int) -> tuple[float | None, float | None]:
    """``figure -/+ t(0.975, n-1) x sd / sqrt(n)``: the row figure's 95 % interval from the spread of its n windows."""
    t = t_975(n - 1)
    if figure is None or sd is None or t is None:
        return None, None
    half = t * sd / math.sqrt(n)
    return figure - half, figure + half


def aggregate_windows(
    windows: Sequence[Window], p_idle_w: float | None, batch_size: int
) -> dict[str, float | None]:
    """The row's figures as ratios of sums over the windows, and each figure's per-window spread.

    - ``tokens_per_s = sum(tokens_out) / sum(window_s)``; ``j_per_output_token = sum(energy_j) / sum(tokens_out)``
      (and ``_net`` from the net energies); ``avg_power_w = sum(energy_j) / sum(window_s)``;
      ``wh_per_1k_tokens = j_per_output_token x 1000 / 3600``;
      ``decode_tokens_per_s = sum(decode tokens) / sum(decode time)``.
    - ``<figure>_sd`` and ``<figure>_cv = sd / mean`` are those of the per-window values (n windows, sample sd);
      ``<figure>_ci95_low/high = figure -/+ t(0.975, n-1) x sd / sqrt(n)``.
    - ``energy_total_j``, ``energy_net_total_j``, ``window_total_s``: the sums themselves.
    """
    if not windows:
        raise ValueError("no measurement window")
    n = len(windows)
    total_s = sum(w.window_s for w in windows)
    tokens = sum(w.tokens_out for w in windows)
    energies = [w.energy_j for w in windows]
    energy = None if any(e is None for e in energies) else sum(e for e in energies if e is not None)
    net = net_energy_j(energy, p_idle_w, total_s)
    dec_tokens = sum(w.tokens_out - w.n_calls * batch_size for w in windows)
    dec_s = sum(w.window_s - w.prefill_s for w in windows)
    out: dict[str, float | None] = {
        "tokens_per_s": tokens / total_s,
        "j_per_output_token": None if energy is None or tokens == 0 else energy / tokens,
        "j_per_output_token_net": None if net is None or tokens == 0 else net / tokens,
        "avg_power_w": None if energy is None else energy / total_s,
        "decode_tokens_per_s": dec_tokens / dec_s if dec_tokens > 0 and dec_s > 0 else None,
        "energy_total_j": energy,
        "energy_net_total_j": net,
        "window_total_s": total_s,
        # per-window means of the window energies (the columns energy_j / energy_net_j of earlier rows)
        "energy_j": None if energy is None else energy / n,
        "energy_net_j": None if net is None else net / n,
    }
    j = out["j_per_output_token"]
    out["wh_per_1k_tokens"] = None if j is None else j * 1000 / 3600
    per = [window_metrics(w, p_idle_w) for w in windows]
    per_decode = [decode_tokens_per_s(w, batch_size) for w in windows]
    for name, values in (
        ("tokens_per_s", [p["tokens_per_s"] for p in per]),
        ("j_per_output_token", [p["j_per_output_token"] for p in per]),
        ("j_per_output_token_net", [p["j_per_output_token_net"] for p in per]),
        ("avg_power_w", [p["avg_power_w"] for p in per]),
        ("decode_tokens_per_s", per_decode),
    ):
        _, sd, cv = mean_sd_cv(values)
        out[f"{name}_sd"], out[f"{name}_cv"] = sd, cv
        out[f"{name}_ci95_low"], out[f"{name}_ci95_high"] = interval_95(out[name], sd, n)
    return out


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
