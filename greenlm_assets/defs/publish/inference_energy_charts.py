"""Third-party inference energy: seed figure 6 (energy per 1M tokens vs parameters by processor) and J/token vs batch.

The two energy scopes never share an axis: LLM-Perf measures the whole machine (CodeCarbon: CPU + RAM + GPU) at
batch size 1, ML.ENERGY only the GPUs (NVML) at its own batch sizes. Each gets its own panel.
"""

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.plotting import draw_size_boundary, log_axis, new_figure_grid, plain_number

RUNS = "intermediate.int_third_party_runs_unioned"
RUNS_PROVENANCE = (
    "intermediate.int_third_party_runs_unioned <- raw.llm_perf_runs (Hugging Face LLM-Perf leaderboard, "
    "optimum-benchmark; energy_scope machine: CodeCarbon CPU+RAM+GPU) and raw.ml_energy_runs (ML.ENERGY "
    "leaderboard v1/v2/v3; energy_scope gpu: NVML); parameters from the Open LLM Leaderboard where LLM-Perf has none"
)
SCOPE_TITLES = {
    "machine": "Whole machine (CPU + RAM + GPU), LLM-Perf, batch size 1",
    "gpu": "GPUs only (NVML), ML.ENERGY v1-v3, batch sizes 1 to 4,096",
}
# Half-decade bins for the per-processor median line (so one busy model size does not dominate the line).
BINS_PER_DECADE = 2


