"""raw.grid_carbon_intensity: gCO2e/kWh per country, read from the installed codecarbon package."""

from greenlm_assets.lib import sources
from greenlm_assets.lib.raw_assets import RawSource, build_raw_asset

grid_carbon_intensity = build_raw_asset(
    RawSource(
        table="grid_carbon_intensity",
        source="codecarbon_global_energy_mix",
        description="Grid carbon intensity per country (OWID values shipped in codecarbon's global_energy_mix.json).",
        read=sources.read_grid_carbon_intensity,
        source_ref=sources.codecarbon_source_ref,
        source_file=lambda: str(sources.codecarbon_energy_mix_path()),
        key_columns=("country_iso3",),
    )
)
