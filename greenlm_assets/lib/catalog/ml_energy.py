"""Parser of the ML.ENERGY leaderboard runs, three vintages: v1 (2023), v2 (2024) and v3 (2026); GPU energy.

Each parser returns a frame in its raw table's column names plus ``_row``. Every value stays a source string;
types are checked by the raw table's contract at load time. Schema drift (a file without a column the contract
needs, a unit that changed) raises :class:`RawLoadError` naming the file and the column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from greenlm_assets.lib.paths import snapshot_dir
from greenlm_assets.lib.raw_load import ROW_COLUMN, RawLoadError, read_csv_fast

ML_ENERGY_DIR = "ml_energy"

ML_ENERGY_V1_COLUMNS = ("model", "throughput", "response_length", "latency", "energy")
V1_FILE = re.compile(r"^(?P<gpu>[A-Za-z0-9]+)_(?P<task>[a-z-]+)_benchmark\.csv$")
ML_ENERGY_V2_COLUMNS = {
    "Model": "model_id",
    "GPU": "gpu",
    "TP": "tensor_parallel",
    "PP": "pipeline_parallel",
    "Energy/req (J)": "energy_per_request_j",
    "Avg TPOT (s)": "avg_tpot_s",
    "Token tput (tok/s)": "output_tokens_per_s",
    "Avg Output Tokens": "avg_output_tokens",
    "Avg BS (reqs)": "avg_batch_size",
    "Max BS (reqs)": "max_batch_size",
    "task": "task",
    "config": "config",
}
ML_ENERGY_V3_COLUMNS = {
    "model_id": "model_id",
    "nickname": "nickname",
    "gpu_model": "gpu",
    "num_gpus": "num_gpus",
    "tensor_parallel": "tensor_parallel",
    "data_parallel": "data_parallel",
    "expert_parallel": "expert_parallel",
    "max_num_seqs": "max_batch_size",
    "avg_batch_size": "avg_batch_size",
    "weight_precision": "weight_precision",
    "architecture": "architecture",
    "total_params_billions": "total_params_b",
    "activated_params_billions": "activated_params_b",
    "avg_output_len": "avg_output_tokens",
    "energy_per_request_joules": "energy_per_request_j",
    "energy_per_token_joules": "energy_per_token_j",
    "output_throughput_tokens_per_sec": "output_tokens_per_s",
    "avg_power_watts": "avg_power_w",
    "median_itl_ms": "median_itl_ms",
    "task": "task",
}


def _rename(df: pd.DataFrame, mapping: dict[str, str], path: Path) -> pd.DataFrame:
    missing = [c for c in mapping if c not in df.columns]
    if missing:
        raise RawLoadError(f"{path}: missing required column(s) {missing}")
    return df.rename(columns=mapping)[[*mapping.values(), ROW_COLUMN]]


def read_ml_energy_v1(folder: Path) -> pd.DataFrame:
    """2023 leaderboard: one CSV per (GPU, task); single-GPU runs; params from models.json (by model id)."""
    models_path = folder / "models.json"
    try:
        models = json.loads(models_path.read_text())
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise RawLoadError(f"{models_path}: unreadable model registry: {exc}") from exc
    params = {k.lower(): (v.get("params"), v.get("nickname")) for k, v in models.items()}
    frames = []
    for path in sorted(folder.glob("*_benchmark.csv")):
        m = V1_FILE.match(path.name)
        if not m:
            raise RawLoadError(f"{path}: file name does not follow <GPU>_<task>_benchmark.csv")
        df = read_csv_fast(path, ML_ENERGY_V1_COLUMNS, source="ML.ENERGY v1")
        frames.append(
            pd.DataFrame(
                {
                    "source_file": f"v1_2023/{path.name}",
                    "source_row": df[ROW_COLUMN],
                    "task": m["task"],
                    "model_id": df["model"],
                    "nickname": [params.get(str(x).lower(), (None, None))[1] for x in df["model"]],
                    "gpu": m["gpu"],
                    "num_gpus": "1",
                    "max_batch_size": "1",
                    "total_params_b": [params.get(str(x).lower(), (None, None))[0] for x in df["model"]],
                    "avg_output_tokens": df["response_length"],
                    "energy_per_request_j": df["energy"],
                    "output_tokens_per_s": df["throughput"],
                    "latency_s": df["latency"],
                    ROW_COLUMN: df[ROW_COLUMN],
                }
            )
        )
    if not frames:
        raise RawLoadError(f"{folder}: no <GPU>_<task>_benchmark.csv files")
    return pd.concat(frames, ignore_index=True).assign(vintage="v1_2023")


def read_ml_energy_v2(path: Path) -> pd.DataFrame:
    df = _rename(
        read_csv_fast(path, list(ML_ENERGY_V2_COLUMNS), source="ML.ENERGY v2"), ML_ENERGY_V2_COLUMNS, path
    )
    # Params per model id from the v2 models.json files beside the JSON tree (absent -> NULL, never guessed).
    sizes: dict[str, object] = {}
    for registry in sorted((path.parent / "v2_2024" / "data" / "llm_text_generation").glob("*/models.json")):
        sizes |= {k.lower(): v.get("params") for k, v in json.loads(registry.read_text()).items()}
    return df.assign(
        vintage="v2_2024",
        source_file=path.name,
        source_row=df[ROW_COLUMN],
        # TP x PP GPUs serve one replica; the published energy covers all of them.
        num_gpus=(pd.to_numeric(df["tensor_parallel"]) * pd.to_numeric(df["pipeline_parallel"])).astype(
            "Int64"
        ),
        total_params_b=[sizes.get(str(x).lower()) for x in df["model_id"]],
    )


def read_ml_energy_v3(path: Path) -> pd.DataFrame:
    """v3 tasks table; only generative-text configurations (rows with J per output token), not diffusion."""
    df = _rename(
        read_csv_fast(path, list(ML_ENERGY_V3_COLUMNS), source="ML.ENERGY v3"), ML_ENERGY_V3_COLUMNS, path
    )
    df = df[df["energy_per_token_j"].notna()].reset_index(drop=True)
    return df.assign(vintage="v3_2026", source_file=path.name, source_row=df[ROW_COLUMN])


def read_ml_energy(root: Path | None = None) -> pd.DataFrame:
    folder = (root or snapshot_dir()) / ML_ENERGY_DIR
    frames = [
        read_ml_energy_v1(folder / "v1_2023"),
        read_ml_energy_v2(folder / "ml_energy_v2_2024_llm_flat.csv"),
        read_ml_energy_v3(folder / "ml_energy_v3_2026_tasks_flat.csv"),
    ]
    out = pd.concat([f.astype(object) for f in frames], ignore_index=True)
    # _row must be unique across the three vintages for error messages: number the combined records.
    out[ROW_COLUMN] = (
        out["vintage"].astype(str)
        + ":"
        + out["source_file"].astype(str)
        + ":"
        + out["source_row"].astype(str)
    )
    return out
