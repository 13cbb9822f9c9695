"""The seed studies side by side (issue 16, defects 4, 5 and 7's 64-/128-token axes).

The study's values are cited seeds; each test re-derives what the marts and charts show from the seeds, staging and
the third-party runs independently, so a wrong label, a dropped RAM share or a mixed answer length fails here.
"""

import csv
from pathlib import Path

import duckdb
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

import greenlm_assets.defs.publish.report  # noqa: F401  (imports every chart module: fills CHARTS)
from greenlm_assets.defs.publish.report import read_seed_studies, seed_figure_numbers
from greenlm_assets.lib.charts import CHARTS, ChartData, read_slm_max_params_b
from tests.conftest import repo_root

SEEDS = repo_root() / "dbt_project" / "seeds" / "reference"
RUNS = "staging.stg_benchmark_runs__runs"

# The SmolLM-135M table exactly as issue 16 quotes it: per token Wh, s, kg CO2e.
ISSUE_SMOLLM = {
    "cpu_hf_none": (1.33e-3, 1.01e-1, 4.64e-7),
    "gpu_hf_none": (6.94e-4, 3.26e-2, 2.42e-7),
    "gpu_hf_static_8bit": (2.19e-3, 1.01e-1, 7.65e-7),
    "gpu_hf_static_16bit": (1.03e-3, 4.79e-2, 3.59e-7),
    "cpu_onnx_none": (7.56e-4, 5.77e-2, 2.64e-7),
    "cpu_onnx_dynamic_16bit": (4.63e-4, 3.54e-2, 1.62e-7),
}
# Figures 7 and 10-15 as issue 16 quotes them: (figure, series) -> value.
ISSUE_FIGURES = {
    (7, "hardware cost ratio, 15B to 135M"): 15,
    (10, "LLaMA 7B"): 1100,
    (10, "LLaMA 13B"): 800,
    (10, "LLaMA 65B"): 300,
    (11, "1B"): 100,
    (11, "3B"): 55,
    (11, "8B"): 30,
    (12, "7B"): 280,
    (13, "8B"): 360,
    (15, "1B"): 4,
    (15, "8B"): 20,
}
# Which charts answer which seed figure (issue 16's list): a relabelled chart must not drift.
ANSWERS = {
    2: {"seed_fig02_bloom_family"},
    7: {"hardware_cost_by_model"},
    10: {"own_runs_tokens_per_s"},
    11: {"own_runs_tokens_per_s"},
    12: {"own_runs_average_power"},
    13: {"own_runs_energy_per_answer"},
    14: {"own_runs_average_power"},
    15: {"own_runs_inference_time"},
}


def seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def chart_data(con: duckdb.DuckDBPyConnection, name: str) -> ChartData:
    spec = CHARTS[name]
    return ChartData(
        frames={k: con.execute(sql).df() for k, sql in spec.queries.items()},
        slm_max_params_b=read_slm_max_params_b(con),
    )


def study_scatter(fig: Figure, prefix: str) -> np.ndarray:
    """The (x, y) points of the scatter whose legend label starts with ``prefix``."""
    pts = [
        c.get_offsets()
        for ax in fig.axes
        for c in ax.collections
        if isinstance(c, PathCollection) and c.get_label().startswith(prefix)
    ]
    assert len(pts) == 1, (prefix, len(pts))
    return np.asarray(pts[0])


# --- the seeds: the issue's values, cited ------------------------------------------------------------------------


def test_seed_tables_hold_the_issues_values_with_their_source() -> None:
    smollm = {r["cell_key"]: r for r in seed_rows("seed_smollm_study")}
    assert set(smollm) == set(ISSUE_SMOLLM)
    for cell, (wh, s, kg) in ISSUE_SMOLLM.items():
        row = smollm[cell]
        assert (float(row["wh_per_token"]), float(row["s_per_token"]), float(row["kg_co2e_per_token"])) == (
            wh,
            s,
            kg,
        )
        assert "issue 16" in row["source_citation"] and "secondary" in row["source_citation"]
        assert "South Carolina" in row["notes"] and "one run" in row["notes"]
        assert "France" not in row["notes"] + row["source_citation"]  # the study never names France
    figures = {(int(r["figure"]), r["series"]): r for r in seed_rows("seed_study_figures")}
    assert {k: float(v["value"]) for k, v in figures.items()} == ISSUE_FIGURES
    assert all("issue 16" in r["source_citation"] for r in figures.values())
    assert all("2310.03003" in r["source_citation"] for (f, _), r in figures.items() if f in (10, 12))
    index = {int(r["figure"]): r for r in seed_rows("seed_study_figure_index")}
    assert set(index) == set(ANSWERS)
    assert "BLOOM" in index[2]["title"] and "training" in index[7]["title"]
    assert "A100" in index[10]["title"] and "M1 Pro" in index[11]["study_setup"]


