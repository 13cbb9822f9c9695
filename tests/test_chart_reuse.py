"""A chart whose data and code are unchanged is not redrawn; a changed fingerprint redraws it."""

from __future__ import annotations

from tests.conftest import load_defs, materialize_all

KEY = "charts/training_co2_vs_params"


def test_unchanged_chart_is_kept_and_stale_one_redrawn(platform: dict) -> None:
    png = platform["charts"] / "training_co2_vs_params.png"
    sidecar = png.with_suffix(".sha256")
    assert sidecar.read_text().strip()
    drawn_at = png.stat().st_mtime_ns

    again = materialize_all(load_defs(), selection=KEY)
    assert again.success
    assert png.stat().st_mtime_ns == drawn_at  # same data, same code: the file was left alone
    meta = again.asset_materializations_for_node("charts__training_co2_vs_params")[0].metadata
    assert "data:image/png;base64," in meta["chart"].value

    sidecar.write_text("stale\n")
    redrawn = materialize_all(load_defs(), selection=KEY)
    assert redrawn.success
    assert png.stat().st_mtime_ns > drawn_at
    assert sidecar.read_text().strip() != "stale"
