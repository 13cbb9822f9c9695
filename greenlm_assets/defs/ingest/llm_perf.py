"""raw.llm_perf_runs: HF LLM-Perf leaderboard runs (optimum-benchmark; machine energy via CodeCarbon)."""

from greenlm_assets.lib.catalog import llm_perf
from greenlm_assets.lib.paths import snapshot_dir
from greenlm_assets.lib.raw_assets import RawSource, build_raw_asset
from greenlm_assets.lib.raw_load import Rule


def _folder() -> str:
    return str(snapshot_dir() / llm_perf.LLM_PERF_DIR)


llm_perf_runs = build_raw_asset(
    RawSource(
        table="llm_perf_runs",
        source="llm_perf_leaderboard_snapshot",
        description=(
            "HF LLM-Perf leaderboard result rows (A100/A10/T4/CPU; unquantized, bnb, GPTQ, torchao), failures kept "
            "with their traceback. Energy is CodeCarbon's machine estimate (cpu + ram + gpu), in kWh."
        ),
        read=llm_perf.read_llm_perf,
        source_ref=lambda: f"data/snapshots/{llm_perf.LLM_PERF_DIR}/perf-df-*.csv (see SOURCE.txt there)",
        source_file=_folder,
        key_columns=("source_file", "config_name", "model_id"),
        quarantine=True,
        rules=(
            Rule("TRY_CAST(decode_throughput_tokens_s AS DOUBLE) < 0", "negative decode throughput"),
            Rule("TRY_CAST(decode_energy_total_kwh AS DOUBLE) < 0", "negative decode energy"),
        ),
    )
)
