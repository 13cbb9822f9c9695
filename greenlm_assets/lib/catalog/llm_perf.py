"""Parser of the HF LLM-Perf leaderboard runs (optimum-benchmark ``perf-df-*.csv``; CodeCarbon machine energy).

Each parser returns a frame in its raw table's column names plus ``_row``. Every value stays a source string;
types are checked by the raw table's contract at load time. Schema drift (a file without a column the contract
needs, a unit that changed) raises :class:`RawLoadError` naming the file and the column.
"""

from __future__ import annotations

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
)

LLM_PERF_DIR = "llm_perf_leaderboard"

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
