"""raw.ml_energy_runs: ML.ENERGY leaderboard v1 (2023), v2 (2024) and v3 (2026) runs; GPU energy."""

from greenlm_assets.lib.catalog import ml_energy
from greenlm_assets.lib.paths import snapshot_dir
from greenlm_assets.lib.raw_assets import RawSource, build_raw_asset
from greenlm_assets.lib.raw_load import Rule

ml_energy_runs = build_raw_asset(
    RawSource(
        table="ml_energy_runs",
        source="ml_energy_leaderboard_snapshot",
        description=(
            "ML.ENERGY leaderboard measurements, three vintages (v1 A100/A40/V100; v2 A100/H100; v3 H100/B200): "
            "GPU energy per request / per token, throughput, batch size, parallelism."
        ),
        read=ml_energy.read_ml_energy,
        source_ref=lambda: f"data/snapshots/{ml_energy.ML_ENERGY_DIR}/ (see SOURCE.txt there)",
        source_file=lambda: str(snapshot_dir() / ml_energy.ML_ENERGY_DIR),
        key_columns=("vintage", "source_file", "source_row"),
        quarantine=True,
        rules=(
            Rule("TRY_CAST(energy_per_request_j AS DOUBLE) < 0", "negative energy per request"),
            Rule("TRY_CAST(total_params_b AS DOUBLE) > 10000", "absurd parameter count (> 10,000 B)"),
        ),
    )
)
