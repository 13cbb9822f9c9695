"""Energy of GreenLM's own runs: per answer (seed figure 13), GPU power (12 and 14), J per token by backend.

Shared queries and looks: ``greenlm_assets/lib/own_runs_common.py``.
"""

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.own_runs_common import (
    GPU_DEPS,
    GPU_PROVENANCE,
    GRID_NEW_TOKENS,
    GRID_RUNS,
    config_label,
    config_style,
    configs,
    legend_right,
    plot_configs,
    size_axis,
)
from greenlm_assets.lib.plotting import (
    SIZE_CLASS_COLORS,
    annotate_points,
    log_axis,
    log_ticks_125,
    new_figure,
    new_figure_grid,
)
from greenlm_assets.lib.seed_study import (
    COMPARISON_DEP,
    STUDY_CITATION,
    overlay_study,
    overlay_study_on_model_rows,
    study_points_sql,
)

# --- seed figure 13: energy per inference -----------------------------------------------------------------------------


def model_labels(df: pd.DataFrame) -> pd.DataFrame:
    """One row per model in size order, with its label and size-class colour."""
    models = df.groupby("model_key", as_index=False).agg(
        params_b=("params_b", "first"), size_class=("size_class", "first")
    )
    models = models.sort_values(["params_b", "model_key"]).reset_index(drop=True)
    models["label"] = [
        f"{m} ({p:.2g}B)" for m, p in zip(models["model_key"], models["params_b"], strict=True)
    ]
    return models


def draw_energy_per_answer(data: ChartData) -> Figure:
    df = data["runs"]
    models = model_labels(df)
    pos = dict(zip(models["model_key"], models.index, strict=True))
    batches = sorted(df["batch_size"].unique())
    tokens = ", ".join(str(int(t)) for t in sorted(df["new_tokens"].unique()))
    fig, axes = new_figure_grid(
        1, len(batches), figsize=(5.2 * len(batches) + 2, 7.0), sharey=True, sharex=True
    )
    for ax, batch in zip(axes, batches, strict=True):
        runs = df[df["batch_size"] == batch]
        groups = list(configs(runs))
        for i, ((backend, precision, b, new_tokens), grp) in enumerate(groups):
            style = config_style(backend, precision, b)
            # Configurations side by side within a model's row, so a model's several configurations stay readable.
            offset = (i - (len(groups) - 1) / 2) * 0.16
            ax.errorbar(
                grp["j_per_answer"],
                grp["model_key"].map(pos) + offset,
                xerr=grp["j_per_answer_sd"].fillna(0.0),
                color=style["color"],
                marker=style["marker"],
                linestyle="none",
                ms=5,
                capsize=2,
                elinewidth=0.9,
                label=config_label(backend, precision, b, new_tokens),
            )
        if batch == 1:  # the study's figure 13 is one request at a time
            overlay_study_on_model_rows(ax, data["study"], models, figure=13, unit="J per inference")
        log_axis(ax, "x")
        ax.set_xlabel(
            f"Energy per generated answer, J (log scale)\n= GPU J per output token x {tokens} tokens"
        )
        ax.set_title(f"batch {batch}: {len(runs)} runs" + (f" (each of the {batch} answers counted)" if batch > 1
                     else ""), fontsize=9)  # fmt: skip
        smaller = models.index[models["params_b"] <= data.slm_max_params_b]
        if len(smaller):  # the 7B boundary between the last SLM row and the first LLM row
            ax.axhline(smaller.max() + 0.5, color="crimson", ls="--", lw=1.2,
                       label=f"{data.slm_max_params_b:g}B SLM/LLM boundary")  # fmt: skip
    axes[0].set_yticks(models.index, models["label"])
    for tick, cls in zip(axes[0].get_yticklabels(), models["size_class"], strict=True):
        tick.set_color(SIZE_CLASS_COLORS.get(cls, SIZE_CLASS_COLORS[None]))
    axes[0].set_ylabel("Model (parameters); teal: SLM, orange: LLM")
    axes[0].invert_yaxis()
    # One legend for both panels, outside them (inside it covers the 8B points).
    handles: dict[str, object] = {}
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    axes[-1].legend(handles.values(), handles.keys(), loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0,
                    fontsize=7.5, frameon=False, title="error bars: +-1 sd\nover the repeat windows",
                    title_fontsize=7.5, alignment="left")  # fmt: skip
    return fig


FIG13 = ChartSpec(
    name="own_runs_energy_per_answer",
    title="Energy per generated 64-token answer of GreenLM's own runs, beside the seed study's figure 13",
    description="GreenLM's counterpart of seed figure 13 (mean GPU energy per inference, MacBook M1 Pro): GPU "
    "energy per generated answer (J per output token x the 64 tokens of each answer) per model and configuration, "
    "batch 1 and 32 side by side, +-1 sd error bars, NVIDIA H200; the study's 8B value (its own, longer answers) "
    "on the batch-1 panel. The fast path's 128-token answers are left out (a 128-token answer is not a 64-token "
    "one; their per-token energy is in own_runs_batch_sweep).",
    queries={
        # Per answer = per token x the tokens of one answer (generation is forced to new_tokens).
        "runs": "SELECT model_key, params_b, size_class, backend, precision, batch_size, new_tokens, "
        "j_per_output_token, j_per_output_token * new_tokens AS j_per_answer, "
        f"j_per_output_token_sd * new_tokens AS j_per_answer_sd FROM ({GRID_RUNS}) "
        f"WHERE new_tokens = {GRID_NEW_TOKENS} ORDER BY params_b, backend, batch_size",
        "study": study_points_sql(13),
    },
    deps=(*GPU_DEPS, COMPARISON_DEP),
    provenance=f"{GPU_PROVENANCE}; 64-token answers only; {STUDY_CITATION}",
    draw=draw_energy_per_answer,
    seed_figure="13",
    size_axis=True,
    tags=("own_runs",),
)
own_runs_energy_per_answer = chart_asset(FIG13)


