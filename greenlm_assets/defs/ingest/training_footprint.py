"""raw.training_footprint: training GPU-hours, power, energy and CO2 from model cards and papers."""

from greenlm_assets.lib import sources
from greenlm_assets.lib.raw_assets import RawSource, build_raw_asset

training_footprint = build_raw_asset(
    RawSource(
        table="training_footprint",
        source="training_footprint_snapshot",
        description="Published training footprint facts (GPU-hours, W, MWh, tCO2e, tokens), each row citing its source.",
        read=sources.read_training_footprint,
        source_ref=lambda: sources.source_ref_for(sources.snapshot_file(sources.TRAINING_FOOTPRINT_FILE)),
        source_file=lambda: str(sources.snapshot_file(sources.TRAINING_FOOTPRINT_FILE)),
        key_columns=("model",),
    )
)
