"""raw.epoch_notable_models: Epoch AI notable AI models (training compute, hardware, power, cost)."""

from greenlm_assets.lib.catalog import epoch_notable_models as epoch
from greenlm_assets.lib.paths import snapshot_dir
from greenlm_assets.lib.raw_assets import RawSource, build_raw_asset
from greenlm_assets.lib.raw_load import Rule
from greenlm_assets.lib.sources import source_ref_for

epoch_notable_models = build_raw_asset(
    RawSource(
        table="epoch_notable_models",
        source="epoch_ai_notable_models_snapshot",
        description="Epoch AI notable models (2025-02-24): every source column, incl. notes and estimation method.",
        read=epoch.read_epoch_notable_models,
        source_ref=lambda: source_ref_for(snapshot_dir() / epoch.EPOCH_NOTABLE_FILE),
        source_file=lambda: str(snapshot_dir() / epoch.EPOCH_NOTABLE_FILE),
        key_columns=("model",),
        quarantine=True,
        rules=(Rule("TRY_CAST(parameters AS DOUBLE) < 0", "negative parameter count"),),
    )
)
