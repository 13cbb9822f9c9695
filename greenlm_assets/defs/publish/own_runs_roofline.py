"""How close GreenLM's own runs come to the H200's decode bound: per configuration, and per batch size.

The batch sweep is the fast path's. Shared queries and looks: ``greenlm_assets/lib/own_runs_common.py``.
"""

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.own_runs_common import (
    GPU_DEPS,
    GPU_PROVENANCE,
    GPU_RUNS,
    GRID_RUNS,
    legend_right,
    plot_configs,
    size_axis,
)
from greenlm_assets.lib.plotting import log_ticks_125, new_figure, new_figure_grid

# --- roofline efficiency per configuration (no seed figure) ---------------------------------------------------------


def draw_roofline(data: ChartData) -> Figure:
    df = data["runs"].assign(efficiency_pct=lambda d: d["roofline_efficiency"] * 100)
    fig, ax = new_figure()
    fig.set_size_inches(10.5, 6.2)
    plot_configs(ax, df, "efficiency_pct", "efficiency_pct_sd")
    ax.axhline(100, color="black", lw=1)
    ax.text(
        0.01, 100, "100% = the decode bound", transform=ax.get_yaxis_transform(), va="bottom", fontsize=7.5
    )
    size_axis(ax, data)
    ax.set_yscale("log")
    log_ticks_125(ax.yaxis)
    ax.set_ylim(top=200)
    ax.set_ylabel("Measured tokens/s as % of the decode roofline bound (log scale)")
    ax.set_title(
        "Bound = min(batch x 4.8 TB/s / weight bytes, peak bf16 FLOP/s / (2 x params)), KV-cache reads ignored",
        fontsize=9,
    )
    legend_right(ax)
    return fig


ROOFLINE = ChartSpec(
    name="own_runs_roofline_efficiency",
    title="How close GreenLM's own runs come to the H200's decode bound, per configuration",
    description="Roofline efficiency (measured tokens/s over the decode bound of the harness, from the H200's "
    "bandwidth and bf16 peak) per configuration vs parameters, +-1 sd of tokens/s scaled by the bound (128-token "
    "fast-path runs as their own series). None of the seed study's figures shows it.",
    queries={
        "runs": "SELECT model_key, params_b, backend, precision, batch_size, new_tokens, tokens_per_s, "
        "bound_tokens_per_s, "
        "roofline_efficiency, tokens_per_s_sd / bound_tokens_per_s * 100 AS efficiency_pct_sd "
        f"FROM ({GRID_RUNS}) WHERE roofline_efficiency > 0 ORDER BY backend, batch_size, params_b"
    },
    deps=GPU_DEPS,
    provenance=GPU_PROVENANCE
    + "; bound: H200 4.8 TB/s and 989.5 TFLOP/s bf16 dense (Epoch AI hardware table), "
    "weight bytes = parameters x bytes per stored parameter (int8 1, int4 0.5)",
    draw=draw_roofline,
    size_axis=True,
    tags=("own_runs",),
)
own_runs_roofline_efficiency = chart_asset(ROOFLINE)

# --- the batch sweep of the fast path: where each model stops gaining from batching -----------------------------------

FAST_BACKEND = "pytorch-cudagraph"


def draw_batch_sweep(data: ChartData) -> Figure:
    df = data["runs"]
    fig, (ax_t, ax_j) = new_figure_grid(1, 2, figsize=(12, 5.4))
    colors = matplotlib.colormaps["viridis"](np.linspace(0.05, 0.85, max(df["model_key"].nunique(), 1)))
    for color, (model, grp) in zip(colors, df.groupby("params_b", sort=True), strict=False):
        grp = grp.sort_values("batch_size")
        name = f"{grp['model_key'].iloc[0]} ({model:.2g}B)"
        ax_t.errorbar(grp["batch_size"], grp["tokens_per_s"], yerr=grp["tokens_per_s_sd"].fillna(0.0),
                      color=color, marker="o", lw=1.2, capsize=2.5, label=f"{name}: measured")  # fmt: skip
        ax_t.plot(grp["batch_size"], grp["bound_tokens_per_s"], color=color, ls=":", lw=1.0,
                  label=f"{name}: decode roofline bound")  # fmt: skip
        ax_j.plot(grp["batch_size"], grp["j_per_output_token"], color=color, marker="o", lw=1.2, label=name)
        ax_j.plot(grp["batch_size"], grp["j_per_output_token_net"], color=color, marker="o", mfc="none", ls="--",
                  lw=0.9, label=f"{name}: idle subtracted")  # fmt: skip
    for ax in (ax_t, ax_j):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("Batch size (sequences decoded together, log2 scale)")
    log_ticks_125(ax_t.yaxis)
    log_ticks_125(ax_j.yaxis)
    ax_t.set_ylabel("Generated tokens per second, whole batch (log scale)")
    ax_j.set_ylabel("GPU J per output token, NVML counter (log scale)")
    ax_t.set_title("Measured vs bound: the gap widens with batch (attention, power cap)", fontsize=9)
    ax_j.set_title("Energy per token: raw and net of idle power", fontsize=9)
    ax_t.legend(fontsize=7, frameon=False, loc="upper left")
    ax_j.legend(fontsize=7, frameon=False, loc="upper right")
    return fig


SWEEP = ChartSpec(
    name="own_runs_batch_sweep",
    title="The fast path across batch sizes: tokens/s, the roofline bound and J per token",
    description="GreenLM's fast path (static KV cache, compiled step replayed as a CUDA graph) on one H200, bf16, "
    "128 prompt + 128 new tokens: measured tokens/s against the decode roofline bound min(batch x bandwidth bound, "
    "compute bound) and GPU J per output token (raw and idle-subtracted) for every batch size measured.",
    queries={
        "runs": f"SELECT model_key, params_b, batch_size, tokens_per_s, tokens_per_s_sd, bound_tokens_per_s, "
        f"roofline_efficiency, j_per_output_token, j_per_output_token_net, avg_power_w FROM ({GPU_RUNS}) "
        f"WHERE backend = '{FAST_BACKEND}' "
        "AND precision = 'bf16' AND new_tokens = 128 ORDER BY params_b, batch_size"
    },
    deps=GPU_DEPS,
    provenance=GPU_PROVENANCE
    + "; bound: H200 4.8 TB/s and 989.5 TFLOP/s bf16 dense (Epoch AI hardware table)",
    draw=draw_batch_sweep,
    tags=("own_runs",),
)
own_runs_batch_sweep = chart_asset(SWEEP)
