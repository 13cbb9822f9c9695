"""Inference, GPU-market and GreenLM-run charts: drawn from the real marts of the platform fixture and inspected.

``tests/platform/test_publish.py`` already checks that every registered chart materializes a real PNG/SVG with metadata;
these tests check what the figures say: one energy scope per panel, numbers that match the marts, the 7B line,
error bars where repeats exist, and that each chart draws in under two seconds.
"""

from pathlib import Path

import duckdb
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure

import greenlm_assets.defs.publish.report  # noqa: F401  (imports every chart module: fills CHARTS)
from greenlm_assets.lib.charts import CHARTS, ChartData, read_slm_max_params_b, render_chart
from greenlm_assets.lib.plotting import pareto_front

MY_CHARTS = {
    "gpu_rental_prices": None,
    "hardware_cost_by_model": "7",
    "gpu_price_history": None,
    "inference_energy_vs_params": "6",
    "inference_energy_vs_batch_size": None,
    "inference_cost_vs_params": "5",
    "inference_cost_by_gpu": None,
    "inference_co2_by_country": None,
    "inference_roofline_efficiency": None,
    "quality_vs_co2": None,
}


def chart_data(con: duckdb.DuckDBPyConnection, name: str) -> ChartData:
    spec = CHARTS[name]
    return ChartData(
        frames={k: con.execute(sql).df() for k, sql in spec.queries.items()},
        slm_max_params_b=read_slm_max_params_b(con),
    )


def boundary_lines(fig: Figure, threshold: float) -> int:
    """Axes carrying the dashed SLM/LLM line at the threshold."""
    return sum(
        any(
            line.get_linestyle() == "--" and list(line.get_xdata()) == [threshold] * 2
            for line in ax.get_lines()
        )
        for ax in fig.axes
    )


def test_charts_are_registered_with_their_seed_figures() -> None:
    for name, seed in MY_CHARTS.items():
        assert name in CHARTS, name
        assert CHARTS[name].seed_figure == seed
        assert CHARTS[name].provenance and CHARTS[name].description


@pytest.mark.parametrize("name", sorted(MY_CHARTS))
def test_chart_draws_from_the_marts(con: duckdb.DuckDBPyConnection, name: str, tmp_path: Path, monkeypatch):
    """Each chart renders straight from the marts (its drawing time is a benchmark: benchmarks/bench_charts.py)."""
    monkeypatch.setenv("GREENLM_CHARTS_DIR", str(tmp_path))
    paths, data = render_chart(CHARTS[name], con)
    assert paths["png"].stat().st_size > 25_000 and paths["svg"].stat().st_size > 10_000


def test_seed_figure_6_never_mixes_energy_scopes(con: duckdb.DuckDBPyConnection) -> None:
    data = chart_data(con, "inference_energy_vs_params")
    runs = data["runs"]
    fig = CHARTS["inference_energy_vs_params"].draw(data)
    scopes = sorted(runs["energy_scope"].unique())
    assert scopes == ["gpu", "machine"]
    assert len(fig.axes) == 2
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("Whole machine") and titles[1].startswith("GPUs only")
    for ax, scope in zip(fig.axes, ["machine", "gpu"], strict=True):
        # Every run of the scope is a dot on its own panel, and only those runs.
        dots = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
        assert dots == int((runs["energy_scope"] == scope).sum())
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert boundary_lines(fig, data.slm_max_params_b) == 2
    fig.clf()


def test_seed_figure_7_ratios_match_the_mart(con: duckdb.DuckDBPyConnection) -> None:
    data = chart_data(con, "hardware_cost_by_model")
    fig = CHARTS["hardware_cost_by_model"].draw(data)
    # H100 SXM 80GB: 405B needs ceil(405 x 2 x 1.2 / 80) = 13 GPUs, SmolLM2-135M one: both ratios are 13.
    expected = con.execute(
        "SELECT max_by(gpus_needed, params_b), max_by(purchase_usd, params_b) / min_by(purchase_usd, params_b), "
        "max_by(rental_usd_per_hour, params_b) / min_by(rental_usd_per_hour, params_b) "
        "FROM marts.fct_gpu_model_hardware_cost WHERE gpu_key = 'h100-sxm-80gb'"
    ).fetchone()
    assert expected[0] == 13
    labels = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert f"x{expected[1]:,.0f} (13 GPUs)" in labels
    assert f"x{expected[2]:,.0f} (13 GPUs)" in labels
    assert boundary_lines(fig, data.slm_max_params_b) == 2
    fig.clf()


