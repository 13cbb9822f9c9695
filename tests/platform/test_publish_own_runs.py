"""Charts of GreenLM's own runs (seed figures 10-15, the SmolLM-135M study, CodeCarbon vs NVML).

Drawn from the platform fixture (offline snapshots + the committed ``data/measurements/*.jsonl`` + the tiny real
smoke run): each chart materializes into a real PNG listed by the report, and what it draws is checked against
``staging.stg_benchmark_runs__runs`` queried independently here: the current runs that meet the protocol and only those,
error bars, the 7B line, the eager/compiled ratios, ESTIMATE on every CPU row, CodeCarbon's ratio to the counter.
"""

import struct
from pathlib import Path

import duckdb
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

import greenlm_assets.defs.publish.report  # noqa: F401  (imports every chart module: fills CHARTS)
from greenlm_assets.lib.charts import CHARTS, ChartData, read_slm_max_params_b, render_chart

# The seed study's figures (issue 16): 10+11 tokens/s, 12+14 power, 13 energy per inference, 15 inference time;
# J per token and the roofline answer none of them.
OWN_CHARTS = {
    "own_runs_tokens_per_s": "10, 11",
    "own_runs_energy_per_answer": "13",
    "own_runs_average_power": "12, 14",
    "own_runs_inference_time": "15",
    "own_runs_j_per_token_vs_params": None,
    "own_runs_roofline_efficiency": None,
    "own_runs_smollm_135m_study": None,
    "own_runs_codecarbon_vs_counter": None,
    "own_runs_batch_sweep": None,
    "own_runs_run_to_run": None,
}
RUNS = "staging.stg_benchmark_runs__runs"
# one run per configuration: a configuration measured again is drawn with its latest run (is_current)
PROTOCOL_GPU = f"FROM {RUNS} WHERE status = 'ok' AND meets_protocol AND is_current AND device = 'cuda'"
PROTOCOL_GRID = PROTOCOL_GPU + " AND batch_size IN (1, 32, 64)"  # what the charts against model size draw


def chart_data(con: duckdb.DuckDBPyConnection, name: str) -> ChartData:
    spec = CHARTS[name]
    return ChartData(
        frames={k: con.execute(sql).df() for k, sql in spec.queries.items()},
        slm_max_params_b=read_slm_max_params_b(con),
    )


def errorbar_containers(fig: Figure) -> list[ErrorbarContainer]:
    return [c for ax in fig.axes for c in ax.containers if isinstance(c, ErrorbarContainer)]


def points(containers: list[ErrorbarContainer]) -> int:
    return sum(len(c.lines[0].get_xdata()) for c in containers)


def has_error_bars(container: ErrorbarContainer) -> bool:
    return bool(container.lines[2]) and len(container.lines[2][0].get_segments()) > 0


def boundary_axes(fig: Figure, threshold: float) -> int:
    return sum(
        any(
            line.get_linestyle() == "--" and list(line.get_xdata()) == [threshold] * 2
            for line in ax.get_lines()
        )
        for ax in fig.axes
    )


def test_own_run_charts_are_registered_with_seed_figures_and_dated_provenance(
    con: duckdb.DuckDBPyConnection,
) -> None:
    gpu_date = con.execute(f"SELECT strftime(max(timestamp_utc), '%Y-%m-%d') {PROTOCOL_GPU}").fetchone()[0]
    for name, seed in OWN_CHARTS.items():
        spec = CHARTS[name]
        assert spec.seed_figure == seed, name
        assert f"GreenLM measurements, NVIDIA H200, {gpu_date}" in spec.provenance, name
        assert RUNS in spec.provenance and "left out" in spec.provenance, name


@pytest.mark.parametrize("name", sorted(OWN_CHARTS))
def test_own_run_chart_materializes_and_is_on_the_report(platform: dict, name: str) -> None:
    png = platform["charts"] / f"{name}.png"
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert width >= 800 and height >= 500
    assert png.stat().st_size > 60_000  # these charts carry 10-50 points and a legend; blank is a few KB
    mats = platform["result"].asset_materializations_for_node(f"charts__{name}")
    assert len(mats) == 1 and mats[0].metadata["rows"].value > 0
    page = (platform["report"] / "index.html").read_text(encoding="utf-8")
    assert f'src="charts/{name}.png"' in page and f'id="chart-{name}"' in page