# --- the marts ---------------------------------------------------------------------------------------------------


def test_smollm_comparison_adds_the_ram_share_back_and_matches_staging(
    con: duckdb.DuckDBPyConnection,
) -> None:
    mart = con.execute("SELECT * FROM marts.fct_seed_smollm_study_comparison").df().set_index("cell_key")
    assert set(mart.index) == set(ISSUE_SMOLLM)
    # ~349 g/kWh: what the study's own kg CO2e / Wh implies, labelled derived (column name and description).
    implied = np.mean([kg / wh * 1e6 for wh, _, kg in ISSUE_SMOLLM.values()])
    assert np.allclose(mart["south_carolina_g_co2e_per_kwh_derived"], implied) and 348.5 < implied < 349.5
    same = {"cpu_hf_none": ("cpu", "pytorch", "fp32"), "cpu_onnx_none": ("cpu", "onnxruntime", "fp32")}
    for cell, (device, backend, precision) in same.items():
        j, ram_kwh, tokens, tok_s = con.execute(
            f"SELECT j_per_output_token, codecarbon_ram_energy_kwh, tokens_out_total, tokens_per_s FROM {RUNS} "
            "WHERE model_key = 'smollm-135m' AND status = 'ok' AND meets_protocol AND is_current "
            "AND batch_size = 1 AND device = ? AND backend = ? AND precision = ?",
            [device, backend, precision],
        ).fetchone()
        row = mart.loc[cell]
        assert row["match_kind"] == "same configuration"
        assert ram_kwh > 0  # the CPU rows carry CodeCarbon's RAM share: the like-for-like figure adds it back
        machine_wh = (j + ram_kwh * 3.6e6 / tokens) / 3600
        assert np.isclose(row["greenlm_wh_per_token_machine"], machine_wh)
        assert row["greenlm_wh_per_token_machine"] > 2 * row["greenlm_wh_per_token_published"]
        assert np.isclose(row["wh_ratio_greenlm_to_study"], machine_wh / ISSUE_SMOLLM[cell][0])
        assert np.isclose(row["greenlm_s_per_token"], 1 / tok_s)
        assert row["greenlm_energy_source"] == "estimate"
    gpu = mart.loc["gpu_hf_none"]
    assert gpu["match_kind"] == "nearest configuration" and gpu["greenlm_host_cpu_wh_per_token"] > 0
    assert mart.loc["gpu_hf_static_8bit", "match_kind"] == "not run"
    assert np.isnan(mart.loc["gpu_hf_static_8bit", "greenlm_wh_per_token_machine"])
    assert not mart["greenlm_framework"].dropna().str.fullmatch(r"HF \(PyTorch\)").any()
    assert mart["why_differs"].str.len().min() > 40


