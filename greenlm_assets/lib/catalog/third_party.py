"""Parsers of the third-party energy runs (HF LLM-Perf, ML.ENERGY v1/v2/v3) and Epoch AI's notable models.

Each parser returns a frame in its raw table's column names plus ``_row``. Every value stays a source string;
types are checked by the raw table's contract at load time. Schema drift (a file without a column the contract
needs, a unit that changed) raises :class:`RawLoadError` naming the file and the column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd

from greenlm_assets.lib.paths import snapshot_dir
from greenlm_assets.lib.raw_load import (
    ROW_COLUMN,
    RawLoadError,
    quote_ident,
    read_csv_fast,
    relation_to_frame,
    snake,
)

LLM_PERF_DIR = "llm_perf_leaderboard"
ML_ENERGY_DIR = "ml_energy"
EPOCH_NOTABLE_FILE = "epoch_ai/notable_ai_models_24_02_2025.csv"

# perf-df-{backend}-{hardware}-{subset}-{machine}.csv, e.g. perf-df-pytorch-cuda-bnb-1xA100.csv
PERF_FILE = re.compile(
    r"^perf-df-(?P<backend_hardware>[a-z]+-(?:cuda|cpu|rocm|mps))-(?P<subset>[a-z0-9]+)-(?P<machine>.+)\.csv$"
)

# optimum-benchmark column -> raw.llm_perf_runs column. The first three are required; the rest become NULL when
# a file does not have them (e.g. the openvino file whose every row crashed has only 68 columns).
LLM_PERF_REQUIRED = {
    "config.name": "config_name",
    "config.backend.name": "backend_name",
    "config.backend.model": "model_id",
}
LLM_PERF_OPTIONAL = {
    "config.backend.version": "backend_version",
    "config.backend.torch_dtype": "torch_dtype",
    "config.backend.quantization_scheme": "quantization_scheme",
    "config.backend.attn_implementation": "attn_implementation",
    "config.scenario.input_shapes.batch_size": "batch_size",
    "config.scenario.input_shapes.sequence_length": "sequence_length",
    "config.scenario.generate_kwargs.max_new_tokens": "max_new_tokens",
    "config.environment.cpu": "cpu",
    "config.environment.cpu_count": "cpu_count",
    "config.environment.gpu": "gpu",
    "config.environment.gpu_count": "gpu_count",
    "config.environment.gpu_vram_mb": "gpu_vram_bytes",
    "report.prefill.latency.mean": "prefill_latency_mean_s",
    "report.decode.latency.mean": "decode_latency_mean_s",
    "report.decode.throughput.value": "decode_throughput_tokens_s",
    "report.per_token.latency.mean": "per_token_latency_mean_s",
    "report.decode.memory.max_allocated": "decode_max_allocated_mb",
    "report.prefill.energy.total": "prefill_energy_total_kwh",
    "report.decode.energy.cpu": "decode_energy_cpu_kwh",
    "report.decode.energy.ram": "decode_energy_ram_kwh",
    "report.decode.energy.gpu": "decode_energy_gpu_kwh",
    "report.decode.energy.total": "decode_energy_total_kwh",
    "report.decode.efficiency.value": "decode_efficiency_tokens_per_kwh",
    "config.environment.optimum_benchmark_version": "optimum_benchmark_version",
    "config.environment.transformers_version": "transformers_version",
    "report.traceback": "traceback",
}
# The units the column names above promise; a file reporting another unit is schema drift, not data. (Prefill
# throughput is not kept: some files report it in samples/s, others in tokens/s.)
LLM_PERF_UNITS = {
    "report.prefill.latency.unit": "s",
    "report.decode.latency.unit": "s",
    "report.per_token.latency.unit": "s",
    "report.decode.throughput.unit": "tokens/s",
    "report.decode.memory.unit": "MB",
    "report.prefill.energy.unit": "kWh",
    "report.decode.energy.unit": "kWh",
    "report.decode.efficiency.unit": "tokens/kWh",
}


def read_llm_perf_file(path: Path) -> pd.DataFrame:
    """One ``perf-df-*.csv``: configuration, latency, throughput, CodeCarbon energy and the traceback."""
    m = PERF_FILE.match(path.name)
    if not m:
        raise RawLoadError(
            f"{path}: file name does not follow perf-df-<backend>-<hardware>-<subset>-<machine>.csv"
        )
    df = read_csv_fast(path, list(LLM_PERF_REQUIRED), source="LLM-Perf leaderboard")
    for column, unit in LLM_PERF_UNITS.items():
        if column in df.columns:
            seen = set(df[column].dropna().unique()) - {unit}
            if seen:
                raise RawLoadError(f"{path}: field '{column}' has unit {sorted(seen)}, expected {unit!r}")
    quant_cols = [c for c in df.columns if c.startswith("config.backend.quantization_config.")]
    con = duckdb.connect()
    try:
        con.register("perf", df)
        selects = [f"{quote_ident(src)} AS {dst}" for src, dst in LLM_PERF_REQUIRED.items()]
        selects += [
            f"{quote_ident(src) if src in df.columns else 'CAST(NULL AS VARCHAR)'} AS {dst}"
            for src, dst in LLM_PERF_OPTIONAL.items()
        ]
        # The scheme's settings (bits, load_in_4bit, quant_type, ...) as one JSON object of source strings. The
        # JSON keys come from the file's header, which is data: they are bound as parameters.
        quant_keys = [c.removeprefix("config.backend.quantization_config.") for c in quant_cols]
        quant = (
            "CAST(json_object(" + ", ".join(f"?, {quote_ident(c)}" for c in quant_cols) + ") AS VARCHAR)"
            if quant_cols
            else "CAST(NULL AS VARCHAR)"
        )
        out = relation_to_frame(
            con.sql(
                f"SELECT ? AS source_file, {ROW_COLUMN} AS source_row, ? AS backend_hardware, ? AS subset, "
                f"? AS machine, {', '.join(selects)}, {quant} AS quantization_config, {ROW_COLUMN} FROM perf",
                params=[path.name, m["backend_hardware"], m["subset"], m["machine"], *quant_keys],
            )
        )
    finally:
        con.close()
    return out


def read_llm_perf(root: Path | None = None) -> pd.DataFrame:
    folder = (root or snapshot_dir()) / LLM_PERF_DIR
    files = sorted(folder.glob("perf-df-*.csv"))
    if not files:
        raise RawLoadError(f"{folder}: no perf-df-*.csv files")
    out = pd.concat([read_llm_perf_file(f) for f in files], ignore_index=True)
    # _row must be unique across files: quarantine verdicts are joined back to the rows on it.
    out[ROW_COLUMN] = out["source_file"].astype(str) + ":" + out["source_row"].astype(str)
    return out


# ----------------------------------------------------------------------------------------------- ML.ENERGY

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


# ----------------------------------------------------------------------------------------------- Epoch AI


def read_epoch_notable_models(path: Path | None = None) -> pd.DataFrame:
    """Every column of Epoch's notable-models table, snake-cased (``Training compute (FLOP)`` ->
    ``training_compute_flop``)."""
    path = path or snapshot_dir() / EPOCH_NOTABLE_FILE
    df = read_csv_fast(
        path, ["Model", "Parameters", "Training compute (FLOP)"], source="Epoch AI notable models"
    )
    renamed = {c: snake(c) for c in df.columns if c != ROW_COLUMN}
    return df.rename(columns=renamed)
