"""Pure formulas of a quality run (no ML imports): answer post-processing, agreement with the fp32 reference,
energy and CO2 per correct answer, and the grid intensity from codecarbon's table.

The dbt mart ``fct_quality_energy`` recomputes the per-answer figures from the raw columns with the same
definitions (and unit-tests them); these functions produce the JSONL rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import metadata, resources
from pathlib import Path

J_PER_KWH = 3.6e6


def first_line(text: str) -> str:
    """The answer span: the generated text up to the first newline, stripped (the run stops at a newline too)."""
    return text.split("\n", 1)[0].strip()


def token_agreement(reference: Sequence[Sequence[int]], other: Sequence[Sequence[int]]) -> float | None:
    """Fraction of identical generated tokens, position by position, over ``max(len)`` positions per answer.

    Positions beyond the shorter sequence count as mismatches, so stopping earlier or later lowers agreement.
    None when there is nothing to compare (no answers, or every answer empty on both sides).
    """
    if len(reference) != len(other):
        raise ValueError(
            f"agreement needs one answer per question on both sides ({len(reference)} vs {len(other)})"
        )
    same = positions = 0
    for ref, out in zip(reference, other, strict=True):
        same += sum(a == b for a, b in zip(ref, out, strict=False))
        positions += max(len(ref), len(out))
    return same / positions if positions else None


def answer_agreement(reference: Sequence[str], other: Sequence[str]) -> float | None:
    """Fraction of questions whose post-processed answer text is identical to the reference's."""
    if len(reference) != len(other):
        raise ValueError(
            f"agreement needs one answer per question on both sides ({len(reference)} vs {len(other)})"
        )
    if not reference:
        return None
    return sum(a == b for a, b in zip(reference, other, strict=True)) / len(reference)


def per_correct(energy_j: float | None, n_correct: int) -> float | None:
    """Joules per exact-match answer: all the energy of the run over the answers that were right (None if none)."""
    if energy_j is None or n_correct <= 0:
        return None
    return energy_j / n_correct


def g_co2e(energy_j: float | None, g_co2e_per_kwh: float | None) -> float | None:
    """Grams CO2e of ``energy_j`` at a grid intensity in gCO2e/kWh."""
    if energy_j is None or g_co2e_per_kwh is None:
        return None
    return energy_j / J_PER_KWH * g_co2e_per_kwh


def codecarbon_energy_mix_path() -> Path:
    """codecarbon's country table (Our World in Data values), the same file ``raw.grid_carbon_intensity`` loads."""
    return Path(str(resources.files("codecarbon") / "data" / "private_infra" / "global_energy_mix.json"))


def grid_intensity(country_iso3: str) -> tuple[float, str]:
    """(gCO2e/kWh, provenance) of a country from codecarbon's table; KeyError naming valid codes if unknown."""
    path = codecarbon_energy_mix_path()
    table = json.loads(path.read_text())
    rec = table.get(country_iso3.upper())
    if not rec or rec.get("carbon_intensity") is None:
        raise KeyError(
            f"no grid carbon intensity for {country_iso3!r} in {path}; e.g. USA, FRA, DEU, CHN, IND"
        )
    ref = f"codecarbon=={metadata.version('codecarbon')}:global_energy_mix.json[{country_iso3.upper()}]"
    return float(rec["carbon_intensity"]), ref
