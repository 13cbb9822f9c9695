"""The seed studies side by side with GreenLM: the study's figures beside GreenLM's values, and its figure 2.

- ``seed_studies_side_by_side``: every value of the study's figures 7 and 10-15 (cited seeds, issue 16) against
  GreenLM's nearest counterparts, as the ratio GreenLM / study on one log axis, agreement within 2x marked
  (``marts.fct_seed_study_comparison``; the reason for each gap is its column ``why_differs``, listed in the report).
- ``seed_smollm_135m_study_comparison``: the study's SmolLM-135M table cell by cell against GreenLM's runs on the
  study's scope - CodeCarbon's machine total, so GreenLM's RAM share (and host-CPU share on the GPU) is added back
  (``marts.fct_seed_smollm_study_comparison``).
- ``seed_fig02_bloom_family``: figure 2 (energy and CO2 by BLOOM size) from what GreenLM holds on BLOOM.

The study's values also sit on GreenLM's own-run charts of the same quantity (``lib/seed_study.py``).
"""

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.own_runs_common import CPU_DATE, GPU_DATE, LEFT_OUT
from greenlm_assets.lib.plotting import log_axis, new_figure, new_figure_grid, plain_number
from greenlm_assets.lib.seed_study import COMPARISON, COMPARISON_DEP, STUDY_CITATION, fmt_value

SMOLLM = "marts.fct_seed_smollm_study_comparison"
AGREE_COLOR, DISAGREE_COLOR = "#2a9d8f", "#e76f51"
STUDY_COLOR = "0.72"

# --- every seed figure value beside GreenLM's: the ratio -------------------------------------------------------------


def row_label(r: pd.Series) -> str:
    kind = " (derived)" if r["study_value_kind"] == "derived" else ""
    bound = ">= " if r["unit"].endswith("(lower bound)") else ""
    unit = r["unit"].replace(" (lower bound)", "")
    return f"fig {int(r['figure'])} · {r['series']}: study {bound}{fmt_value(r['study_value'])} {unit}{kind}"


def draw_side_by_side(data: ChartData) -> Figure:
    df = data["pairs"].reset_index(drop=True)
    fig, ax = new_figure()
    fig.set_size_inches(12.5, 0.44 * len(df) + 2.4)
    y = np.arange(len(df))
    ax.axvspan(0.5, 2, color=AGREE_COLOR, alpha=0.10, zorder=0, label="within 2x of the study")
    ax.axvline(1, color="black", lw=1, zorder=1)
    colors = [AGREE_COLOR if a else DISAGREE_COLOR for a in df["agrees"]]
    ax.scatter(df["ratio_greenlm_to_study"], y, c=colors, s=46, edgecolor="black", linewidth=0.6, zorder=3)
    for yi, r in zip(y, df.itertuples(), strict=True):
        ax.annotate(f"{fmt_value(r.greenlm_value)} · {r.greenlm_label}", (r.ratio_greenlm_to_study, yi),
                    xytext=(7, 0), textcoords="offset points", va="center", fontsize=6.8)  # fmt: skip
    # A rule between the study's figures.
    for boundary in np.flatnonzero(np.diff(df["figure"].to_numpy()) != 0):
        ax.axhline(boundary + 0.5, color="0.6", lw=0.7)
    ax.set_yticks(y, [row_label(r) for _, r in df.iterrows()], fontsize=7.5)
    ax.set_ylim(len(df) - 0.5, -0.5)
    log_axis(ax, "x")
    lo, hi = float(df["ratio_greenlm_to_study"].min()), float(df["ratio_greenlm_to_study"].max())
    ax.set_xlim(lo / 2, hi * 250)  # room right of each point for its label
    ax.set_xlabel("GreenLM's value / the study's value (log scale; 1 = the same)")
    ax.grid(axis="y", visible=False)
    n_agree = int(df["agrees"].sum())
    ax.set_title(
        f"{len(df)} comparisons, {n_agree} within 2x (green; fig 7: reaching the study's lower bound). Gaps follow "
        "batch, hardware, answer length and scope;\nthe reason for each row is in the report (column why_differs)",
        fontsize=8.5,
    )
    ax.legend(loc="lower right", fontsize=7.5)
    return fig