@pytest.mark.parametrize("name", sorted(OWN_CHARTS))
def test_own_run_chart_renders(
    con: duckdb.DuckDBPyConnection, name: str, tmp_path: Path, monkeypatch
) -> None:
    """Each chart renders from staging and the marts (its drawing time is a benchmark: benchmarks/bench_charts.py)."""
    monkeypatch.setenv("GREENLM_CHARTS_DIR", str(tmp_path))
    paths, _ = render_chart(CHARTS[name], con)
    assert paths["png"].stat().st_size > 60_000 and paths["svg"].stat().st_size > 10_000


def test_gpu_charts_draw_every_protocol_run_and_nothing_else(con: duckdb.DuckDBPyConnection) -> None:
    """Charts against model size draw every protocol run at the grid's batch sizes; the sweep has its own chart."""
    expected = con.execute(f"SELECT count(*) {PROTOCOL_GRID}").fetchone()[0]
    failed = con.execute(f"SELECT count(*) FROM {RUNS} WHERE status <> 'ok'").fetchone()[0]
    off_protocol = con.execute(
        f"SELECT count(*) FROM {RUNS} WHERE status = 'ok' AND NOT meets_protocol"
    ).fetchone()[0]
    superseded = con.execute(
        f"SELECT count(*) FROM {RUNS} WHERE status = 'ok' AND meets_protocol AND device = 'cuda' AND NOT is_current"
    ).fetchone()[0]
    assert (
        expected >= 40 and failed >= 1 and off_protocol >= 1 and superseded >= 1
    )  # the committed H200 rows, the failed quantized runs, the smoke run, re-measured configurations
    threshold = read_slm_max_params_b(con)
    for name in ("own_runs_tokens_per_s", "own_runs_average_power", "own_runs_j_per_token_vs_params"):
        data = chart_data(con, name)
        fig = CHARTS[name].draw(data)
        containers = errorbar_containers(fig)
        assert points(containers) == expected, name
        # Repeats exist (3 windows) for every run: every series carries error bars.
        assert all(has_error_bars(c) for c in containers), name
        assert boundary_axes(fig, threshold) == 1, name
        assert fig.axes[0].get_xscale() == "log"
        fig.clf()
    data = chart_data(con, "own_runs_inference_time")
    fig = CHARTS["own_runs_inference_time"].draw(data)
    assert points(errorbar_containers(fig)) == 2 * expected  # s/token and TTFT panels
    assert boundary_axes(fig, threshold) == 2
    fig.clf()


def test_energy_per_answer_is_j_per_token_times_answer_tokens(con: duckdb.DuckDBPyConnection) -> None:
    """Per answer only for the grid's 64-token answers: a 128-token answer is never on the same axis."""
    data = chart_data(con, "own_runs_energy_per_answer")
    fig = CHARTS["own_runs_energy_per_answer"].draw(data)
    drawn = np.sort(np.concatenate([c.lines[0].get_xdata() for c in errorbar_containers(fig)]))
    grid64 = PROTOCOL_GRID + " AND new_tokens = 64"
    expected = con.execute(f"SELECT j_per_output_token * new_tokens {grid64} ORDER BY 1").fetchnumpy()
    assert np.allclose(drawn, next(iter(expected.values())))
    assert con.execute(f"SELECT count(*) {PROTOCOL_GRID} AND new_tokens = 128").fetchone()[0] >= 1
    assert set(data["runs"]["new_tokens"]) == {64}
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == con.execute(f"SELECT count(DISTINCT model_key) {grid64}").fetchone()[0]
    assert any("llama-3.1-8b" in label for label in labels)
    fig.clf()


def test_power_chart_marks_the_idle_power(con: duckdb.DuckDBPyConnection) -> None:
    data = chart_data(con, "own_runs_average_power")
    fig = CHARTS["own_runs_average_power"].draw(data)
    lo, hi = con.execute(f"SELECT min(p_idle_w), max(p_idle_w) {PROTOCOL_GRID}").fetchone()
    band = fig.axes[0].patches[0].get_extents()  # the axhspan, in display units
    y0, y1 = fig.axes[0].transData.inverted().transform([(0, band.y0), (0, band.y1)])[:, 1]
    assert np.isclose(y0, lo, rtol=1e-3) and np.isclose(y1, hi, rtol=1e-3)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(text.startswith("idle with the model loaded") for text in legend)
    fig.clf()