# --- seed figures 12 and 14: average power -----------------------------------------------------------------------------


def draw_power(data: ChartData) -> Figure:
    df = data["runs"]
    fig, ax = new_figure()
    fig.set_size_inches(10.5, 6.2)
    idle_lo, idle_hi = float(df["p_idle_w"].min()), float(df["p_idle_w"].max())
    ax.axhspan(idle_lo, idle_hi, color="0.85", zorder=0)
    ax.scatter(df["params_b"], df["p_idle_w"], marker="_", s=60, color="0.35", zorder=2,
               label=f"idle with the model loaded, before each run ({idle_lo:.0f}-{idle_hi:.0f} W)")  # fmt: skip
    plot_configs(ax, df, "avg_power_w", "avg_power_w_sd")
    size_axis(ax, data)
    overlay_study(ax, data["study"])
    ax.set_ylim(0, max(float(df["avg_power_w"].max()), float(data["study"]["study_value"].max())) * 1.1)
    ax.set_ylabel("Average GPU power over the measured windows, W (NVML)")
    busiest = float((df["avg_power_w"] / df["p_idle_w"]).max())
    ax.set_title(f"Grey band: idle power with the model loaded ({idle_lo:.0f}-{idle_hi:.0f} W);\nthe busiest run "
                 f"draws {busiest:.1f}x its idle power; error bars +-1 sd over the windows", fontsize=9)  # fmt: skip
    legend_right(ax)
    return fig


FIG12 = ChartSpec(
    name="own_runs_average_power",
    title="Average GPU power of GreenLM's own runs, idle marked, beside the seed study's figures 12 and 14",
    description="GreenLM's counterpart of seed figures 12 (energy per second of LLaMA 7B on an A100, Samsi et al.) "
    "and 14 (mean GPU power per model, MacBook M1 Pro; its 8B value derived as fig 13 / fig 15): average GPU "
    "power (NVML energy / window) per run and configuration vs parameters, +-1 sd over the windows, the idle power "
    "p_idle_w measured with the model loaded before each run, and the study's values (star: A100, cross: M1 Pro).",
    queries={
        "runs": GRID_RUNS + " ORDER BY backend, batch_size, params_b",
        "study": study_points_sql(12, 14),
    },
    deps=(*GPU_DEPS, COMPARISON_DEP),
    provenance=f"{GPU_PROVENANCE}; {STUDY_CITATION}",
    draw=draw_power,
    seed_figure="12, 14",
    size_axis=True,
    tags=("own_runs",),
)
own_runs_average_power = chart_asset(FIG12)

# --- J per token vs parameters, run well vs run naively (no seed figure shows J per token) --------------------------


def draw_j_per_token(data: ChartData) -> Figure:
    df = data["runs"]
    fig, ax = new_figure()
    fig.set_size_inches(10.5, 6.2)
    plot_configs(ax, df, "j_per_output_token", "j_per_output_token_sd")
    # The gap: for every model measured both ways at the same batch, eager / compiled J per token.
    pairs = data["gap"]
    for _, p in pairs.iterrows():
        ax.plot(
            [p["params_b"]] * 2, [p["eager_j"], p["compiled_j"]], color="0.55", lw=3, alpha=0.35, zorder=1
        )
    mid = np.sqrt(pairs["eager_j"] * pairs["compiled_j"])
    annotate_points(ax, pairs["params_b"], mid, [f"x{r:.1f}" for r in pairs["ratio"]], fontsize=7,
                    avoid=(df["params_b"], df["j_per_output_token"]), marker_radius_pt=4)  # fmt: skip
    size_axis(ax, data)
    ax.set_yscale("log")
    log_ticks_125(ax.yaxis)
    ax.set_ylabel("GPU energy per output token, J (log scale, NVML)")
    ax.set_title(
        "Grey bars: the same model run eager vs compiled at the same batch, labelled eager / compiled",
        fontsize=9,
    )
    legend_right(ax)
    return fig


J_PER_TOKEN = ChartSpec(
    name="own_runs_j_per_token_vs_params",
    title="Run well vs run naively: GPU J per token vs parameters, eager vs compiled",
    description="GPU J per output token vs parameters (log-log, 7B line) of every GreenLM run, eager vs "
    "static-cache compiled at batch 1 and 32, with the eager/compiled ratio for each model measured both ways "
    "(128-token fast-path runs as their own series). None of the seed study's figures shows J per token.",
    queries={
        "runs": GRID_RUNS + " ORDER BY backend, batch_size, params_b",
        "gap": f"""
            WITH runs AS ({GRID_RUNS})
            SELECT e.model_key, e.params_b, e.batch_size, e.j_per_output_token AS eager_j,
                c.j_per_output_token AS compiled_j, e.j_per_output_token / c.j_per_output_token AS ratio
            FROM runs AS e JOIN runs AS c
                ON e.model_key = c.model_key AND e.batch_size = c.batch_size AND e.precision = c.precision
                AND e.new_tokens = c.new_tokens  -- one current run per configuration: one pair, nothing to average
            WHERE e.backend = 'pytorch' AND c.backend = 'pytorch-compile'
            ORDER BY e.params_b, e.batch_size""",
    },
    deps=GPU_DEPS,
    provenance=GPU_PROVENANCE
    + "; ratio = eager / compiled J per token of the same model, batch and precision",
    draw=draw_j_per_token,
    size_axis=True,
    tags=("own_runs",),
)
own_runs_j_per_token_vs_params = chart_asset(J_PER_TOKEN)