SIDE_BY_SIDE = ChartSpec(
    name="seed_studies_side_by_side",
    title="The seed study's figures 7 and 10-15 beside GreenLM's values",
    description="Each value of the seed study's figures 7 (hardware cost ratio) and 10-15 (tokens/s, power, "
    "energy and time per inference) against GreenLM's nearest counterparts - ML.ENERGY runs on A100s at the "
    "study's batch and at batch 1, GreenLM's own H200 runs, GreenLM's hardware-cost mart - as GreenLM / study on "
    "a log axis, within 2x marked; derived study values (fig 13 per token, fig 14) labelled.",
    queries={
        "pairs": "SELECT figure, series, study_value, unit, study_value_kind, greenlm_label, greenlm_value, "
        f"ratio_greenlm_to_study, agrees, comparability FROM {COMPARISON} "
        "ORDER BY figure, study_x_params_b, series, greenlm_label"
    },
    deps=(COMPARISON_DEP,),
    provenance=f"{COMPARISON} <- {STUDY_CITATION}; GreenLM's counterparts from staging.stg_benchmark_runs__runs "
    f"(GreenLM measurements, NVIDIA H200, {GPU_DATE}, batch 1, 64-token answers, NVML gpu scope; {LEFT_OUT}), "
    "intermediate.int_third_party_runs_unioned (ML.ENERGY v1 2023 and v2 2024, A100, gpu scope) and "
    "marts.fct_gpu_model_hardware_cost (serving hardware, bf16 weights + 20 % headroom)",
    draw=draw_side_by_side,
    tags=("seed_study",),
)
seed_studies_side_by_side = chart_asset(SIDE_BY_SIDE)


# --- the SmolLM-135M table, cell by cell, matching scopes --------------------------------------------------------------

SMOLLM_PANELS = (
    ("study_wh_per_token", "greenlm_wh_per_token_machine", "wh_ratio_greenlm_to_study", "Wh per token"),
    ("study_s_per_token", "greenlm_s_per_token", "s_ratio_greenlm_to_study", "s per token"),
    (
        "study_kg_co2e_per_token",
        "greenlm_kg_co2e_per_token",
        "co2_ratio_greenlm_to_study",
        "kg CO2e per token",
    ),
)
DEVICE_COLORS = {"cpu": "#6a4c93", "gpu": "#1982c4"}


SHORT_FRAMEWORKS = {
    "Hugging Face transformers generate (PyTorch)": "HF generate",
    "Hugging Face transformers": "HF",
}


def smollm_row_label(r: pd.Series) -> str:
    framework = SHORT_FRAMEWORKS.get(r["study_framework"], r["study_framework"])
    study = f"study: {r['study_device'].upper()} · {framework} · {r['study_quantization']}"
    if r["match_kind"] == "not run":
        return f"{study}\nGreenLM: not run"
    greenlm = SHORT_FRAMEWORKS.get(r["greenlm_framework"], r["greenlm_framework"])
    estimate = ", energy ESTIMATED" if r["study_device"] == "cpu" else ""
    return f"{study}\nGreenLM: {greenlm} {r['greenlm_precision']} ({r['match_kind']}{estimate})"


def draw_smollm_comparison(data: ChartData) -> Figure:
    df = data["cells"].reset_index(drop=True)
    fig, axes = new_figure_grid(1, len(SMOLLM_PANELS), figsize=(15, 0.75 * len(df) + 2.6), sharey=True)
    y = np.arange(len(df))
    h = 0.36
    for ax, (study_col, greenlm_col, ratio_col, unit) in zip(axes, SMOLLM_PANELS, strict=True):
        ax.barh(y - h / 2, df[study_col], height=h, color=STUDY_COLOR, hatch="///", edgecolor="0.4",
                label="the study: CodeCarbon total, T4 / 2-vCPU Colab")  # fmt: skip
        measured = df[greenlm_col].notna()
        ax.barh(y[measured] + h / 2, df.loc[measured, greenlm_col], height=h,
                color=[DEVICE_COLORS[d] for d in df.loc[measured, "study_device"]],
                label="GreenLM, same scope: H200 / 2-vCPU VM")  # fmt: skip
        if greenlm_col == "greenlm_wh_per_token_machine":
            # What GreenLM publishes (GPU counter / CPU estimate without RAM): the scope the old chart compared.
            ax.scatter(df.loc[measured, "greenlm_wh_per_token_published"], y[measured] + h / 2, marker="|", s=260,
                       color="black", zorder=4, label="GreenLM as published (no RAM, host CPU)")  # fmt: skip
        for yi, r in zip(y, df.itertuples(), strict=True):
            value, ratio = getattr(r, greenlm_col), getattr(r, ratio_col)
            if pd.isna(value):
                ax.text(
                    float(df[study_col].min()), yi + h / 2, " not run", va="center", fontsize=7, color="0.4"
                )
            else:
                ax.annotate(f"x{ratio:.2g}", (value, yi + h / 2), xytext=(3, 0), textcoords="offset points",
                            va="center", fontsize=7, fontweight="bold")  # fmt: skip
        if unit.startswith("kg"):
            ax.set_xscale("log")  # 1e-7 kg: powers of ten read better than plain decimals
        else:
            log_axis(ax, "x")
        shown = [study_col, greenlm_col] + (
            ["greenlm_wh_per_token_published"] if unit.startswith("Wh") else []
        )
        vals = pd.concat([df[c] for c in shown]).dropna()
        ax.set_xlim(float(vals.min()) / 3, float(vals.max()) * 4)
        ax.set_xlabel(f"{unit} (log scale)")
        ax.set_title(f"{unit}: GreenLM / study as x ratio", fontsize=9)
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(y, [smollm_row_label(r) for _, r in df.iterrows()], fontsize=7.5)
    axes[0].set_ylim(len(df) - 0.4, -0.6)
    grid = float(df["south_carolina_g_co2e_per_kwh_derived"].iloc[0])
    axes[-1].set_title(f"kg CO2e per token, both at {grid:.0f} g/kWh (derived)", fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    # Under the middle panel (an axes legend, so the final layout makes room for it).
    axes[1].legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1, fontsize=8,
                   frameon=False)  # fmt: skip
    return fig