def test_run_well_vs_naively_ratios(con: duckdb.DuckDBPyConnection) -> None:
    """Each grey bar's label is eager / compiled J per token of the same model and batch, from staging directly."""
    runs = con.execute(f"SELECT model_key, batch_size, backend, j_per_output_token {PROTOCOL_GPU}").df()
    bf16 = runs.groupby(["model_key", "batch_size", "backend"])["j_per_output_token"].mean().unstack()
    both = bf16.dropna(subset=["pytorch", "pytorch-compile"])
    expected = sorted(f"x{r:.1f}" for r in both["pytorch"] / both["pytorch-compile"])
    data = chart_data(con, "own_runs_j_per_token_vs_params")
    assert sorted(f"x{r:.1f}" for r in data["gap"]["ratio"]) == expected
    assert len(expected) >= 8 and all(r > 1 for r in data["gap"]["ratio"])  # compiled is cheaper per token
    fig = CHARTS["own_runs_j_per_token_vs_params"].draw(data)
    assert fig.axes[0].get_yscale() == "log"
    fig.clf()


def test_roofline_chart_is_the_marts_efficiency(con: duckdb.DuckDBPyConnection) -> None:
    data = chart_data(con, "own_runs_roofline_efficiency")
    mart = con.execute(
        "SELECT roofline_efficiency FROM marts.fct_inference_efficiency WHERE source = 'greenlm' "
        "AND roofline_efficiency > 0 AND energy_scope = 'gpu' AND batch_size IN (1, 32, 64) ORDER BY 1"
    ).fetchnumpy()["roofline_efficiency"]
    assert np.allclose(np.sort(data["runs"]["roofline_efficiency"]), mart)
    assert (data["runs"]["roofline_efficiency"] < 1).all()


def test_batch_sweep_chart_is_every_fast_path_run_with_its_bound(con: duckdb.DuckDBPyConnection) -> None:
    """One measured line and one bound line per model; the bound caps every point; J/token falls with batch."""
    want = con.execute(
        f"SELECT model_key, batch_size, tokens_per_s, j_per_output_token {PROTOCOL_GPU} "
        "AND backend = 'pytorch-cudagraph' AND precision = 'bf16' AND new_tokens = 128 ORDER BY 1, 2"
    ).df()
    data = chart_data(con, "own_runs_batch_sweep")
    runs = data["runs"].sort_values(["model_key", "batch_size"]).reset_index(drop=True)
    assert len(want) >= 8 and runs[["model_key", "batch_size"]].equals(want[["model_key", "batch_size"]])
    assert not runs.duplicated(["model_key", "batch_size"]).any()  # re-measured points drawn once
    assert np.allclose(runs["tokens_per_s"], want["tokens_per_s"])
    assert (runs["tokens_per_s"] < runs["bound_tokens_per_s"]).all()
    for _, grp in runs.groupby("model_key"):
        j = grp.sort_values("batch_size")["j_per_output_token"].to_numpy()
        assert (np.diff(j) < 0).all()  # batching amortises the weight reads: cheaper tokens at every step up
    fig = CHARTS["own_runs_batch_sweep"].draw(data)
    ax_t, ax_j = fig.axes[:2]
    n_models = runs["model_key"].nunique()
    assert points(errorbar_containers(fig)) == len(runs) and len(errorbar_containers(fig)) == n_models
    assert sum(line.get_linestyle() == ":" for line in ax_t.get_lines()) == n_models
    assert ax_t.get_xscale() == "log" and ax_j.get_yscale() == "log"
    fig.clf()


