"""The accounting of a serving sweep level (``/work/shared/MEASUREMENT.md`` "Serving sweeps"), pure Python.

One place for the formulas: per-request latencies (TTFT, ITL, TPOT, e2e), their p50/p90/p99, the steady-state
window of a concurrency level, the output tokens that arrived inside it, and the energy read over it from a
sampled cumulative counter. No I/O, no load generator, no meter: the sweep (``jobs/serving/sweep.py``) feeds
records in and writes the result out.

Times are Unix seconds (``time.time()``) on one clock: the load generator's request timestamps (nanoseconds
since the epoch) and the meter's samples are taken on the same host.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

QUANTILES = (50, 90, 99)


@dataclass(frozen=True)
class RequestRecord:
    """One streamed request as the load generator recorded it."""

    start_s: float  # request sent (Unix s)
    end_s: float  # last byte of the response received (Unix s)
    ok: bool
    error: str | None = None
    # arrival of every streamed content chunk (Unix s); [0] is the first token
    chunk_times_s: tuple[float, ...] = ()
    prompt_tokens: int | None = None  # the server's usage.prompt_tokens
    output_tokens: int | None = None  # the server's usage.completion_tokens
    # the load generator's own count of output tokens, for the cross-check (None when it reports only usage)
    client_output_tokens: int | None = None

    @property
    def ttft_s(self) -> float | None:
        return self.chunk_times_s[0] - self.start_s if self.chunk_times_s else None

    @property
    def e2e_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def tpot_s(self) -> float | None:
        """``(e2e - ttft) / (output tokens - 1)``: None for a one-token answer (no decode step)."""
        if self.ttft_s is None or not self.output_tokens or self.output_tokens < 2:
            return None
        return (self.e2e_s - self.ttft_s) / (self.output_tokens - 1)

    @property
    def itl_s(self) -> list[float]:
        """Gaps between consecutive streamed chunks (one token per chunk on llama.cpp and transformers serve)."""
        t = self.chunk_times_s
        return [b - a for a, b in zip(t, t[1:], strict=False)]


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation between order statistics (numpy's default)."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def percentile_columns(name: str, values: Sequence[float]) -> dict[str, float | None]:
    out: dict[str, float | None] = {f"{name}_p{q}": quantile(values, q) for q in QUANTILES}
    out[f"{name}_mean"] = sum(values) / len(values) if values else None
    return out


@dataclass(frozen=True)
class SteadyWindow:
    """The steady state of a concurrency level: from the moment ``concurrency`` requests are first in flight to
    the moment the count drops below it for the last time (the tail drains after that; ML.ENERGY's rule)."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def steady_window(records: Sequence[RequestRecord], concurrency: int) -> SteadyWindow:
    """The steady-state window of a level run at fixed ``concurrency`` (raises ValueError when none exists)."""
    events = sorted([(r.start_s, 1) for r in records] + [(r.end_s, -1) for r in records])
    in_flight = 0
    opened: float | None = None
    closed: float | None = None
    for t, step in events:
        before = in_flight
        in_flight += step
        if opened is None and in_flight >= concurrency:
            opened = t
        if before >= concurrency > in_flight:
            closed = t
    if opened is None or closed is None or closed <= opened:
        raise ValueError(
            f"no steady state: {len(records)} request(s) never held {concurrency} in flight "
            "(send at least `concurrency` requests, and more for a useful window)"
        )
    return SteadyWindow(opened, closed)


def tokens_in_window(records: Sequence[RequestRecord], w: SteadyWindow) -> float:
    """Output tokens that arrived inside the window: each chunk counts its share of the request's server-reported
    tokens (``output_tokens / chunks``), at its own arrival time. No interpolation: chunks are timestamped."""
    total = 0.0
    for r in records:
        if not r.chunk_times_s or not r.output_tokens:
            continue
        per_chunk = r.output_tokens / len(r.chunk_times_s)
        total += per_chunk * sum(1 for t in r.chunk_times_s if w.start_s <= t <= w.end_s)
    return total


def requests_finished_in_window(records: Sequence[RequestRecord], w: SteadyWindow) -> int:
    return sum(1 for r in records if w.start_s <= r.end_s <= w.end_s)


@dataclass
class CounterSamples:
    """A cumulative energy counter (J) sampled over a run: ``(Unix s, J)`` pairs in time order."""

    times_s: list[float] = field(default_factory=list)
    joules: list[float] = field(default_factory=list)

    def add(self, t: float, j: float) -> None:
        self.times_s.append(t)
        self.joules.append(j)

    def at(self, t: float) -> float:
        """The counter at ``t``, linear between the two samples around it; ``t`` must lie inside the samples."""
        ts = self.times_s
        if not ts or t < ts[0] or t > ts[-1]:
            span = f"[{ts[0]:.3f}, {ts[-1]:.3f}]" if ts else "no samples"
            raise ValueError(f"energy window boundary {t:.3f} is outside the metered span {span}")
        for i in range(1, len(ts)):
            if ts[i] >= t:
                t0, t1, j0, j1 = ts[i - 1], ts[i], self.joules[i - 1], self.joules[i]
                return j0 if t1 == t0 else j0 + (j1 - j0) * (t - t0) / (t1 - t0)
        return self.joules[-1]

    def energy_j(self, w: SteadyWindow) -> float:
        return self.at(w.end_s) - self.at(w.start_s)


def energy_columns(
    energy_j: float | None,
    window_s: float,
    tokens: float,
    mean_output_tokens: float | None,
    p_idle_w: float | None,
) -> dict[str, float | None]:
    """J per output token (gross and idle-subtracted), J per request (= J/token x mean output length), W, Wh/1K."""
    net = None if energy_j is None or p_idle_w is None else energy_j - p_idle_w * window_s
    implausible = net is not None and net < 0
    if implausible:  # idle above load: an estimate of the whole (shared) host, not this server's idle
        net = None
    j_tok = None if energy_j is None or tokens <= 0 else energy_j / tokens
    j_tok_net = None if net is None or tokens <= 0 else net / tokens
    return {
        "energy_j": energy_j,
        "energy_net_j": net,
        "energy_net_note": (
            "not computable: the idle power exceeds the level's mean power (an estimate of the whole shared "
            "host's load, not of this server's idle)"
            if implausible
            else None
        ),
        "avg_power_w": None if energy_j is None else energy_j / window_s,
        "j_per_output_token": j_tok,
        "j_per_output_token_net": j_tok_net,
        "wh_per_1k_tokens": None if j_tok is None else j_tok * 1000 / 3600,
        "j_per_request": None if j_tok is None or mean_output_tokens is None else j_tok * mean_output_tokens,
        "j_per_request_net": (
            None if j_tok_net is None or mean_output_tokens is None else j_tok_net * mean_output_tokens
        ),
    }


def latency_columns(records: Sequence[RequestRecord]) -> dict[str, float | None]:
    """p50/p90/p99 and mean of TTFT, ITL (every gap of every request), TPOT and e2e over the ok requests."""
    ok = [r for r in records if r.ok]
    out: dict[str, float | None] = {}
    out.update(percentile_columns("ttft_s", [x for r in ok if (x := r.ttft_s) is not None]))
    out.update(percentile_columns("itl_s", [g for r in ok for g in r.itl_s]))
    out.update(percentile_columns("tpot_s", [x for r in ok if (x := r.tpot_s) is not None]))
    out.update(percentile_columns("e2e_s", [r.e2e_s for r in ok]))
    return out
