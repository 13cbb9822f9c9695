"""The serving sweep's accounting (jobs/serving/metrics.py): latencies, steady-state window, tokens and energy in it.

Hand-made request timelines with known answers; no server here (tests/harness/test_serving_llama_cpp.py runs the real one).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobs.serving.loadgen import LoadGeneratorError, parse_records
from jobs.serving.metrics import (
    CounterSamples,
    RequestRecord,
    SteadyWindow,
    energy_columns,
    latency_columns,
    quantile,
    requests_finished_in_window,
    steady_window,
    tokens_in_window,
)


def req(start: float, first: float, gap: float, n: int, end: float | None = None) -> RequestRecord:
    """A request sent at ``start``, first token at ``first``, then a token every ``gap`` s (n tokens)."""
    times = tuple(first + i * gap for i in range(n))
    return RequestRecord(start, end if end is not None else times[-1], True, None, times, 10, n, n)


def test_request_latencies_follow_the_definitions() -> None:
    r = req(100.0, 100.5, 0.1, 11)  # e2e = 0.5 + 10 x 0.1 = 1.5 s
    assert r.ttft_s == pytest.approx(0.5)
    assert r.e2e_s == pytest.approx(1.5)
    assert r.tpot_s == pytest.approx((1.5 - 0.5) / 10)
    assert r.itl_s == pytest.approx([0.1] * 10)
    assert req(0.0, 0.2, 0.1, 1).tpot_s is None  # one token: no decode step


def test_quantile_interpolates_like_numpy() -> None:
    xs = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert quantile(xs, 50) == 3.0
    assert quantile(xs, 90) == pytest.approx(4.6)
    assert quantile(xs, 99) == pytest.approx(4.96)
    assert quantile([], 50) is None


def test_latency_columns_pool_every_gap_and_skip_failed_requests() -> None:
    ok = [req(0.0, 0.1, 0.01, 5), req(0.0, 0.3, 0.05, 3)]
    bad = RequestRecord(0.0, 9.0, False, "HTTP 500")
    cols = latency_columns([*ok, bad])
    assert cols["itl_s_p50"] == pytest.approx(0.01)  # gaps: 4 x 0.01 and 2 x 0.05 -> median 0.01
    assert cols["itl_s_mean"] == pytest.approx((4 * 0.01 + 2 * 0.05) / 6)
    assert cols["ttft_s_p50"] == pytest.approx(0.2)
    assert cols["e2e_s_p90"] == pytest.approx(
        0.14 + (0.4 - 0.14) * 0.9
    )  # e2e 0.14 and 0.4: failed one ignored


def test_steady_window_excludes_ramp_up_and_drain() -> None:
    # concurrency 2: a starts at 0, b at 1 (ramp-up until 1); c replaces a at 4; last start is c's at 4;
    # b ends at 6 -> in flight drops to 1 for good (drain: c alone until 8).
    recs = [req(0.0, 0.5, 0.5, 8, end=4.0), req(1.0, 1.5, 0.5, 10, end=6.0), req(4.0, 4.5, 0.5, 8, end=8.0)]
    w = steady_window(recs, 2)
    assert (w.start_s, w.end_s) == (1.0, 6.0)
    assert requests_finished_in_window(recs, w) == 2  # a (4.0) and b (6.0)


def test_steady_window_of_one_sequential_stream_is_the_whole_run() -> None:
    recs = [req(0.0, 0.1, 0.1, 5), req(0.6, 0.7, 0.1, 5), req(1.2, 1.3, 0.1, 5)]
    w = steady_window(recs, 1)
    assert (w.start_s, w.end_s) == (0.0, pytest.approx(1.7))


def test_no_steady_state_when_concurrency_is_never_reached() -> None:
    with pytest.raises(ValueError, match="never held 4 in flight"):
        steady_window([req(0.0, 0.1, 0.1, 5), req(0.0, 0.1, 0.1, 5)], 4)


def test_tokens_in_window_count_each_chunk_at_its_arrival() -> None:
    r = req(0.0, 1.0, 1.0, 10)  # tokens at 1..10 s
    assert tokens_in_window([r], SteadyWindow(2.5, 6.5)) == 4  # 3, 4, 5, 6
    # a chunk carrying 2 tokens counts 2 (usage says 20 tokens over 10 chunks)
    r2 = RequestRecord(0.0, 10.0, True, None, r.chunk_times_s, 5, 20, 20)
    assert tokens_in_window([r2], SteadyWindow(2.5, 6.5)) == 8


def test_counter_energy_is_read_at_the_window_boundaries() -> None:
    s = CounterSamples()
    for i in range(11):  # 50 W: 5 J every 0.1 s
        s.add(100.0 + i * 0.1, 1000.0 + 5.0 * i)
    assert s.energy_j(SteadyWindow(100.25, 100.75)) == pytest.approx(25.0)
    with pytest.raises(ValueError, match="outside the metered span"):
        s.energy_j(SteadyWindow(99.0, 100.5))


def test_energy_columns_gross_net_per_token_and_per_request() -> None:
    cols = energy_columns(energy_j=100.0, window_s=10.0, tokens=50.0, mean_output_tokens=20.0, p_idle_w=4.0)
    assert cols["energy_net_j"] == pytest.approx(60.0)
    assert cols["j_per_output_token"] == pytest.approx(2.0)
    assert cols["j_per_output_token_net"] == pytest.approx(1.2)
    assert cols["wh_per_1k_tokens"] == pytest.approx(2.0 * 1000 / 3600)
    assert cols["j_per_request"] == pytest.approx(40.0)
    assert cols["avg_power_w"] == pytest.approx(10.0)
    assert energy_columns(None, 10.0, 50.0, 20.0, 4.0)["j_per_output_token"] is None
    # idle above the level's mean power (a host-wide estimate on a shared host): no negative net figure
    neg = energy_columns(energy_j=30.0, window_s=10.0, tokens=50.0, mean_output_tokens=20.0, p_idle_w=4.0)
    assert neg["energy_net_j"] is None and neg["j_per_output_token_net"] is None and neg["energy_net_note"]
    assert neg["j_per_output_token"] == pytest.approx(0.6)


def _record(start_ns: int, end_ns: int, **metrics: object) -> str:
    meta = {"request_start_ns": start_ns, "request_end_ns": end_ns, "benchmark_phase": "profiling"}
    return json.dumps({"metadata": meta, "metrics": metrics, "error": None})


def test_parse_records_reads_aiperf_records(tmp_path: Path) -> None:
    f = tmp_path / "profile_export.jsonl"
    f.write_text(
        _record(
            1_000_000_000,
            1_400_000_000,
            time_to_first_token={"value": 100.0, "unit": "ms"},
            request_latency={"value": 380.0, "unit": "ms"},
            inter_chunk_latency={"value": [100.0, 150.0], "unit": "ms"},
            usage_completion_tokens={"value": 3, "unit": "tokens"},
            usage_prompt_tokens={"value": 12, "unit": "tokens"},
        )
        + "\n"
        + json.dumps(
            {
                "metadata": {"request_start_ns": 2_000_000_000, "request_end_ns": 2_100_000_000},
                "metrics": {},
                "error": {"code": 500, "type": "Internal Server Error", "message": "boom"},
            }
        )
        + "\n"
    )
    ok, bad = parse_records(f)
    assert ok.chunk_times_s == pytest.approx((1.1, 1.2, 1.35))
    # e2e is aiperf's request_latency (0.38 s), not request_end_ns - request_start_ns (0.4 s)
    assert (ok.output_tokens, ok.prompt_tokens, ok.e2e_s) == (3, 12, pytest.approx(0.38))
    assert not bad.ok and "500" in (bad.error or "") and "boom" in (bad.error or "")


def test_parse_records_rejects_malformed_lines(tmp_path: Path) -> None:
    f = tmp_path / "profile_export.jsonl"
    f.write_text('{"metadata": {"request_start_ns": 1}}\n')
    with pytest.raises(LoadGeneratorError, match="line 1: malformed record"):
        parse_records(f)
    with pytest.raises(LoadGeneratorError, match="no per-request records"):
        parse_records(tmp_path / "missing.jsonl")


def test_gpu_index_zero_is_accepted_and_concurrency_zero_is_not() -> None:
    """`--gpus 0` names the first GPU (the GPU sweep passes it); a concurrency level of 0 is refused."""
    import typer

    from jobs.serving.cli import _ints

    assert _ints("0", least=0) == [0]
    assert _ints("0,1", least=0) == [0, 1]
    assert _ints("1,4,16") == [1, 4, 16]
    for bad, least in (("0", 1), ("-1", 0), ("x", 0), ("", 1)):
        with pytest.raises(typer.BadParameter):
            _ints(bad, least=least)
