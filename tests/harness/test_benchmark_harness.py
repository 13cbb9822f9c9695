"""jobs/ (greenlm-bench): accounting, refusals, atomic rows, a tiny real CPU run, and raw.benchmark_runs via Pipes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from greenlm_assets.defs.ingest.benchmark_runs import read_runs
from greenlm_assets.lib.raw_load import RawLoadError
from jobs import accounting as acc
from jobs.backends import UnsupportedCombination, check_combination
from jobs.cli import app
from jobs.energy import idle_power_w
from jobs.provenance import HARDWARE_TABLE
from jobs.registry import parameter_count, registry
from jobs.rows import append_row, read_rows
from tests.conftest import repo_root

# --allow-dirty: a test run is no measurement, and a developer's tree may hold uncommitted edits (the rows say so)
TINY = ["--model", "smollm-135m", "--backend", "pytorch", "--precision", "fp32", "--n-prompts", "2",
        "--new-tokens", "3", "--max-prompt-tokens", "16", "--repeats", "2", "--warmup", "1",
        "--min-window-s", "0.3", "--idle-s", "0.2", "--allow-dirty"]  # fmt: skip


def test_count_generated_stops_after_first_eos() -> None:
    assert acc.count_generated([5, 6, 7], {0}, None) == 3
    assert acc.count_generated([5, 0, 0, 0], {0}, None) == 2  # EOS counted, the padding after it not
    assert acc.count_generated([5, 6, 9, 9], {0}, 9) == 2  # trailing pads (pad != eos) not counted
    assert acc.count_generated([], {0}, None) == 0


class _PowerCounter:
    """A cumulative counter that grows at a fixed power in real time (the accounting is under test, not NVML)."""

    source, scope = "test", "gpu"

    def __init__(self, watts: float) -> None:
        self.watts = watts

    def read_j(self) -> float:
        return self.watts * time.perf_counter()


def test_window_repeats_the_workload_until_min_duration() -> None:
    now = [0.0]  # the window's clock: each call of the workload takes exactly 40 ms of it
    calls = []

    def unit() -> acc.Unit:
        now[0] += 0.04
        calls.append(1)
        return acc.Unit(tokens_out=4, tokens_in=10, prefill_s=0.01)

    w = acc.run_window(unit, 0.25, lambda: 100.0 * now[0], clock=lambda: now[0])  # a 100 W counter
    assert w.n_calls == len(calls) == 7  # 6 calls last 0.24 s < 0.25 s; the 7th ends the window at 0.28 s
    assert w.window_s == pytest.approx(0.28)
    assert w.tokens_out == 4 * 7 and w.tokens_in == 10 * 7
    assert w.energy_j == pytest.approx(100.0 * 0.28)
    assert w.prefill_s == pytest.approx(0.01 * 7)
    # a workload longer than the minimum still makes exactly one call
    assert acc.run_window(unit, 0.0, lambda: None, clock=lambda: now[0]).n_calls == 1


def test_idle_power_and_net_energy() -> None:
    assert idle_power_w(_PowerCounter(50.0), 0.2) == pytest.approx(50.0, rel=0.02)
    w = acc.Window(window_s=10.0, energy_j=3000.0, tokens_out=1000, tokens_in=500, n_calls=10, prefill_s=1.0)
    m = acc.window_metrics(w, p_idle_w=120.0)
    assert m["energy_net_j"] == pytest.approx(3000.0 - 1200.0)
    assert m["j_per_output_token"] == pytest.approx(3.0)
    assert m["j_per_output_token_net"] == pytest.approx(1.8)
    assert m["wh_per_1k_tokens"] == pytest.approx(3.0 * 1000 / 3600)
    assert m["avg_power_w"] == pytest.approx(300.0)
    assert m["tokens_per_s"] == pytest.approx(100.0)
    # decode: tokens after each sequence's first (batch 2, 10 calls) over the window minus prefill time
    assert acc.decode_tokens_per_s(w, batch_size=2) == pytest.approx((1000 - 20) / 9.0)
    assert acc.window_metrics(acc.Window(1.0, None, 5, 5, 1, 0.1), None)["j_per_output_token"] is None


def test_mean_sd_cv() -> None:
    assert acc.mean_sd_cv([10.0, 12.0, 14.0]) == pytest.approx((12.0, 2.0, 2.0 / 12.0))
    assert acc.mean_sd_cv([7.0]) == (7.0, 0.0, 0.0)
    assert acc.mean_sd_cv([1.0, None]) == (None, None, None)


def test_roofline_bound() -> None:
    # Llama-3.1-8B in bf16 on an H200 (4.8 TB/s): about 299 tokens/s at batch 1, 32x at batch 32 unless compute-bound
    p = parameter_count("llama-3.1-8b")
    b1 = acc.decode_bound_tokens_per_s(1, p, 2.0, 4.8e12, 9.895e14)
    assert b1 == pytest.approx(4.8e12 / (p * 2.0))
    assert acc.decode_bound_tokens_per_s(32, p, 2.0, 4.8e12, 9.895e14) == pytest.approx(32 * b1)
    assert acc.decode_bound_tokens_per_s(4096, p, 2.0, 4.8e12, 9.895e14) == pytest.approx(9.895e14 / (2 * p))
    assert acc.decode_bound_tokens_per_s(1, p, 2.0, None, None) is None


def test_registry_uses_published_architectures() -> None:
    published = {"smollm-135m", "smollm-360m", "smollm-1.7b", "smollm2-135m", "qwen2.5-0.5b", "qwen2.5-1.5b",
                 "qwen2.5-3b", "qwen2.5-7b", "llama-3.2-1b", "llama-3.2-3b", "llama-3.1-8b", "mistral-7b",
                 "phi-3-mini", "gemma-2-2b", "gemma-2-9b", "llama-2-13b"}  # fmt: skip
    assert published <= set(registry())
    assert parameter_count("smollm-135m") == 134_515_008
    assert parameter_count("llama-3.1-8b") / 1e9 == pytest.approx(8.03, abs=0.01)
    assert parameter_count("qwen2.5-7b") / 1e9 == pytest.approx(7.62, abs=0.01)
    assert parameter_count("gemma-2-2b") / 1e9 == pytest.approx(2.61, abs=0.01)
    for spec in registry().values():
        assert spec.source.startswith("https://huggingface.co/") and spec.source.endswith("config.json")


def test_hardware_table_matches_the_epoch_catalog() -> None:
    catalog = pd.read_csv(repo_root() / "data/snapshots/epoch_ai/ml_hardware.csv").set_index("Hardware name")
    for row in json.loads(HARDWARE_TABLE.read_text())["gpus"]:
        assert catalog.loc[row["epoch_name"], "Memory bandwidth (byte/s)"] == row["hbm_bytes_per_s"]
    h200 = next(r for r in json.loads(HARDWARE_TABLE.read_text())["gpus"] if r["nvml_pattern"] == "H200")
    assert h200["hbm_bytes_per_s"] == 4.8e12


def test_unsupported_combinations_are_refused_with_the_valid_list(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedCombination, match=r"onnxruntime/fp16/cuda"):
        check_combination("onnxruntime", "fp16", "cpu")
    with pytest.raises(UnsupportedCombination, match=r"unknown backend 'tensorrt'.*pytorch/fp32/cpu"):
        check_combination("tensorrt", "fp32", "cpu")
    out = tmp_path / "rows.jsonl"
    res = CliRunner().invoke(app, ["run", "--model", "gpt-5", "--out", str(out)])
    assert res.exit_code == 2 and "smollm-135m" in res.output and "llama-3.1-8b" in res.output
    res = CliRunner().invoke(
        app, ["run", "--backend", "onnxruntime", "--precision", "int8-weight", "--out", str(out)]
    )
    assert res.exit_code == 2 and "onnxruntime/int8-dynamic/cpu" in res.output
    assert not out.exists()


def test_a_gpu_run_without_a_gpu_fails_loudly(tmp_path: Path) -> None:
    """A GPU campaign started on the wrong machine must not "succeed" having measured nothing: exit 2, no row."""
    pytest.importorskip("torch")
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")  # CI has none; the refusal is what is tested there
    out = tmp_path / "rows.jsonl"
    res = CliRunner().invoke(
        app, ["run", *TINY, "--device", "cuda", "--backend", "pytorch", "--out", str(out)]
    )
    assert res.exit_code == 2, res.output
    assert "no CUDA GPU is visible" in res.output and "1 GPU configuration(s) not measured" in res.output
    assert "skipped" not in res.output
    assert not out.exists()


def test_a_killed_writer_leaves_only_whole_rows(tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    script = textwrap.dedent(f"""
        from jobs.rows import append_row
        i = 0
        while True:
            append_row({str(out)!r}, {{"run_id": str(i), "payload": "x" * 200_000}})
            i += 1
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=repo_root())
    deadline = time.time() + 20
    while time.time() < deadline and not (out.exists() and out.stat().st_size > 1_000_000):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    rows = read_rows(out)  # every line parses: no partial row
    assert len(rows) >= 5
    assert [r["run_id"] for r in rows] == [str(i) for i in range(len(rows))]
    append_row(out, {"run_id": "after"})  # leftover temp files do not block the next write
    assert read_rows(out)[-1]["run_id"] == "after"


