"""A chart whose data and code are unchanged is not redrawn; a changed fingerprint redraws it."""

from __future__ import annotations

import pandas as pd

import greenlm_assets.defs.publish.report  # noqa: F401  (imports every chart module: fills CHARTS)
from greenlm_assets.lib.charts import CHARTS, ChartData, chart_fingerprint, drawing_code
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
    mat = again.asset_materializations_for_node("charts__training_co2_vs_params")[0]
    assert "data:image/png;base64," in mat.metadata["chart"].value
    assert mat.metadata["redrawn"].value is False
    assert (
        mat.tags["dagster/data_version"] == sidecar.read_text().strip()
    )  # the fingerprint is the data version

    sidecar.write_text("stale\n")
    redrawn = materialize_all(load_defs(), selection=KEY)
    assert redrawn.success
    assert png.stat().st_mtime_ns > drawn_at
    assert sidecar.read_text().strip() != "stale"
    assert (
        redrawn.asset_materializations_for_node("charts__training_co2_vs_params")[0].metadata["redrawn"].value
    )


def test_fingerprint_ignores_row_order_and_float_noise_but_not_values() -> None:
    spec = CHARTS["training_co2_vs_params"]
    frame = pd.DataFrame({"model": ["a", "b", "c"], "x": [1.0, 2.0, 3.0], "y": [0.1 + 0.2, 5.0, 7.0]})

    def sha(df: pd.DataFrame) -> str:
        return chart_fingerprint(spec, ChartData(frames={"points": df}, slm_max_params_b=7.0))

    base = sha(frame)
    # DuckDB may return tied rows in another order and a parallel float sum a few ulps apart.
    assert sha(frame.iloc[::-1].reset_index(drop=True)) == base
    assert sha(frame.assign(y=[0.3, 5.0, 7.0])) == base
    assert sha(frame.assign(y=[0.3001, 5.0, 7.0])) != base
    assert sha(frame.assign(model=["a", "b", "d"])) != base
    assert sha(frame.iloc[:2]) != base


def test_fingerprint_covers_the_library_helpers_a_chart_draws_with() -> None:
    """The seed-study overlays live in lib/seed_study.py: changing them must redraw the charts that call them."""
    code = drawing_code(CHARTS["own_runs_tokens_per_s"])
    assert "def overlay_study(" in code and "def save_chart(" in code
    assert "def overlay_study(" not in drawing_code(CHARTS["training_co2_vs_params"])
