"""raw.quality_runs: GreenLM's own SQuAD quality runs next to their energy (``greenlm-bench quality`` rows)."""

from greenlm_assets.lib import quality
from greenlm_assets.lib.raw_assets import RawSource, build_raw_asset

quality_runs = build_raw_asset(
    RawSource(
        table=quality.TABLE,
        source="greenlm_quality_runs",
        description=(
            "SQuAD v1.1 EM/F1 of real SmolLM2-135M-Instruct weights per backend x precision, with the energy of the "
            "generation (CPU: CodeCarbon estimate), J and gCO2e per correct answer and agreement with fp32; "
            "committed data/measurements/quality/quality_*.jsonl."
        ),
        read=quality.read_quality_runs,
        source_ref=quality.quality_source_ref,
        # a folder: every file in it counts in the fingerprint, so a new or edited run file reloads the table
        source_file=lambda: str(quality.quality_dir()),
        key_columns=quality.KEY_COLUMNS,
    )
)
