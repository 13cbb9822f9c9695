"""Energy meters read at window boundaries, and CodeCarbon running alongside in its own columns.

- ``NvmlMeter``: the GPU's cumulative energy counter (``nvmlDeviceGetTotalEnergyConsumption``, mJ); scope ``gpu``.
- ``RaplMeter``: RAPL package counters under ``/sys/class/powercap`` (µJ, wrapping at ``max_energy_range_uj``);
  scope ``cpu``.
- No counter: ``energy_source=estimate`` -- the harness then takes CodeCarbon's CPU estimate, labelled as such.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any, Protocol

from jobs.provenance import nvml_index

POWERCAP = Path("/sys/class/powercap")


class Meter(Protocol):
    source: str  # nvml | rapl
    scope: str  # gpu | cpu

    def read_j(self) -> float: ...


class NvmlMeter:
    source = "nvml"
    scope = "gpu"

    def __init__(self, index: int = 0) -> None:
        """``index`` is the CUDA device's (what torch calls ``cuda:index``), mapped to NVML's own numbering."""
        import pynvml

        pynvml.nvmlInit()
        self._nvml = pynvml
        self._handle = pynvml.nvmlDeviceGetHandleByIndex(nvml_index(index))
        self.read_j()  # raises NVMLError_NotSupported on GPUs without the counter (pre-Volta)

    def read_j(self) -> float:
        return self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle) / 1000.0


class RaplMeter:
    """Sum of the package-level RAPL domains (``intel-rapl:N``; sub-domains ``intel-rapl:N:M`` such as core or dram
    are parts of a package and would count twice); each domain's wrap-around at ``max_energy_range_uj`` is undone
    between reads. Reads must come more often than one wrap (minutes to hours at package power): the harness reads
    at every window boundary."""

    source = "rapl"
    scope = "cpu"

    def __init__(self, root: Path = POWERCAP) -> None:
        self._domains = [
            d
            for d in sorted(root.glob("intel-rapl:*"))
            if d.name.count(":") == 1 and (d / "energy_uj").exists()
        ]
        if not self._domains:
            raise OSError(f"no RAPL package domain under {root}")
        self._max = [int((d / "max_energy_range_uj").read_text()) for d in self._domains]
        self._last = [self._raw(d) for d in self._domains]  # raises PermissionError when unreadable
        self._total_uj = 0

    @staticmethod
    def _raw(d: Path) -> int:
        return int((d / "energy_uj").read_text())

    def read_j(self) -> float:
        for i, d in enumerate(self._domains):
            now = self._raw(d)
            delta = now - self._last[i]
            if delta < 0:  # the counter wrapped
                delta += self._max[i]
            self._total_uj += delta
            self._last[i] = now
        return self._total_uj / 1e6


def open_meter(device: str, gpu_index: int = 0, powercap: Path = POWERCAP) -> tuple[Meter | None, str]:
    """The counter for ``device`` and a sentence on why there is none (``energy_source=estimate``).

    On a CPU, RAPL is measured wherever it is readable (since Linux 5.10 ``energy_uj`` is readable by root only:
    run as root, or grant read access, to measure instead of estimating)."""
    if device == "cuda":
        try:
            return NvmlMeter(gpu_index), "NVML total energy counter"
        except Exception as exc:
            return None, f"NVML energy counter unavailable ({type(exc).__name__}: {exc})"
    try:
        return RaplMeter(powercap), f"RAPL package counters ({powercap})"
    except Exception as exc:
        return None, f"RAPL not readable ({type(exc).__name__}: {exc}); CPU energy is CodeCarbon's estimate"


def idle_power_w(meter: Meter, seconds: float, sync: Any = None) -> float:
    """Mean power over ``seconds`` of doing nothing with the model loaded (counter delta / time)."""
    if sync:
        sync()
    e0, t0 = meter.read_j(), time.perf_counter()
    time.sleep(seconds)
    return (meter.read_j() - e0) / (time.perf_counter() - t0)


class CodeCarbonRun:
    """An ``OfflineEmissionsTracker`` over a span; its figures go to ``codecarbon_*`` columns, never mixed."""

    def __init__(
        self, country_iso3: str, gpu_ids: list[int] | None, measure_power_secs: float = 15.0
    ) -> None:
        self.country = country_iso3
        self.gpu_ids = gpu_ids
        self.measure_power_secs = measure_power_secs
        self._tracker: Any = None
        self.error: str | None = None
        self._t0 = 0.0

    def __enter__(self) -> CodeCarbonRun:
        try:
            from codecarbon import OfflineEmissionsTracker

            logging.getLogger("codecarbon").setLevel(logging.ERROR)
            self._tracker = OfflineEmissionsTracker(
                country_iso_code=self.country,
                save_to_file=False,
                log_level="error",
                measure_power_secs=self.measure_power_secs,
                gpu_ids=self.gpu_ids,
                tracking_mode="machine",
            )
            self._tracker.start()
        except Exception as exc:  # not installed (e.g. on the GPU machine) or failed: the row says so
            self.error = f"{type(exc).__name__}: {exc}"
            self._tracker = None
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._tracker is not None:
            with contextlib.suppress(Exception):
                self._tracker.stop()

    def columns(self) -> dict[str, Any]:
        """CodeCarbon's own figures (kWh, kg CO2e, W, s) or nulls with the reason."""
        data = getattr(self._tracker, "final_emissions_data", None) if self._tracker else None
        if data is None:
            return {"codecarbon_status": f"not run: {self.error or 'no data'}"}
        return {
            "codecarbon_status": "ok",
            "codecarbon_energy_kwh": data.energy_consumed,
            "codecarbon_cpu_energy_kwh": data.cpu_energy,
            "codecarbon_gpu_energy_kwh": data.gpu_energy,
            "codecarbon_ram_energy_kwh": data.ram_energy,
            "codecarbon_emissions_kg": data.emissions,
            "codecarbon_duration_s": data.duration,
            "codecarbon_cpu_power_w": data.cpu_power,
            "codecarbon_gpu_power_w": data.gpu_power,
            "codecarbon_ram_power_w": data.ram_power,
            "codecarbon_country_iso3": data.country_iso_code,
            "codecarbon_tracking_mode": data.tracking_mode,
            "codecarbon_version": data.codecarbon_version,
        }