def _binned_median(grp: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Median of y per half-decade of x, placed at the bin's geometric median of x; bins with one run dropped."""
    bins = np.floor(np.log10(grp[x]) * BINS_PER_DECADE)
    out = grp.groupby(bins).agg(x=(x, "median"), y=(y, "median"), n=(y, "size"))
    return out[out["n"] >= 2]


def draw_energy_vs_params(data: ChartData) -> Figure:
    df = data["runs"]
    scopes = [s for s in SCOPE_TITLES if s in set(df["energy_scope"])]
    fig, axes = new_figure_grid(1, len(scopes), figsize=(6.4 * len(scopes), 5.8), sharey=True)
    for ax, scope in zip(axes, scopes, strict=True):
        runs = df[df["energy_scope"] == scope]
        # Processors in order of their median energy, so the legend reads like the chart.
        order = runs.groupby("hardware")["kwh_per_1m_tokens"].median().sort_values().index
        for i, hw in enumerate(order):
            grp = runs[runs["hardware"] == hw]
            color = f"C{i}"
            ax.scatter(grp["params_b"], grp["kwh_per_1m_tokens"], s=9, alpha=0.3, color=color, lw=0)
            med = _binned_median(grp, "params_b", "kwh_per_1m_tokens")
            ax.plot(
                med["x"],
                med["y"],
                "o-",
                color=color,
                ms=4,
                lw=1.8,
                label=f"{hw} (n={len(grp)})",
            )
        draw_size_boundary(ax, data.slm_max_params_b)
        log_axis(ax)
        ax.set_xlabel("Parameters (billions, log scale)")
        ax.set_title(SCOPE_TITLES[scope], fontsize=9.5)
        ax.legend(
            loc="upper left", fontsize=7, title="processor (line: median per half-decade)", title_fontsize=7
        )
    axes[0].set_ylabel("Energy per 1M output tokens (kWh, log scale)")
    return fig


FIG6 = ChartSpec(
    name="inference_energy_vs_params",
    title="Energy per 1M generated tokens vs model size, by processor",
    description="Seed figure 6: measured inference energy per 1M output tokens (kWh = Wh per 1K tokens) vs "
    "parameters, per processor; whole-machine (LLM-Perf) and GPU-only (ML.ENERGY) scopes in separate panels.",
    queries={
        # kWh per 1M tokens equals Wh per 1K tokens (both are x1000 of the same ratio): one number, two names.
        "runs": "SELECT source, energy_scope, hardware, source_model_id, params_b, batch_size, precision, "
        f"wh_per_1k_tokens AS kwh_per_1m_tokens FROM {RUNS} "
        "WHERE params_b > 0 AND wh_per_1k_tokens > 0 ORDER BY energy_scope, hardware, params_b"
    },
    deps=("intermediate/int_third_party_runs_unioned",),
    provenance=RUNS_PROVENANCE,
    draw=draw_energy_vs_params,
    seed_figure="6",
    size_axis=True,
    tags=("inference",),
)
inference_energy_vs_params = chart_asset(FIG6)


# --- J/token vs batch size ----------------------------------------------------------------------------------------

BATCH_SOURCE = "ml_energy_v3"
BATCH_TASK = "lm-arena-chat"  # the task with the most models in v3, so every line answers the same prompts
# Viridis without its palest yellows, which vanish on a white background.
CMAP = ListedColormap(matplotlib.colormaps["viridis"](np.linspace(0, 0.85, 256)))


def draw_energy_vs_batch(data: ChartData) -> Figure:
    df = data["runs"]
    hardware = sorted(df["hardware"].unique())
    fig, axes = new_figure_grid(
        1,
        len(hardware) + 1,
        figsize=(6.2 * len(hardware) + 1, 5.6),
        gridspec_kw={"width_ratios": [1] * len(hardware) + [0.035]},
    )
    panels, cax = axes[:-1], axes[-1]
    # The colour scale reaches below the threshold so the 7B mark is on it even when every model is larger.
    norm = LogNorm(vmin=min(df["params_b"].min(), data.slm_max_params_b / 1.5), vmax=df["params_b"].max())
    for ax, hw in zip(panels, hardware, strict=True):
        runs = df[df["hardware"] == hw]
        for _key, grp in runs.groupby(["source_model_id", "precision", "num_gpus"]):
            grp = grp.sort_values("batch_size")
            color = CMAP(norm(grp["params_b"].iloc[0]))
            ax.plot(grp["batch_size"], grp["j_per_output_token"], "-o", color=color, ms=3, lw=1.3, alpha=0.9)
        log_axis(ax)
        ax.set_xlabel("Batch size (max concurrent requests, log scale)")
        ax.set_title(f"{hw}: {runs['source_model_id'].nunique()} models, {len(runs)} runs", fontsize=10)
    ymin = min(ax.get_ylim()[0] for ax in panels)
    ymax = max(ax.get_ylim()[1] for ax in panels)
    for ax in panels:
        ax.set_ylim(ymin, ymax)
    panels[0].set_ylabel("GPU energy per output token (J, log scale)")
    cbar = fig.colorbar(ScalarMappable(norm=norm, cmap=CMAP), cax=cax)
    cbar.set_label("Parameters (billions, log colour scale)")
    cbar.ax.yaxis.set_major_formatter(FuncFormatter(plain_number))
    cbar.ax.axhline(data.slm_max_params_b, color="crimson", lw=2, ls="--")
    cbar.ax.text(
        -0.3,
        data.slm_max_params_b,
        f"{data.slm_max_params_b:g}B",
        color="crimson",
        fontsize=7,
        ha="right",
        va="center",
        transform=cbar.ax.get_yaxis_transform(),
    )
    return fig


BATCH = ChartSpec(
    name="inference_energy_vs_batch_size",
    title="Batching: GPU energy per token falls as more requests share the GPUs",
    description=f"GPU energy per output token vs batch size, one line per model (colour: parameters), ML.ENERGY "
    f"v3, task {BATCH_TASK}, H100 and B200 (intermediate.int_third_party_runs_unioned, energy_scope gpu).",
    queries={
        "runs": "SELECT hardware, source_model_id, params_b, precision, num_gpus, batch_size, j_per_output_token "
        f"FROM {RUNS} WHERE source = '{BATCH_SOURCE}' AND task = '{BATCH_TASK}' AND energy_scope = 'gpu' "
        "AND params_b > 0 AND batch_size > 0 ORDER BY hardware, source_model_id, batch_size"
    },
    deps=("intermediate/int_third_party_runs_unioned",),
    provenance=f"{RUNS} <- raw.ml_energy_runs (ML.ENERGY leaderboard v3, vLLM, energy_scope gpu: NVML over the "
    "run's GPUs; one line per model x precision x GPU count)",
    draw=draw_energy_vs_batch,
    size_axis=True,
    tags=("inference",),
)
inference_energy_vs_batch_size = chart_asset(BATCH)