def test_rental_price_chart_shows_every_gpu_with_min_max_bars(con: duckdb.DuckDBPyConnection) -> None:
    data = chart_data(con, "gpu_rental_prices")
    prices = data["prices"]
    fig = CHARTS["gpu_rental_prices"].draw(data)
    ax = fig.axes[0]
    ticks = [t.get_text().rstrip(" *") for t in ax.get_yticklabels()]
    assert sorted(ticks) == sorted(prices["gpu_key"].unique())
    # One horizontal bar (min to max) per GPU x pricing row.
    bars = [c for c in ax.collections if isinstance(c, LineCollection)]
    spans = np.concatenate([np.array([seg[:, 0] for seg in c.get_segments()]) for c in bars])
    assert len(spans) == len(prices)
    assert np.isclose(spans.min(), prices["min_usd_per_gpu_hour"].min())
    assert np.isclose(spans.max(), prices["max_usd_per_gpu_hour"].max())
    assert ax.get_xscale() == "log"
    fig.clf()


def test_quality_chart_pareto_front_is_the_marts(con: duckdb.DuckDBPyConnection) -> None:
    """The front the chart draws (plotting.pareto_front) is the one dbt flags (on_pareto_front), per scope."""
    data = chart_data(con, "quality_vs_co2")
    models = data["models"]
    for scope, pts in models.groupby("energy_scope"):
        drawn = pareto_front(pts, "wh_per_1k_tokens", "quality_score")
        assert drawn.tolist() == pts["on_pareto_front"].tolist(), scope
    fig = CHARTS["quality_vs_co2"].draw(data)
    panels = [ax for ax in fig.axes if ax.get_ylabel() or ax.get_xlabel().startswith("Inference energy")]
    assert len(panels) == models["energy_scope"].nunique()
    fig.clf()


def test_co2_by_country_shows_the_named_examples(con: duckdb.DuckDBPyConnection) -> None:
    data = chart_data(con, "inference_co2_by_country")
    fig = CHARTS["inference_co2_by_country"].draw(data)
    ticks = {t.get_text(): t.get_fontweight() for t in fig.axes[0].get_yticklabels()}
    bold = [label for label, weight in ticks.items() if weight == "bold"]
    assert len(bold) == 2 and any("(USA)" in b for b in bold) and any("(FRA)" in b for b in bold)
    # The bars are the mart's medians: France's SLM bar is grid(FRA) / grid(USA) of the US one (same runs).
    countries = data["countries"].set_index(["country_iso3", "size_class"])
    fra, usa = countries.loc[("FRA", "SLM")], countries.loc[("USA", "SLM")]
    ratio = fra["median_g_co2e_per_1k_tokens"] / usa["median_g_co2e_per_1k_tokens"]
    assert np.isclose(ratio, fra["grid_g_co2e_per_kwh"] / usa["grid_g_co2e_per_kwh"], rtol=1e-6)
    fig.clf()


def test_cost_and_roofline_charts_have_their_reference_lines(con: duckdb.DuckDBPyConnection) -> None:
    data = chart_data(con, "inference_cost_vs_params")
    fig = CHARTS["inference_cost_vs_params"].draw(data)
    assert boundary_lines(fig, data.slm_max_params_b) == 1
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "log"
    fig.clf()
    data = chart_data(con, "inference_roofline_efficiency")
    assert (data["runs"]["roofline_efficiency"] <= 1).all()
    fig = CHARTS["inference_roofline_efficiency"].draw(data)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["100% of the bound", "10% of the bound", "1% of the bound"]
    fig.clf()
