"""Readers of the shipped snapshot files behind the spine's raw tables.

Each reader returns a frame whose columns are named as in the raw table's DDL, plus ``_row`` (the source line or
record) so that contract violations can name the exact place. Readers never touch DuckDB.
"""

from __future__ import annotations

import json
from importlib import metadata, resources
from pathlib import Path

import pandas as pd

from greenlm_assets.lib.paths import snapshot_dir
from greenlm_assets.lib.raw_load import ROW_COLUMN, RawLoadError, read_csv_strict

LEADERBOARD_V2_FILE = "open_llm_leaderboard/open_llm_leaderboard_v2_2025-03-21.csv"
TRAINING_FOOTPRINT_FILE = "training_footprint/training_footprint.csv"
ML_HARDWARE_FILE = "epoch_ai/ml_hardware.csv"


def snapshot_file(relative: str) -> Path:
    return snapshot_dir() / relative


def read_leaderboard_v2(path: Path | None = None) -> pd.DataFrame:
    """Open LLM Leaderboard v2 snapshot: the CSV's columns are already the raw table's names."""
    return read_csv_strict(path or snapshot_file(LEADERBOARD_V2_FILE), required=["id", "model_name"])


def read_training_footprint(path: Path | None = None) -> pd.DataFrame:
    return read_csv_strict(
        path or snapshot_file(TRAINING_FOOTPRINT_FILE), required=["model", "family", "source_url_or_path"]
    )


# Epoch's header -> raw.gpu_specs column (units made explicit).
ML_HARDWARE_COLUMNS = {
    "Hardware name": "hardware_name",
    "Manufacturer": "manufacturer",
    "Type": "hardware_type",
    "Release date": "release_date",
    "Release price (USD)": "release_price_usd",
    "Tensor-FP16/BF16 performance (FLOP/s)": "tensor_fp16_bf16_flop_s",
    "FP8 performance (FLOP/s)": "fp8_flop_s",
    "FP4 performance (FLOP/s)": "fp4_flop_s",
    "FP32 (single precision) performance (FLOP/s)": "fp32_flop_s",
    "FP16 (half precision) performance (FLOP/s)": "fp16_flop_s",
    "INT8 performance (OP/s)": "int8_op_s",
    "Memory (bytes)": "memory_bytes",
    "Memory bandwidth (byte/s)": "memory_bandwidth_bytes_s",
    "Intranode bandwidth (byte/s)": "intranode_bandwidth_bytes_s",
    "TDP (W)": "tdp_w",
    "Process size (nm)": "process_size_nm",
    "Source for the price": "price_source",
    "Link to datasheet": "datasheet_url",
    "Notes": "notes",
}


def read_ml_hardware(path: Path | None = None) -> pd.DataFrame:
    df = read_csv_strict(path or snapshot_file(ML_HARDWARE_FILE), required=list(ML_HARDWARE_COLUMNS))
    return df.rename(columns=ML_HARDWARE_COLUMNS)[[*ML_HARDWARE_COLUMNS.values(), ROW_COLUMN]]


def codecarbon_energy_mix_path() -> Path:
    """``global_energy_mix.json`` inside the installed codecarbon package (read in place, never copied)."""
    return Path(str(resources.files("codecarbon") / "data" / "private_infra" / "global_energy_mix.json"))


def codecarbon_source_ref() -> str:
    return f"codecarbon=={metadata.version('codecarbon')}:data/private_infra/global_energy_mix.json"


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise json.JSONDecodeError(f"duplicate key {key!r}", "", 0)
        seen[key] = value
    return seen


def read_grid_carbon_intensity(path: Path | None = None) -> pd.DataFrame:
    """One row per country from codecarbon's energy-mix table (values from Our World in Data)."""
    path = path or codecarbon_energy_mix_path()
    try:
        # A repeated country code would silently keep only its last record: refuse it instead.
        data = json.loads(path.read_text(), object_pairs_hook=_unique_keys)
    except FileNotFoundError as exc:
        raise RawLoadError(f"{path}: file not found (is codecarbon installed?)") from exc
    except json.JSONDecodeError as exc:
        raise RawLoadError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not data:
        raise RawLoadError(f"{path}: expected a non-empty object keyed by ISO-3 country code")
    rows = []
    for i, (iso, rec) in enumerate(data.items(), start=1):
        if not isinstance(rec, dict):
            raise RawLoadError(f"{path}: record {i} ({iso!r}) is not an object")
        rows.append(
            {
                ROW_COLUMN: i,
                "country_iso3": iso,
                "country_name": rec.get("country_name"),
                "g_co2e_per_kwh": rec.get("carbon_intensity"),
                "data_year": rec.get("year"),
                "total_twh": rec.get("total_TWh"),
                "fossil_twh": rec.get("fossil_TWh"),
                "low_carbon_twh": rec.get("low_carbon_TWh"),
                "renewables_twh": rec.get("renewables_TWh"),
                "nuclear_twh": rec.get("nuclear_TWh"),
            }
        )
    return pd.DataFrame(rows)


def source_ref_for(path: Path) -> str:
    """Provenance string for a snapshot file: its path under data/snapshots plus the SOURCE.txt beside it."""
    try:
        rel = path.resolve().relative_to(snapshot_dir())
    except ValueError:
        return str(path)
    source_txt = next(
        (p for p in [path.parent / "SOURCE.txt", path.parent.parent / "SOURCE.txt"] if p.exists()), None
    )
    return f"data/snapshots/{rel}" + (
        f" (see data/snapshots/{source_txt.relative_to(snapshot_dir())})" if source_txt else ""
    )
