"""One measurement path (``jobs/measure.py``) for the harness and the quality runs: the device -> NVML/CodeCarbon
numbering, the metered span over a RAPL tree, and both callers failing alike on a GPU that is not visible.

NVML: ``pynvml`` is replaced by a stand-in that lists recorded device UUIDs (this suite runs without a GPU); the
RAPL counters are files in a temporary ``powercap`` tree, as in ``tests/harness/test_meters.py``.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from jobs.harness import BenchConfig, run_config
from jobs.measure import MeasuredDevice, MeteredSpan, cpu_estimate_w, resolve_device
from jobs.quality.run import QualityRun, run_grid
from jobs.rows import read_rows

# NVML's UUIDs of a 3-GPU host (NVML's PCI order): what CUDA_VISIBLE_DEVICES=GPU-... entries are matched against
UUIDS = ("GPU-1f6b1a2c-0000-4000-8000-000000000000", "GPU-9c3e77d1-0000-4000-8000-000000000000",
         "GPU-e0a4b5f2-0000-4000-8000-000000000000")  # fmt: skip


class RecordedNvmlDevices(types.ModuleType):
    """Stands in for ``pynvml``: the device count and UUIDs of the host above."""

    def __init__(self) -> None:
        super().__init__("pynvml")

    def nvmlInit(self) -> None:  # noqa: N802 - pynvml's API
        pass

    def nvmlDeviceGetCount(self) -> int:  # noqa: N802
        return len(UUIDS)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:  # noqa: N802
        return index

    def nvmlDeviceGetUUID(self, handle: int) -> bytes:  # noqa: N802
        return UUIDS[handle].encode()


def test_the_measured_gpu_is_numbered_as_nvml_and_codecarbon_number_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", RecordedNvmlDevices())
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert resolve_device("cuda", 2) == MeasuredDevice("cuda", 2, 2)
    assert resolve_device("cpu", 0).codecarbon_gpu_ids is None  # a CPU run tracks no GPU
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,0")  # torch's cuda:0 is NVML's device 2
    assert resolve_device("cuda", 0).codecarbon_gpu_ids == [2]
    assert resolve_device("cuda", 1).codecarbon_gpu_ids == [0]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", f"{UUIDS[1][:12]},{UUIDS[2]}")  # UUIDs (a prefix will do)
    assert [resolve_device("cuda", i).nvml_index for i in (0, 1)] == [1, 2]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "GPU-00000000")
    with pytest.raises(ValueError, match="matches no NVML device"):
        resolve_device("cuda", 0)


def _rapl(root: Path, energy_uj: int) -> None:
    d = root / "intel-rapl:0"
    d.mkdir(parents=True, exist_ok=True)
    (d / "energy_uj").write_text(f"{energy_uj}\n")
    (d / "max_energy_range_uj").write_text("262143328850\n")


def test_a_metered_span_reads_the_counter_at_both_ends(tmp_path: Path) -> None:
    _rapl(tmp_path, 1_000_000)
    span = MeteredSpan(resolve_device("cpu"), "USA", codecarbon=False, powercap=tmp_path)
    assert span.source_columns(estimated=True)["energy_source"] == "rapl"  # a counter wins over the estimate
    with span:
        _rapl(tmp_path, 4_500_000)  # the work inside the span: +3.5 J
        assert span.read_j() == pytest.approx(3.5)  # what the harness reads at a window boundary
        _rapl(tmp_path, 5_000_000)
    assert span.energy_j == pytest.approx(4.0)
    assert set(span.columns) == {"host_load_avg_1m_start", "host_load_avg_1m_end", "codecarbon_status"}
    assert span.columns["codecarbon_status"] == "disabled" and span.estimate_j is None


def test_without_a_counter_the_estimate_is_labelled(tmp_path: Path) -> None:
    span = MeteredSpan(resolve_device("cpu"), "USA", codecarbon=False, powercap=tmp_path / "missing")
    assert span.meter is None and span.read_j() is None
    cols = span.source_columns(estimated=True)
    assert (cols["energy_source"], cols["energy_scope"]) == (
        "estimate",
        "cpu",
    ) and "RAPL not readable" in cols["energy_note"]
    assert span.source_columns(estimated=False)["energy_source"] == "none"
    # CodeCarbon's CPU kWh over its duration: 0.001 kWh in 360 s is 10 W
    assert cpu_estimate_w(
        {"codecarbon_cpu_energy_kwh": 0.001, "codecarbon_duration_s": 360.0}
    ) == pytest.approx(10)
    assert cpu_estimate_w({"codecarbon_status": "not run: no data"}) is None


def test_harness_and_quality_refuse_an_invisible_gpu_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CUDA device 1 with only one GPU visible: both paths resolve the device through jobs/measure.py before loading
    anything, so both give a failed row with the same reason (the quality run used to meter NVML's device 0)."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    expected = "ValueError: CUDA device 1 is not visible: CUDA_VISIBLE_DEVICES=3"
    harness = run_config(
        BenchConfig(model="smollm-135m", backend="pytorch", precision="fp32", device="cuda", gpu_index=1,
                    n_prompts=1, codecarbon=False, cache_dir=str(tmp_path / "cache"))
    )  # fmt: skip
    assert (harness["status"], harness["failure_reason"]) == ("failed", expected)
    out = tmp_path / "quality.jsonl"
    rows = run_grid(QualityRun(device="cuda", gpu_index=1, n_questions=1), [("pytorch", "fp32")], out,
                    cache_dir=tmp_path / "cache")  # fmt: skip
    assert [(r["status"], r["failure_reason"]) for r in read_rows(out)] == [("failed", expected)]
    assert rows[0]["config_key"] == "pytorch/fp32" and '"gpu_index": 1' in rows[0]["config"]


def test_a_cpu_quality_row_keeps_its_config_hash() -> None:
    """gpu_index joined the quality run's config; a CPU row's identity leaves it out, so the hash of the committed
    pytorch/fp32 row (data/measurements/quality/quality_cpu_2026-11-30.jsonl) is what this run config gives."""
    run = QualityRun(max_new_tokens=16, torch_threads=1)
    assert run.config_hash("pytorch", "fp32") == "398b2ad335196dd3"
    assert QualityRun(device="cuda").config_hash("pytorch", "fp32") != QualityRun(
        device="cuda", gpu_index=1
    ).config_hash("pytorch", "fp32")