def test_smollm_study_labels_cpu_energy_as_estimate_and_uses_the_us_grid(
    con: duckdb.DuckDBPyConnection,
) -> None:
    data = chart_data(con, "own_runs_smollm_135m_study")
    runs = data["runs"]
    n_cpu = con.execute(
        f"SELECT count(*) FROM {RUNS} WHERE model_key = 'smollm-135m' AND device = 'cpu' AND status = 'ok' "
        "AND meets_protocol AND energy_source = 'estimate'"
    ).fetchone()[0]
    assert n_cpu == 7  # the committed CPU grid; the smoke run (meets_protocol false) is not among them
    assert {"cpu", "cuda"} == set(runs["device"]) and {"pytorch", "onnxruntime"} <= set(runs["backend"])
    us = con.execute(
        "SELECT g_co2e_per_kwh FROM staging.stg_codecarbon__grid_carbon_intensity WHERE country_iso3 = 'USA'"
    ).fetchone()[0]
    assert np.allclose(runs["g_co2e_per_1k_tokens"], runs["wh_per_1k_tokens"] / 1000 * us)
    fig = CHARTS["own_runs_smollm_135m_study"].draw(data)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sum(t.startswith("ESTIMATE") for t in texts) == n_cpu
    assert "not run" in texts  # GPU x ONNX Runtime: no optimum on the H200 machine
    assert fig.axes[0].get_yticklabels()[-1].get_text().endswith("not run")
    fig.clf()


def test_codecarbon_chart_claims_no_cross_check_of_the_counter(con: duckdb.DuckDBPyConnection) -> None:
    """CodeCarbon's GPU figure reads the same NVML counter (ratio ~1 by construction): the chart does not draw it
    against the counter. It shows the machine total, whose excess over the counter is CodeCarbon's host estimate."""
    data = chart_data(con, "own_runs_codecarbon_vs_counter")
    runs = data["runs"]
    same_counter = con.execute(
        f"SELECT median(codecarbon_gpu_vs_counter_ratio) {PROTOCOL_GPU} AND codecarbon_gpu_energy_kwh > 0"
    ).fetchone()[0]
    assert same_counter == pytest.approx(1.0, abs=0.01)  # why the GPU part is no independent check
    assert "codecarbon_gpu_kj" not in runs.columns
    n = con.execute(
        f"SELECT count(*) {PROTOCOL_GPU} AND codecarbon_energy_kwh > 0 AND energy_total_j > 0"
    ).fetchone()
    assert len(runs) == n[0] >= 40
    totals = con.execute(
        f"SELECT sum(energy_total_j) / 1000 {PROTOCOL_GPU} AND codecarbon_energy_kwh > 0"
    ).fetchone()
    assert runs["counter_kj"].sum() == pytest.approx(totals[0])
    assert (
        runs["codecarbon_total_kj"] > runs["counter_kj"]
    ).all()  # machine = the counter + CPU + RAM estimates
    fig = CHARTS["own_runs_codecarbon_vs_counter"].draw(data)
    ax, ax_share = fig.axes[:2]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    diagonal = [line for line in ax.get_lines() if line.get_label().startswith("y = x")]
    assert len(diagonal) == 1 and np.allclose(diagonal[0].get_xdata(), diagonal[0].get_ydata())
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(runs)  # the machine total only
    assert "ESTIMATE" in ax_share.get_ylabel() and "not drawn" in ax.get_title()
    assert "not a cross-check" in CHARTS["own_runs_codecarbon_vs_counter"].title
    fig.clf()


def test_run_to_run_chart_draws_every_repeated_gpu_configuration(con: duckdb.DuckDBPyConnection) -> None:
    """One point per repeated configuration on both panels; the title's agreement count and the medians are the mart's."""
    data = chart_data(con, "own_runs_run_to_run")
    mart = con.execute("SELECT * FROM marts.fct_run_reproducibility WHERE device = 'cuda'").df()
    configs = data["configs"]
    assert len(configs) == len(mart) >= 40
    fig = CHARTS["own_runs_run_to_run"].draw(data)
    left, right = fig.axes
    assert left.get_xscale() == "log" and left.get_yscale() == "log"
    for ax in (left, right):  # scatter points only (the medians are line collections)
        assert sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection)) == len(mart)
    assert left.get_title().startswith(f"{len(mart)} configurations") and (
        f"{int(mart.runs_agree_tokens_per_s.sum())} agree" in left.get_title()
    )
    limits = {line.get_label().split(":")[0]: line for line in left.get_lines()}
    assert np.allclose(limits["y = 2x"].get_ydata(), 2 * limits["y = 2x"].get_xdata())
    medians = [t.get_text() for t in right.texts]
    for backend, group in mart.groupby("backend"):
        median = 100 * group.max_deviation_tokens_per_s.median()
        assert any(t.startswith(f"median ±{median:.1f} %") for t in medians), (backend, medians)
    fig.clf()