SMOLLM_STUDY = ChartSpec(
    name="seed_smollm_135m_study_comparison",
    title="The seed study's SmolLM-135M table vs GreenLM, cell by cell, same energy scope",
    description="The study's six SmolLM-135M cells (CPU/GPU x Hugging Face/ONNX Runtime x quantisation: Wh, s and "
    "kg CO2e per token, CodeCarbon machine totals on Google Colab) against GreenLM's matching or nearest run on the "
    "same scope: GreenLM's published figure plus CodeCarbon's RAM share (and host-CPU share on the GPU), CO2 at "
    "the study's implied South Carolina intensity (derived); GreenLM's published, narrower figure marked.",
    queries={
        "cells": "SELECT cell_key, study_device, study_framework, study_quantization, match_kind, greenlm_framework, "
        "greenlm_precision, study_wh_per_token, greenlm_wh_per_token_machine, greenlm_wh_per_token_published, "
        "wh_ratio_greenlm_to_study, study_s_per_token, greenlm_s_per_token, s_ratio_greenlm_to_study, "
        "study_kg_co2e_per_token, greenlm_kg_co2e_per_token, co2_ratio_greenlm_to_study, "
        f"south_carolina_g_co2e_per_kwh_derived FROM {SMOLLM} ORDER BY study_device, study_framework, "
        "study_quantization"
    },
    deps=("marts/fct_seed_smollm_study_comparison",),
    provenance=f"{SMOLLM} <- reference.seed_smollm_study (the seed study's SmolLM-135M table as quoted in GreenLM "
    "issue 16, secondary: 50 SQuAD samples, Google Colab in South Carolina, 2-vCPU Xeon 2.2 GHz + NVIDIA T4, "
    "CodeCarbon every 15 s, one run) and staging.stg_benchmark_runs__runs (GreenLM measurements, NVIDIA H200, "
    f"{GPU_DATE}, and a 2-vCPU Xeon VM without RAPL, {CPU_DATE}: CPU energy is CodeCarbon's estimate; batch 1; "
    f"{LEFT_OUT}); same scope = published + CodeCarbon RAM share (+ host CPU on the GPU); CO2 at the intensity the "
    "study's numbers imply (kg CO2e / Wh, mean of its cells, derived)",
    draw=draw_smollm_comparison,
    tags=("seed_study", "own_runs"),
)
seed_smollm_135m_study_comparison = chart_asset(SMOLLM_STUDY)


# --- seed figure 2: the BLOOM family -------------------------------------------------------------------------------


