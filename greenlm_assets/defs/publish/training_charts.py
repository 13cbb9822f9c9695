"""Training-footprint charts: seed figure 1 (the ~175B models), the Llama families, seed figure 9 (emissions by model).

Seed figure 2 is the BLOOM family, not the Llama one: it is drawn in seed_studies.py (seed_fig02_bloom_family).
"""

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.plotting import SIZE_CLASS_COLORS, log_axis, new_figure, new_figure_grid, plain_number

FOOTPRINT = "marts.fct_training_footprint"
# A post-trained derivative that repeats its parent's pretraining figures (Llama 3.3 70B) stays on the charts, named
# as such: it is not a second training run.
MODEL_LABEL = "model_name || coalesce(' (= ' || pretraining_run_of || ' run)', '') AS model_name"
FOOTPRINT_PROVENANCE = (
    "marts.fct_training_footprint <- raw.training_footprint: Patterson et al. 2021 (GPT-3), Luccioni et al. "
    "2022/2025 (BLOOM, OPT, Gopher), Touvron et al. 2023 Table 15 (LLaMA), Meta model cards (Llama 2/3/3.1/3.2/3.3), "
    "cited per row; "
    "energy = published MWh, or GPU-hours x W when only those are published (hatched)"
)


def _bar_labels(ax: Axes, bars, values: pd.Series, *, horizontal: bool = True) -> None:
    """Value at the end of each bar, in plain numbers."""
    ax.bar_label(bars, labels=[plain_number(round(v, 1)) for v in values], padding=3, fontsize=7)


# --- Seed figure 1: GPT-3, OPT, BLOOM, Gopher ------------------------------------------------------------------


def draw_175b(data: ChartData) -> Figure:
    df = data["models"].iloc[::-1]  # barh draws bottom-up; keep the query's order top-down
    fig, (ax_e, ax_c) = new_figure_grid(1, 2, figsize=(11, 4.6), sharey=True)
    colors = [f"C{i}" for i in pd.factorize(df["family"])[0]]
    bars = ax_e.barh(df["model_name"], df["energy_mwh"], color=colors)
    _bar_labels(ax_e, bars, df["energy_mwh"])
    ax_e.set_xlabel("Training energy (MWh)")
    bars = ax_c.barh(df["model_name"], df["co2_t"], color=colors)
    ax_c.bar_label(
        bars,
        labels=[
            f"{c:,.0f} t  ({g:,.0f} g/kWh)"
            for c, g in zip(df["co2_t"], df["implied_g_co2e_per_kwh"], strict=True)
        ],
        padding=3,
        fontsize=7,
    )
    ax_c.set_xlabel("Training emissions (t CO2e)")
    for ax in (ax_e, ax_c):
        ax.set_xlim(0, ax.get_xlim()[1] * 1.35)  # room for the value labels
        ax.grid(axis="y", visible=False)
    ax_e.tick_params(axis="y", labelsize=8)
    # The point of the figure: same size class, very different footprints (the grid matters as much as the model).
    ax_e.set_title(
        f"Energy: {df['energy_mwh'].max() / df['energy_mwh'].min():.1f}x between max and min", fontsize=10
    )
    ax_c.set_title(
        f"CO2: {df['co2_t'].max() / df['co2_t'].min():.0f}x between max and min (implied g CO2e/kWh)",
        fontsize=10,
    )
    return fig


FIG1 = ChartSpec(
    name="training_175b_models",
    title="Training the ~175B models: GPT-3, OPT, BLOOM and Gopher",
    description="Seed figure 1: training energy (MWh) and CO2 (t) of GPT-3, OPT, BLOOM and Gopher, every published "
    "accounting shown (alternates by name).",
    queries={
        "models": f"SELECT model_name, family, params_b, energy_mwh, energy_derived, co2_t, implied_g_co2e_per_kwh "
        f"FROM {FOOTPRINT} WHERE params_b BETWEEN 150 AND 300 AND energy_mwh > 0 AND co2_t > 0 "
        "ORDER BY energy_mwh DESC, model_name"
    },
    deps=("marts/fct_training_footprint",),
    provenance=FOOTPRINT_PROVENANCE,
    draw=draw_175b,
    seed_figure="1",
)
training_175b_models = chart_asset(FIG1)


# --- Energy and CO2 by model within the Llama families (no seed figure: the study's figure 2 is BLOOM) ----------


