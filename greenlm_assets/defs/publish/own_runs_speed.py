"""Speed of GreenLM's own runs: tokens/s (seed figures 10 and 11), time per token and to the first token (15).

Shared queries and looks: ``greenlm_assets/lib/own_runs_common.py``.
"""

from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.own_runs_common import (
    GPU_DEPS,
    GPU_PROVENANCE,
    GRID_RUNS,
    legend_right,
    plot_configs,
    size_axis,
)
from greenlm_assets.lib.plotting import log_ticks_125, new_figure, new_figure_grid
from greenlm_assets.lib.seed_study import COMPARISON_DEP, STUDY_CITATION, overlay_study, study_points_sql

# --- seed figures 10 and 11: tokens/s -------------------------------------------------------------------------------


def draw_tokens_per_s(data: ChartData) -> Figure:
    df = data["runs"]
    fig, ax = new_figure()
    fig.set_size_inches(10.5, 6.2)
    plot_configs(ax, df, "tokens_per_s", "tokens_per_s_sd")
    size_axis(ax, data)
    ax.set_yscale("log")
    log_ticks_125(ax.yaxis)
    ax.set_ylabel("Generated tokens per second, whole batch (log scale)")
    ax.set_title(
        f"{df['model_key'].nunique()} models, {len(df)} runs; error bars: +-1 sd over the repeat windows;\n"
        "stars/crosses: the seed study (A100 batched, MacBook M1 Pro one request)",
        fontsize=9,
    )
    overlay_study(ax, data["study"])
    legend_right(ax)
    return fig


FIG10 = ChartSpec(
    name="own_runs_tokens_per_s",
    title="Throughput of GreenLM's own runs on one H200, beside the seed study's figures 10 and 11",
    description="GreenLM's counterpart of seed figures 10 (tokens/s of LLaMA 7B/13B/65B on an A100, Samsi et al.) "
    "and 11 (tokens/s of 1B/3B/8B models on a MacBook M1 Pro through GPT4All): generated tokens/s vs parameters "
    "for each configuration GreenLM measured on an NVIDIA H200 (eager vs static-cache compiled bf16, batch 1, 32 "
    "and 64, int8/int4 weight-only; 128-token fast-path runs as their own series), +-1 sd error bars, with the "
    "study's values as stars (fig 10) and crosses (fig 11).",
    queries={
        "runs": GRID_RUNS + " ORDER BY backend, batch_size, params_b",
        "study": study_points_sql(10, 11),
    },
    deps=(*GPU_DEPS, COMPARISON_DEP),
    provenance=f"{GPU_PROVENANCE}; {STUDY_CITATION}",
    draw=draw_tokens_per_s,
    seed_figure="10, 11",
    size_axis=True,
    tags=("own_runs",),
)
own_runs_tokens_per_s = chart_asset(FIG10)

# --- seed figure 15: inference time -----------------------------------------------------------------------------------


def draw_inference_time(data: ChartData) -> Figure:
    df = data["runs"]
    fig, axes = new_figure_grid(1, 2, figsize=(13, 5.8))
    plot_configs(axes[0], df, "ms_per_token", "ms_per_token_sd")
    plot_configs(axes[1], df, "ttft_ms", None, connect=False)
    for ax in axes:
        size_axis(ax, data)
        ax.set_yscale("log")
        log_ticks_125(ax.yaxis)
    # The study's per-inference times over answers of unknown length: per token, its figure 11 speed is the match.
    overlay_study(axes[0], data["study"], figure=11, transform=lambda tok_s: 1000.0 / tok_s, unit="ms/token",
                  label="seed study figs 11/15: MacBook M1 Pro, GPT4All, 1 request (1000 / its tok/s)")  # fmt: skip
    study_handles = [(h, lb) for h, lb in zip(*axes[0].get_legend_handles_labels(), strict=True)
                     if lb.startswith("seed study")]  # fmt: skip
    if study_handles:  # the configurations' legend is beside the right panel
        axes[0].legend(*zip(*study_handles, strict=True), loc="lower right", fontsize=7)
    axes[0].set_ylabel("ms per generated token, as one request sees it (log scale)")
    axes[0].set_title("Time per token = batch x 1000 / tokens per s (+-1 sd)", fontsize=9)
    axes[1].set_ylabel("Time to first token, ms (log scale)")
    axes[1].set_title(
        "Time to first token (a 1-token generation of the prompt; one value per run)", fontsize=9
    )
    legend_right(axes[1])
    return fig


FIG15 = ChartSpec(
    name="own_runs_inference_time",
    title="Inference time of GreenLM's own runs per token and to the first token, beside the seed study's fig 15",
    description="GreenLM's counterpart of seed figure 15 (mean inference time, MacBook M1 Pro): ms per generated "
    "token seen by one request (batch x 1000 / tokens per s, +-1 sd by the delta method) and time to first token, "
    "per configuration vs parameters, NVIDIA H200. The study's times are per answer of unstated length; per token "
    "its speed (figure 11) is drawn; per answer, at matched length, see seed_studies_side_by_side.",
    queries={
        # One request's view: the batch shares the throughput, so each sequence gets tokens_per_s / batch.
        # sd(1/x) ~ sd(x) / x^2 (first-order delta method) carries the repeat spread over.
        "runs": "SELECT model_key, params_b, backend, precision, batch_size, new_tokens, tokens_per_s, "
        "batch_size * 1000.0 / tokens_per_s AS ms_per_token, "
        "batch_size * 1000.0 * tokens_per_s_sd / (tokens_per_s * tokens_per_s) AS ms_per_token_sd, "
        f"ttft_s * 1000.0 AS ttft_ms FROM ({GRID_RUNS}) ORDER BY backend, batch_size, params_b",
        "study": study_points_sql(11, 15),
    },
    deps=(*GPU_DEPS, COMPARISON_DEP),
    provenance=f"{GPU_PROVENANCE}; {STUDY_CITATION}",
    draw=draw_inference_time,
    seed_figure="15",
    size_axis=True,
    tags=("own_runs",),
)
own_runs_inference_time = chart_asset(FIG15)