def test_seed_comparison_pairs_the_study_with_greenlm(con: duckdb.DuckDBPyConnection) -> None:
    mart = con.execute("SELECT * FROM marts.fct_seed_study_comparison").df()
    assert np.allclose(mart["ratio_greenlm_to_study"], mart["greenlm_value"] / mart["study_value"])
    published = mart[mart["study_value_kind"] == "published"]
    assert {
        (int(f), s): v for f, s, v in published[["figure", "series", "study_value"]].itertuples(index=False)
    } == (ISSUE_FIGURES)  # every quoted value has at least one GreenLM counterpart
    derived = mart[mart["study_value_kind"] == "derived"].set_index("figure")
    assert np.isclose(derived.loc[14, "study_value"], 360 / 20)  # power = figure 13 / figure 15
    assert np.isclose(derived.loc[13, "study_value"], 360 / (30 * 20))  # J per token: / (tok/s x s)
    # Figure 10 at the study's batch: ML.ENERGY v2 CodeLlama 7B on one A100 40GB at batch 64, read independently.
    v2 = con.execute(
        "SELECT tokens_per_s FROM intermediate.int_third_party_runs_unioned WHERE source = 'ml_energy_v2' "
        "AND model_key = 'codellama-7b' AND hardware = 'A100-40GB' AND batch_size = 64 AND num_gpus = 1"
    ).fetchone()[0]
    row = mart[(mart["figure"] == 10) & mart["greenlm_label"].str.contains("codellama-7b")].iloc[0]
    assert np.isclose(row["greenlm_value"], v2) and row["agrees"]
    # Figure 11 counterpart: GreenLM's own eager batch-1 run of Llama 3.1 8B.
    own = con.execute(
        f"SELECT tokens_per_s FROM {RUNS} WHERE model_key = 'llama-3.1-8b' AND status = 'ok' AND meets_protocol "
        "AND is_current AND device = 'cuda' AND backend = 'pytorch' AND precision = 'bf16' AND batch_size = 1 "
        "AND new_tokens = 64"
    ).fetchone()[0]
    eager8 = mart[
        (mart["figure"] == 11) & (mart["series"] == "8B") & mart["greenlm_label"].str.contains("eager")
    ]
    assert np.isclose(eager8["greenlm_value"].iloc[0], own)
    # Figure 7: the study's training ratio is never reached by serving hardware - and the row says why.
    fig7 = mart[mart["figure"] == 7]
    assert len(fig7) == 2 and not fig7["agrees"].any()
    assert fig7["why_differs"].str.contains("training").all()
    assert set(mart["figure"]) == {7, 10, 11, 12, 13, 14, 15}


# --- chart labels and the study's values on them ---------------------------------------------------------------


def test_every_seed_figure_is_answered_by_the_right_charts() -> None:
    answered: dict[int, set[str]] = {}
    for spec in CHARTS.values():
        for figure in seed_figure_numbers(spec.seed_figure):
            answered.setdefault(figure, set()).add(spec.name)
    for figure, charts in ANSWERS.items():
        assert answered.get(figure) == charts, figure
    assert CHARTS["training_llama_family"].seed_figure is None  # figure 2 is BLOOM, not Llama
    assert CHARTS["own_runs_j_per_token_vs_params"].seed_figure is None
    assert CHARTS["own_runs_roofline_efficiency"].seed_figure is None
    for charts in ANSWERS.values():
        for (
            name
        ) in charts:  # each says which seed figure it answers and cites where the study's values come from
            assert (
                "seed figure" in CHARTS[name].description.lower() and "issue 16" in CHARTS[name].provenance
            ), name


def test_own_run_charts_draw_the_studys_values(con: duckdb.DuckDBPyConnection) -> None:
    fig = CHARTS["own_runs_tokens_per_s"].draw(chart_data(con, "own_runs_tokens_per_s"))
    assert np.allclose(study_scatter(fig, "seed study fig 10"), [[7, 1100], [13, 800], [65, 300]])
    assert np.allclose(study_scatter(fig, "seed study fig 11"), [[1, 100], [3, 55], [8, 30]])
    fig.clf()
    fig = CHARTS["own_runs_average_power"].draw(chart_data(con, "own_runs_average_power"))
    assert np.allclose(study_scatter(fig, "seed study fig 12"), [[7, 280]])
    assert np.allclose(study_scatter(fig, "seed study fig 14"), [[8, 18]])
    fig.clf()
    fig = CHARTS["own_runs_inference_time"].draw(chart_data(con, "own_runs_inference_time"))
    assert np.allclose(study_scatter(fig, "seed study figs 11/15")[:, 1], [10, 1000 / 55, 1000 / 30])
    fig.clf()
    data = chart_data(con, "own_runs_energy_per_answer")
    fig = CHARTS["own_runs_energy_per_answer"].draw(data)
    cross = study_scatter(fig, "seed study fig 13")
    assert np.allclose(cross[:, 0], [360])  # J per inference only; the derived J-per-token value is not on it
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[int(cross[0, 1])].startswith("llama-3.1-8b")  # the study's 8B on GreenLM's 8B row
    fig.clf()


