"""The energy of a serving level: the existing meters (``jobs/energy.py``) sampled over the run, so that the
steady-state window, known only once the requests are back, can be read from the samples afterwards.

- GPU endpoint: NVML's cumulative counter of every metered GPU, summed (scope ``gpu``); RAPL beside it in
  ``cpu_energy_j`` where readable.
- CPU endpoint: RAPL package counters (scope ``cpu``) where readable; otherwise no counter exists and the level's
  energy is CodeCarbon's CPU estimate over the level, spread over the window at constant power
  (``energy_source = estimate``, never presented as a measurement).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from jobs.energy import Meter, NvmlMeter, RaplMeter
from jobs.serving.metrics import CounterSamples

SAMPLE_INTERVAL_S = 0.1  # NVML's counter updates about every 100 ms


class SummedMeter:
    """Several counters of one scope read as one (the GPUs a server spans)."""

    def __init__(self, meters: list[Meter]) -> None:
        self.meters = meters
        self.source = meters[0].source
        self.scope = meters[0].scope

    def read_j(self) -> float:
        return sum(m.read_j() for m in self.meters)


def open_meters(gpu_indices: list[int]) -> tuple[Meter | None, Meter | None, str]:
    """(main meter, RAPL beside a GPU meter, why): NVML over ``gpu_indices`` if given, else RAPL, else none."""
    rapl: Meter | None
    why_rapl = ""
    try:
        rapl = RaplMeter()
    except Exception as exc:
        rapl, why_rapl = None, f"RAPL not readable ({type(exc).__name__}: {exc})"
    if gpu_indices:
        try:
            return SummedMeter([NvmlMeter(i) for i in gpu_indices]), rapl, "NVML total energy counter"
        except Exception as exc:
            return None, rapl, f"NVML energy counter unavailable ({type(exc).__name__}: {exc})"
    if rapl is not None:
        return rapl, None, "RAPL package counters"
    return None, None, why_rapl


class Sampler:
    """Reads a cumulative counter every ``interval_s`` in a thread, with the Unix time of each read.

    The thread paces itself with ``Event.wait`` (it is stopped by the event, never joined on a timer); a sample is
    taken at start and at stop, so the samples always span the whole metered run.
    """

    def __init__(self, meter: Meter, interval_s: float = SAMPLE_INTERVAL_S) -> None:
        self.meter = meter
        self.interval_s = interval_s
        self.samples = CounterSamples()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="energy-sampler", daemon=True)
        self.error: BaseException | None = None

    def _read(self) -> None:
        self.samples.add(time.time(), self.meter.read_j())

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.interval_s):
                self._read()
        except BaseException as exc:  # the row is failed by the caller, with this reason
            self.error = exc

    def __enter__(self) -> Sampler:
        self._read()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self._read()
