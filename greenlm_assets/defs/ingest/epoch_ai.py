"""raw.gpu_specs: accelerator specifications from Epoch AI's ML hardware table."""

from greenlm_assets.lib import sources
from greenlm_assets.lib.raw_assets import RawSource, build_raw_asset

gpu_specs = build_raw_asset(
    RawSource(
        table="gpu_specs",
        source="epoch_ai_ml_hardware_snapshot",
        description="Epoch AI ML hardware: memory, bandwidth, FLOP/s, TDP and release price per accelerator.",
        read=sources.read_ml_hardware,
        source_ref=lambda: sources.source_ref_for(sources.snapshot_file(sources.ML_HARDWARE_FILE)),
        source_file=lambda: str(sources.snapshot_file(sources.ML_HARDWARE_FILE)),
        key_columns=("hardware_name",),
    )
)