def draw_family(data: ChartData) -> Figure:
    df = data["models"]
    fig, (ax_e, ax_c) = new_figure_grid(1, 2, figsize=(12, 5.2))
    x = np.arange(len(df))
    families = list(dict.fromkeys(df["family"]))
    colors = [f"C{families.index(f)}" for f in df["family"]]
    for ax, col, label in (
        (ax_e, "energy_mwh", "Training energy (MWh, log scale)"),
        (ax_c, "co2_t", "Training emissions (t CO2e, log scale)"),
    ):
        hatches = [
            "//" if h else ""
            for h in (
                df["energy_derived"] if col == "energy_mwh" else ~df["co2_energy_consistent"].fillna(True)
            )
        ]
        bars = ax.bar(x, df[col], color=colors, hatch=hatches, edgecolor="white", linewidth=0.5)
        _bar_labels(ax, bars, df[col])
        log_axis(ax, "y")
        ax.set_ylim(top=df[col].max() * 3)
        ax.set_xticks(x, df["model_name"], rotation=45, ha="right", fontsize=8)
        ax.set_ylabel(label)
        ax.grid(axis="x", visible=False)
    ax_e.set_title("Energy (hatched: GPU-hours x W, not published)", fontsize=9)
    ax_c.set_title("CO2 (hatched: contradicts its own energy figure)", fontsize=9)
    ax_e.legend(
        handles=[Patch(color=f"C{i}", label=f) for i, f in enumerate(families)],
        loc="upper left",
        ncol=2,
        fontsize=7,
    )
    return fig


FIG2 = ChartSpec(
    name="training_llama_family",
    title="Training energy and CO2 within the Llama families",
    description="Training energy and CO2 per model of the LLaMA / Llama 2 / 3 / 3.1 / 3.2 / 3.3 families (log "
    "scale), derived energies and inconsistent CO2 hatched. Not a seed figure: the study's figure 2 is the BLOOM "
    "family (chart seed_fig02_bloom_family).",
    queries={
        "models": f"SELECT {MODEL_LABEL}, family, params_b, energy_mwh, energy_derived, co2_t, co2_energy_consistent "
        f"FROM {FOOTPRINT} WHERE family ILIKE 'llama%' AND energy_mwh > 0 AND co2_t > 0 "
        "ORDER BY family, params_b, model_name"
    },
    deps=("marts/fct_training_footprint",),
    provenance=FOOTPRINT_PROVENANCE,
    draw=draw_family,
)
training_llama_family = chart_asset(FIG2)


# --- Seed figure 9: emissions by model --------------------------------------------------------------------------


def draw_emissions(data: ChartData) -> Figure:
    df = data["models"].iloc[::-1]
    fig, ax = new_figure()
    fig.set_size_inches(9, 7.5)
    colors = [SIZE_CLASS_COLORS.get(c if isinstance(c, str) else None) for c in df["size_class"]]
    hatches = ["xx" if pd.notna(flag) and not flag else "" for flag in df["co2_energy_consistent"]]
    bars = ax.barh(
        df["model_name"], df["co2_t"], color=colors, hatch=hatches, edgecolor="white", linewidth=0.5
    )
    _bar_labels(ax, bars, df["co2_t"])
    log_axis(ax, "x")
    ax.set_xlim(right=df["co2_t"].max() * 4)
    ax.set_xlabel("Training emissions (t CO2e, log scale)")
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", visible=False)
    ax.legend(
        handles=[
            Patch(color=SIZE_CLASS_COLORS["SLM"], label=f"SLM (<= {data.slm_max_params_b:g}B)"),
            Patch(color=SIZE_CLASS_COLORS["LLM"], label=f"LLM (> {data.slm_max_params_b:g}B)"),
            Patch(color=SIZE_CLASS_COLORS[None], label="size not published per model"),
            Patch(facecolor="white", edgecolor="gray", hatch="xx", label="CO2 contradicts its energy"),
        ],
        loc="lower right",
    )
    return fig


FIG9 = ChartSpec(
    name="training_emissions_by_model",
    title="Training emissions by model (published figures)",
    description="Seed figure 9: published training CO2 (t, log scale) per model, coloured SLM/LLM, suspect figures "
    "hatched.",
    queries={
        "models": f"SELECT {MODEL_LABEL}, family, params_b, size_class, co2_t, co2_energy_consistent "
        f"FROM {FOOTPRINT} WHERE co2_t > 0 ORDER BY co2_t DESC, model_name"
    },
    deps=("marts/fct_training_footprint",),
    provenance=FOOTPRINT_PROVENANCE,
    draw=draw_emissions,
    seed_figure="9",
    size_axis=True,
)
training_emissions_by_model = chart_asset(FIG9)