def test_tiny_real_cpu_run_through_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    res = CliRunner().invoke(app, ["run", *TINY, "--no-codecarbon", "--batch-size", "1,2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = read_rows(out)
    assert [r["batch_size"] for r in rows] == [1, 2]
    for r in rows:
        assert r["status"] == "ok", r.get("failure_reason")
        assert r["weights"] == "random" and r["tokenizer"] == "smollm-135m"
        # token counting: 3 forced new tokens per sequence, batch_size sequences per call
        calls = r["calls_per_window"] * r["repeats"]
        assert r["tokens_out_total"] == pytest.approx(3 * r["batch_size"] * calls)
        assert r["tokens_in_total"] == pytest.approx(16 * r["batch_size"] * calls)
        assert len(r["windows_s"]) == r["repeats"] == 2 and all(w >= 0.3 for w in r["windows_s"])
        assert r["tokens_per_s"] > 0 and r["tokens_per_s_cv"] >= 0 and r["ttft_s"] > 0
        # RAPL when readable, else no energy at all here (CodeCarbon, the estimate, is switched off in this run)
        assert (r["energy_source"], r["cpu_energy_source"]) in {("none", "estimate"), ("rapl", "rapl")}
        assert r["hardware"].startswith("CPU ") and r["params_b"] == pytest.approx(0.1345, abs=1e-4)
        assert r["config_hash"] and r["timestamp_utc"].endswith("Z") and r["country_iso3"] == "FRA"
    assert rows[0]["config_hash"] != rows[1]["config_hash"]


def test_bad_measurement_file_names_file_and_line(tmp_path: Path) -> None:
    good = json.loads(
        (repo_root() / "data/measurements/gpu_h200_2026-11-30.jsonl").read_text().splitlines()[0]
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(good) + "\n" + '{"run_id": "x", "status": "ok"\n')
    with pytest.raises(RawLoadError, match=r"bad.jsonl: line 2: not valid JSON"):
        read_runs([bad])
    bad.write_text(json.dumps({**good, "model_key": None}) + "\n")
    with pytest.raises(RawLoadError, match=r"bad.jsonl: line 1: field 'model_key'"):
        read_runs([bad])


def test_pipes_run_lands_in_raw_benchmark_runs(platform: dict, con) -> None:
    result = platform["result"]
    mats = result.asset_materializations_for_node("measurements__greenlm_bench_run")
    assert mats and mats[-1].metadata["rows"].value == 1  # reported by the subprocess through Pipes
    committed = sum(
        len(p.read_text().splitlines()) for p in (repo_root() / "data/measurements").glob("*.jsonl")
    )
    total, fresh_ok = con.execute(
        "SELECT count(*), count(*) FILTER (source_file LIKE '%latest.jsonl' AND status = 'ok') FROM raw.benchmark_runs"
    ).fetchone()
    assert (total, fresh_ok) == (committed + 1, 1)
    row = con.execute(
        "SELECT model_key, hf_model_id, device, energy_source, energy_scope, weights, meets_protocol, source, "
        "codecarbon_energy_kwh > 0 FROM staging.stg_benchmark_runs__runs WHERE source_file LIKE '%latest.jsonl'"
    ).fetchone()
    assert row[:3] == ("smollm-135m", "HuggingFaceTB/SmolLM-135M", "cpu")
    assert row[3] in {"estimate", "rapl"} and row[4] == "cpu"  # never presented as a measurement without RAPL
    assert row[5:] == ("random", False, "greenlm", True)  # smoke run: windows under 5 s -> not the protocol
    h200 = con.execute(
        "SELECT count(*) FROM staging.stg_benchmark_runs__runs WHERE hardware = 'NVIDIA H200' AND energy_source = "
        "'nvml' AND meets_protocol AND roofline_efficiency > 0"
    ).fetchone()[0]
    assert h200 >= 40


def test_nvml_index_follows_cuda_visible_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    """One sweep per GPU (CUDA_VISIBLE_DEVICES=1): torch's cuda:0 is NVML's device 1, and the meter must read that."""
    from jobs.provenance import nvml_index

    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert nvml_index(0) == 0 and nvml_index(3) == 3
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    assert nvml_index(0) == 1
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", " 3, 2 ")
    assert (nvml_index(0), nvml_index(1)) == (3, 2)
    with pytest.raises(ValueError, match="CUDA device 2 is not visible: CUDA_VISIBLE_DEVICES=3,2"):
        nvml_index(2)


def test_quanto_int4_generates_at_batch_above_one() -> None:
    """quanto's int4 linear needs a contiguous input; at batch > 1 the LM head gets a strided view after the prefill.

    The H200 runs at batch 32 failed there (status=failed rows in data/measurements). On CPU quanto picks the same
    tinygemm int4 kernel for bf16 layers whose width is a multiple of the 128 group (SmolLM-135M's 576 is not), and
    that kernel refuses the same view: a small Llama (transformers' real code, random weights) reproduces it.
    """
    import torch
    from optimum.quanto import freeze, qint4, quantize
    from transformers import LlamaConfig, LlamaForCausalLM

    from jobs.backends import quanto_quantize

    config = LlamaConfig(
        hidden_size=256, intermediate_size=512, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=1024, tie_word_embeddings=False,
    )  # fmt: skip

    def model() -> LlamaForCausalLM:
        torch.manual_seed(0)
        return LlamaForCausalLM(config).to(torch.bfloat16).eval()

    torch.manual_seed(1)
    ids = torch.randint(5, 1000, (2, 12))
    mask = torch.ones_like(ids)
    mask[1, :4] = 0  # left padding, as the harness batches prompts
    gen = {"max_new_tokens": 2, "min_new_tokens": 2, "do_sample": False, "pad_token_id": 0}
    last = torch.randn(2, 12, 256, dtype=torch.bfloat16)[:, -1:, :]  # what the head sees after the prefill
    assert not last.is_contiguous()

    plain = model()
    quantize(plain, weights=qint4)
    freeze(plain)
    assert type(plain.lm_head.weight).__name__ == "TinyGemmWeightQBitsTensor"
    with torch.no_grad(), pytest.raises(RuntimeError, match="contiguous"):
        plain.generate(input_ids=ids, attention_mask=mask, **gen)

    fixed = model()  # same seed: the same weights
    assert quanto_quantize(fixed, "int4-weight").endswith("(optimum-quanto)")
    with torch.no_grad():
        assert fixed.generate(input_ids=ids, attention_mask=mask, **gen).shape == (2, 14)
        # the hook only makes the input contiguous: the head's numbers are the plain head's on a contiguous copy
        assert torch.equal(fixed.lm_head(last), plain.lm_head(last.contiguous()))


def test_an_unchanged_smoke_run_is_not_run_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make run` twice with nothing changed: the smoke run is skipped, its fresh file stays byte-identical, so
    raw.benchmark_runs is not reloaded (and dbt, which reads it, is not rebuilt); force: true runs it again."""
    from tests.conftest import load_defs, materialize_all

    monkeypatch.setenv("GREENLM_DUCKDB_PATH", str(tmp_path / "greenlm.duckdb"))
    defs = load_defs()
    selection = 'key:"measurements/greenlm_bench_run" or key:"raw/benchmark_runs"'

    def mats(result) -> dict[str, object]:
        return {
            e.materialization.asset_key.to_user_string(): e.materialization
            for e in result.get_asset_materialization_events()
        }

    first = materialize_all(defs, selection=selection)
    assert first.success
    fresh = tmp_path / "benchmark_runs_fresh" / "latest.jsonl"
    before = fresh.read_bytes()
    m1 = mats(first)
    assert m1["measurements/greenlm_bench_run"].metadata["skipped_unchanged"].value is False
    second = materialize_all(defs, selection=selection)
    m2 = mats(second)
    assert m2["measurements/greenlm_bench_run"].metadata["skipped_unchanged"].value is True
    assert m2["raw/benchmark_runs"].metadata["skipped_unchanged"].value is True
    assert fresh.read_bytes() == before
    assert (
        m2["measurements/greenlm_bench_run"].tags["dagster/data_version"]
        == m1["measurements/greenlm_bench_run"].tags["dagster/data_version"]
    )
    import dagster as dg

    from greenlm_assets.defs.resources import build_resources

    forced = dg.materialize(
        list(defs.assets or []),
        resources=build_resources(),
        selection=selection,
        run_config={"ops": {"measurements__greenlm_bench_run": {"config": {"force": True}}}},
    )
    assert mats(forced)["measurements/greenlm_bench_run"].metadata["skipped_unchanged"].value is False
    assert fresh.read_bytes() != before  # a new measurement: new run_id, new timings


def test_smoke_inputs_follow_the_harness_code_not_its_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from greenlm_assets.defs.ingest import benchmark_runs as bench

    jobs = tmp_path / "jobs"
    shutil.copytree(repo_root() / "jobs", jobs, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(bench, "JOBS_DIR", jobs)
    cfg = bench.BenchmarkRunConfig()
    sha = bench.smoke_inputs_sha(cfg)
    (jobs / "__pycache__").mkdir(exist_ok=True)
    (jobs / "__pycache__" / "harness.cpython-311.pyc").write_bytes(b"compiled")
    assert bench.smoke_inputs_sha(cfg) == sha  # compiling the code changes nothing
    assert bench.smoke_inputs_sha(bench.BenchmarkRunConfig(new_tokens=3)) != sha  # another configuration
    (jobs / "accounting.py").write_text((jobs / "accounting.py").read_text() + "\n# edited\n")
    assert bench.smoke_inputs_sha(cfg) != sha  # another harness