def draw_bloom_family(data: ChartData) -> Figure:
    train, infer, grid = data["training"], data["inference"], data["grid"].iloc[0]
    fig, (ax_t, ax_i) = new_figure_grid(1, 2, figsize=(13, 5.6), gridspec_kw={"width_ratios": [1, 1.5]})
    # Training: each published accounting of the one BLOOM size with a training footprint.
    x = np.arange(len(train))
    w = 0.38
    bars_e = ax_t.bar(x - w / 2, train["energy_mwh"], width=w, color="#1982c4", label="energy, MWh")
    ax_c = ax_t.twinx()
    bars_c = ax_c.bar(x + w / 2, train["co2_t"], width=w, color="#8ac926", label="CO2, t")
    ax_t.bar_label(bars_e, labels=[f"{v:,.0f} MWh" for v in train["energy_mwh"]], fontsize=7.5, padding=2)
    ax_c.bar_label(bars_c, labels=[f"{v:,.0f} t" for v in train["co2_t"]], fontsize=7.5, padding=2)
    ax_t.set_xticks(x, [name.replace(" (", "\n(") for name in train["model_name"]], fontsize=7.5)
    ax_t.set_ylabel("Training energy, MWh")
    ax_c.set_ylabel("Training CO2, t")
    ax_t.set_ylim(0, float(train["energy_mwh"].max()) * 1.25)
    ax_c.set_ylim(0, float(train["co2_t"].max()) * 1.25)
    ax_c.grid(False)
    ax_c.spines["right"].set_visible(True)
    ax_t.set_title(f"Training: BLOOM {train['params_b'].iloc[0]:g}B, every published accounting", fontsize=9)
    ax_t.legend([bars_e, bars_c], ["energy, MWh", "CO2, t"], loc="upper left", fontsize=7.5)
    # Inference: every run of a BLOOM model in GreenLM's third-party sources.
    infer = infer.sort_values("wh_per_1k_tokens").reset_index(drop=True)
    yi = np.arange(len(infer))
    ax_i.barh(yi, infer["wh_per_1k_tokens"], color="#6a4c93", height=0.6)
    for yy, v in zip(yi, infer["wh_per_1k_tokens"], strict=True):
        co2 = v / 1000 * float(grid["g_co2e_per_kwh"])
        ax_i.annotate(f"{v:.2f} Wh = {co2:.2f} g CO2e", (v, yy), xytext=(3, 0), textcoords="offset points",
                      va="center", fontsize=7)  # fmt: skip
    names = [f"{r.model_key} · {r.hardware} · {r.backend} {r.precision}" for r in infer.itertuples()]
    # The same configuration listed twice by the source is two runs: number them rather than merge them.
    counts, seen = pd.Series(names).value_counts(), {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(f"{name} (run {seen[name]} of {counts[name]})" if counts[name] > 1 else name)
    ax_i.set_yticks(yi, labels, fontsize=7.5)
    ax_i.set_xlim(0, float(infer["wh_per_1k_tokens"].max()) * 1.45)
    ax_i.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(plain_number))
    ax_i.set_xlabel(
        f"Wh per 1K output tokens (machine scope, batch 1)\nCO2 at the {grid['country_name']} grid average, "
        f"{grid['g_co2e_per_kwh']:.0f} g/kWh ({grid['data_year']})"
    )
    ax_i.grid(axis="y", visible=False)
    ax_i.set_title(f"Inference: {', '.join(sorted(infer['model_key'].unique()))} (LLM-Perf)", fontsize=9)
    fig.text(
        0.5,
        0.93,
        "The study's figure 2 compares BLOOM sizes; its values are not quoted in GreenLM's sources, and GreenLM holds "
        "no training figure for the smaller BLOOMs nor an inference run of BLOOM 176B - no size trend is drawn.",
        ha="center",
        fontsize=8,
        color="0.25",
    )
    return fig


BLOOM = ChartSpec(
    name="seed_fig02_bloom_family",
    title="The BLOOM family (seed figure 2): the BLOOM sizes GreenLM holds",
    description="Seed figure 2 (training energy and CO2 by BLOOM size) redrawn from GreenLM's own data: the two "
    "published accountings of BLOOM 176B's training (energy and CO2) and every BLOOM inference run in GreenLM's "
    "third-party sources (bloomz-560m on LLM-Perf, Wh per 1K tokens and CO2 at the US grid average). The study's "
    "per-size values are not quoted in GreenLM's sources, so none is drawn.",
    queries={
        "training": "SELECT model_name, params_b, energy_mwh, co2_t, citation FROM marts.fct_training_footprint "
        "WHERE family = 'BLOOM' AND energy_mwh > 0 AND co2_t > 0 ORDER BY model_name",
        "inference": "SELECT model_key, hardware, backend, precision, energy_scope, batch_size, "
        "wh_per_1k_tokens, tokens_per_s FROM intermediate.int_third_party_runs_unioned "
        "WHERE model_key LIKE 'bloom%' AND wh_per_1k_tokens > 0 ORDER BY wh_per_1k_tokens",
        "grid": "SELECT country_name, g_co2e_per_kwh, data_year FROM staging.stg_codecarbon__grid_carbon_intensity "
        "WHERE country_iso3 = 'USA'",
    },
    deps=(
        "marts/fct_training_footprint",
        "intermediate/int_third_party_runs_unioned",
        "staging/stg_codecarbon__grid_carbon_intensity",
    ),
    provenance="marts.fct_training_footprint <- raw.training_footprint (BLOOM 176B: arXiv:2211.02001 Table 4; "
    "Luccioni et al. 2025 Table 1) and intermediate.int_third_party_runs_unioned (HF LLM-Perf leaderboard, "
    "optimum-benchmark, machine scope via CodeCarbon) with staging.stg_codecarbon__grid_carbon_intensity (OWID via "
    "CodeCarbon); the seed study's figure 2 values are not quoted in GreenLM's sources (issue 16) - none drawn",
    draw=draw_bloom_family,
    seed_figure="2",
    tags=("seed_study", "training"),
)
seed_fig02_bloom_family = chart_asset(BLOOM)
