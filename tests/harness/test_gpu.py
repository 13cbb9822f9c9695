"""On the GPU machine only (``pytest -m gpu``; deselected where no CUDA GPU is visible): the code paths behind the
committed GPU figures, against the real hardware - CUDA-graph capture and replay of the fast path, the NVML energy
counter against its own power samples, and a tiny real GPU run through the CLI. How to run and where the output goes:
data/measurements/README.md ("GPU tests")."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

pytestmark = pytest.mark.gpu

EOS, PAD = 2, 0


def _tiny_model(device: str):
    cfg = transformers.LlamaConfig(
        vocab_size=97, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=256, eos_token_id=EOS, pad_token_id=PAD,
    )  # fmt: skip
    torch.manual_seed(0)
    return transformers.AutoModelForCausalLM.from_config(cfg, dtype=torch.float32).eval().to(device)


def test_cuda_graph_capture_and_replay_give_generates_tokens() -> None:
    from jobs.fastpath import StaticGreedyDecoder

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model, reference = _tiny_model("cuda"), _tiny_model("cuda")
    ids = torch.tensor([[0, 0, 5, 17, 33], [7, 3, 60, 11, 12]], device="cuda")
    mask = (ids != PAD).long()
    decoder = StaticGreedyDecoder(model, [EOS], compile_step=False, cuda_graph=True, steps_per_graph=4)
    for n in (11, 4, 1):  # 10 steps = 2 replays of the 4-step graph + 2 of the 1-step one; then 3 + 0
        got = decoder(ids, mask, n)
        assert sorted(decoder._graphs) == [1, 4]  # captured once, replayed since
        with torch.inference_mode():
            want = reference.generate(
                input_ids=ids, attention_mask=mask, max_new_tokens=n, min_new_tokens=n, do_sample=False,
                pad_token_id=PAD, eos_token_id=[EOS],
            )  # fmt: skip
        assert torch.equal(got, want), f"n={n}"


def test_nvml_counter_agrees_with_its_integrated_power_samples() -> None:
    """The energy counter against an independent reading path of the same board: power samples
    (nvmlDeviceGetPowerUsage) integrated over a 4-s load. They share the sensor, not the arithmetic."""
    import pynvml

    from jobs.energy import NvmlMeter

    meter = NvmlMeter(0)
    handle = meter._handle
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.perf_counter(), pynvml.nvmlDeviceGetPowerUsage(handle) / 1000.0))
            time.sleep(0.02)

    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    thread = threading.Thread(target=sample)
    e0, t0 = meter.read_j(), time.perf_counter()
    thread.start()
    while time.perf_counter() - t0 < 4.0:
        a = (a @ a).clamp_(-1, 1)
        torch.cuda.synchronize()
    stop.set()
    thread.join()
    e1, t1 = meter.read_j(), time.perf_counter()
    counter_j = e1 - e0
    integral_j = sum(
        (tb - ta) * (pa + pb) / 2 for (ta, pa), (tb, pb) in zip(samples, samples[1:], strict=False)
    )
    integral_j += samples[0][1] * (samples[0][0] - t0) + samples[-1][1] * (t1 - samples[-1][0])
    power_w = counter_j / (t1 - t0)
    print(json.dumps({"counter_j": counter_j, "power_samples_j": integral_j, "ratio": counter_j / integral_j,
                      "avg_power_w": power_w, "samples": len(samples)}))  # fmt: skip
    assert 30 < power_w < 1500  # a loaded datacentre GPU
    assert counter_j / integral_j == pytest.approx(1.0, abs=0.15)


def test_tiny_gpu_run_through_the_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from jobs.cli import app

    out = tmp_path / "rows.jsonl"
    res = CliRunner().invoke(
        app,
        [
            "run",
            "--model",
            "smollm-135m",
            "--backend",
            "pytorch-cudagraph",
            "--precision",
            "bf16",
            "--device",
            "cuda",
            "--n-prompts",
            "4",
            "--new-tokens",
            "16",
            "--max-prompt-tokens",
            "32",
            "--repeats",
            "3",
            "--warmup",
            "1",
            "--min-window-s",
            "1",
            "--idle-s",
            "1",
            "--no-codecarbon",
            "--allow-dirty",
            "--out",
            str(out),
        ],  # fmt: skip
    )
    assert res.exit_code == 0, res.output
    row = json.loads(out.read_text().splitlines()[0])
    print(json.dumps({k: row.get(k) for k in ("gpu_name", "tokens_per_s", "j_per_output_token",
                                              "bound_tokens_per_s", "roofline_efficiency", "aggregation")}))  # fmt: skip
    assert row["status"] == "ok" and row["energy_source"] == "nvml" and row["aggregation"] == "ratio_of_sums"
    assert row["j_per_output_token"] > 0 and row["j_per_output_token_ci95_low"] <= row["j_per_output_token"]
    if row.get("bound_tokens_per_s"):  # a GPU of jobs/hardware_table.json
        assert 0 < row["roofline_efficiency"] <= 1
        assert row["j_per_output_token"] >= row["avg_power_w"] / row["bound_tokens_per_s"]
