"""The measurement steps the harness (``harness._measure``) and the quality runs (``quality.run._run_one``) share.

- ``resolve_device``: the device a row measures -> its CUDA index, NVML's index of that GPU (``CUDA_VISIBLE_DEVICES``
  honoured, ``provenance.nvml_index``) and the ``gpu_ids`` CodeCarbon tracks; an index that is not visible raises
  ``ValueError`` before anything is loaded.
- ``load_timed``: ``backends.load`` timed (``load_s``) with the loaded model's ``weights``, ``quantization``,
  ``compute_dtype`` and ``backend_notes`` columns.
- ``timed_s``: the seconds a call takes (the warm-up, outside the measured span).
- ``MeteredSpan``: the energy counter of the device (``energy.open_meter``), opened where the caller opens it, and a
  ``with`` span over the measured work: host load average at start and end, the counter read at both ends,
  CodeCarbon alongside (``codecarbon_*`` columns), and CodeCarbon's CPU estimate for when there is no counter
  (``energy_source="estimate"``, never presented as a measurement).

What is measured inside the span (the harness's windows, idle power and time to first token; the quality run's
answers) stays with the caller; ``docs/MEASUREMENT.md`` defines it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobs.energy import POWERCAP, CodeCarbonRun, Meter, open_meter
from jobs.provenance import nvml_index

J_PER_KWH = 3.6e6


@dataclass(frozen=True)
class MeasuredDevice:
    """Where a row runs: ``device`` (cpu | cuda), the CUDA index (torch's ``cuda:gpu_index``) and the GPU as NVML
    and CodeCarbon number it (NVML ignores ``CUDA_VISIBLE_DEVICES``; CodeCarbon numbers GPUs as NVML does)."""

    device: str
    gpu_index: int = 0
    nvml_index: int | None = None

    @property
    def codecarbon_gpu_ids(self) -> list[int] | None:
        """Track the measured GPU only, not every GPU of the host; None on a CPU run."""
        return None if self.nvml_index is None else [self.nvml_index]


def resolve_device(device: str, gpu_index: int = 0) -> MeasuredDevice:
    """``device``/``gpu_index`` resolved to NVML's numbering; raises ``ValueError`` when ``CUDA_VISIBLE_DEVICES``
    does not show CUDA device ``gpu_index`` (or names a GPU NVML does not have)."""
    if device != "cuda":
        return MeasuredDevice(device, gpu_index, None)
    return MeasuredDevice(device, gpu_index, nvml_index(gpu_index))


def device_sync(device: str) -> Callable[[], None]:
    """Waits for the device's queued work (``torch.cuda.synchronize`` on a GPU, nothing on a CPU)."""
    if device == "cuda":
        import torch

        return torch.cuda.synchronize
    return lambda: None


def load_timed(
    spec: Any, backend: str, precision: str, device: MeasuredDevice, **load_kwargs: Any
) -> tuple[Any, dict[str, Any]]:
    """``backends.load(...)`` and its columns: ``load_s`` (to the device's synchronisation, on a GPU with the peak
    memory statistics reset first), ``weights``, ``quantization``, ``compute_dtype``, ``backend_notes``."""
    from jobs.backends import load

    if device.device == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    loaded = load(spec, backend, precision, device.device, **load_kwargs)
    device_sync(device.device)()
    cols = {
        "load_s": time.perf_counter() - t0,
        "weights": loaded.weights,
        "quantization": loaded.quantization,
        "compute_dtype": loaded.compute_dtype,
        "backend_notes": loaded.notes,
    }
    return loaded, cols


def timed_s(work: Callable[[], object]) -> float:
    """Seconds ``work()`` takes (e.g. the warm-up, which runs outside the measured span)."""
    t0 = time.perf_counter()
    work()
    return time.perf_counter() - t0


def cpu_estimate_w(cc_cols: dict[str, Any]) -> float | None:
    """CodeCarbon's mean CPU power over its span (its CPU kWh / its duration); None without its figures."""
    kwh, duration = cc_cols.get("codecarbon_cpu_energy_kwh"), cc_cols.get("codecarbon_duration_s")
    if kwh is None or not duration:
        return None
    return float(kwh) * J_PER_KWH / float(duration)


class _NoCodeCarbon:
    def __enter__(self) -> _NoCodeCarbon:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def columns(self) -> dict[str, Any]:
        return {"codecarbon_status": "disabled"}


@dataclass
class MeteredSpan:
    """The device's energy counter, opened at construction, and (as a context manager) one measured span.

    ``with span:`` records ``host_load_avg_1m_start``, reads the counter (``energy_start_j``), starts CodeCarbon
    (tracking ``device.codecarbon_gpu_ids``; ``codecarbon=False`` gives ``codecarbon_status=disabled``); on exit it
    stops CodeCarbon, reads the counter again and records ``host_load_avg_1m_end``. ``columns`` then holds the
    host-load and ``codecarbon_*`` columns, ``energy_j`` the counter's delta over the span (None without a counter),
    ``estimate_j``/``estimate_w`` CodeCarbon's CPU energy and mean power over it. Reading the counter inside the span
    (the harness's window boundaries) goes through ``read_j``.
    """

    device: MeasuredDevice
    country_iso3: str
    codecarbon: bool = True
    measure_power_secs: float = 15.0
    powercap: Path = POWERCAP  # where a CPU run's RAPL counters are
    meter: Meter | None = field(init=False, default=None)
    meter_note: str = field(init=False, default="")
    columns: dict[str, Any] = field(init=False, default_factory=dict)
    energy_start_j: float | None = field(init=False, default=None)
    energy_end_j: float | None = field(init=False, default=None)
    _cc: Any = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.meter, self.meter_note = open_meter(self.device.device, self.device.gpu_index, self.powercap)

    def read_j(self) -> float | None:
        """The counter now (J, cumulative), or None without one."""
        return self.meter.read_j() if self.meter is not None else None

    def source_columns(self, estimated: bool) -> dict[str, Any]:
        """``energy_source``/``energy_scope``/``energy_note``: the counter's when there is one, else
        ``estimate``/``cpu`` when CodeCarbon's CPU estimate stands in (``estimated``), else ``none``."""
        if self.meter is not None:
            source, scope = self.meter.source, self.meter.scope
        elif estimated:
            source, scope = "estimate", "cpu"
        else:
            source, scope = "none", None
        return {"energy_source": source, "energy_scope": scope, "energy_note": self.meter_note}

    def codecarbon_run(self, measure_power_secs: float | None = None) -> Any:
        """A CodeCarbon span over this device's GPU (or a disabled stand-in), e.g. for idle power without a counter."""
        if not self.codecarbon:
            return _NoCodeCarbon()
        secs = self.measure_power_secs if measure_power_secs is None else measure_power_secs
        return CodeCarbonRun(self.country_iso3, self.device.codecarbon_gpu_ids, measure_power_secs=secs)

    def __enter__(self) -> MeteredSpan:
        # other work on the machine shows up in the host load average
        self.columns = {"host_load_avg_1m_start": os.getloadavg()[0]}
        self.energy_start_j = self.read_j()
        self._cc = self.codecarbon_run()
        self._cc.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cc.__exit__(*exc)
        self.energy_end_j = self.read_j()
        self.columns["host_load_avg_1m_end"] = os.getloadavg()[0]
        self.columns.update(self._cc.columns())

    @property
    def energy_j(self) -> float | None:
        if self.energy_start_j is None or self.energy_end_j is None:
            return None
        return self.energy_end_j - self.energy_start_j

    @property
    def estimate_w(self) -> float | None:
        return cpu_estimate_w(self.columns)

    @property
    def estimate_j(self) -> float | None:
        kwh = self.columns.get("codecarbon_cpu_energy_kwh")
        return None if kwh is None else float(kwh) * J_PER_KWH