def test_per_token_charts_never_join_64_and_128_token_answers(con: duckdb.DuckDBPyConnection) -> None:
    data = chart_data(con, "own_runs_tokens_per_s")
    runs = data["runs"]
    assert set(runs["new_tokens"]) == {64, 128}  # both are drawn ...
    fig = CHARTS["own_runs_tokens_per_s"].draw(data)
    containers = [c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)]
    long = [c for c in containers if "128-token answers" in c.get_label()]
    # ... but every 128-token run sits in a series labelled so, and no other series holds one.
    assert sum(len(c.lines[0].get_xdata()) for c in long) == int((runs["new_tokens"] == 128).sum())
    for c in long:
        assert c.lines[0].get_markerfacecolor() == "none"
    fig.clf()


def test_side_by_side_and_smollm_charts_draw_every_comparison(con: duckdb.DuckDBPyConnection) -> None:
    data = chart_data(con, "seed_studies_side_by_side")
    fig = CHARTS["seed_studies_side_by_side"].draw(data)
    n = con.execute("SELECT count(*) FROM marts.fct_seed_study_comparison").fetchone()[0]
    dots = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in dots) == n
    assert np.allclose(np.sort(dots[0].get_offsets()[:, 0]), np.sort(data["pairs"]["ratio_greenlm_to_study"]))
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any("(derived)" in t for t in ticks) and any(">= 15" in t for t in ticks)
    fig.clf()
    fig = CHARTS["seed_smollm_135m_study_comparison"].draw(
        chart_data(con, "seed_smollm_135m_study_comparison")
    )
    assert len(fig.axes[0].get_yticklabels()) == len(ISSUE_SMOLLM)
    texts = [t.get_text().strip() for ax in fig.axes for t in ax.texts]
    assert texts.count("not run") == 3  # the 8-bit GPU cell, in each of the three panels
    ticks = " ".join(t.get_text() for t in fig.axes[0].get_yticklabels())
    assert "ESTIMATED" in ticks and "HF (PyTorch)" not in ticks
    fig.clf()


def test_bloom_chart_draws_every_bloom_row_greenlm_holds(con: duckdb.DuckDBPyConnection) -> None:
    data = chart_data(con, "seed_fig02_bloom_family")
    n_train = con.execute(
        "SELECT count(*) FROM marts.fct_training_footprint WHERE family = 'BLOOM' AND energy_mwh > 0 AND co2_t > 0"
    ).fetchone()[0]
    n_infer = con.execute(
        "SELECT count(*) FROM intermediate.int_third_party_runs_unioned WHERE model_key LIKE 'bloom%'"
    ).fetchone()[0]
    assert len(data["training"]) == n_train >= 1 and len(data["inference"]) == n_infer >= 1
    fig = CHARTS["seed_fig02_bloom_family"].draw(data)
    assert len(fig.axes[1].patches) == n_infer
    fig.clf()


# --- the report section ------------------------------------------------------------------------------------------


def test_report_section_reads_every_indexed_figure(con: duckdb.DuckDBPyConnection) -> None:
    seed = read_seed_studies(con)
    assert [f.figure for f in seed.figures] == sorted(ANSWERS)
    by_figure = {f.figure: f for f in seed.figures}
    assert by_figure[2].comparison.empty and not by_figure[2].study_values_quoted
    for figure, charts in ANSWERS.items():
        assert set(by_figure[figure].charts) == charts
        if figure != 2:
            assert len(by_figure[figure].comparison) >= 1
            assert {"study_value", "greenlm_value", "greenlm_to_study", "why_differs"} <= set(
                by_figure[figure].comparison.columns
            )
    assert len(seed.smollm) == len(ISSUE_SMOLLM)


@pytest.mark.parametrize("name", ["seed_studies_side_by_side", "seed_smollm_135m_study_comparison",
                                  "seed_fig02_bloom_family"])  # fmt: skip
def test_seed_charts_materialize_and_are_on_the_report(platform: dict, name: str) -> None:
    png: Path = platform["charts"] / f"{name}.png"
    assert png.stat().st_size > 40_000
    page = (platform["report"] / "index.html").read_text(encoding="utf-8")
    assert f'src="charts/{name}.png"' in page
