"""GreenLM's own measured runs: the counterparts of seed figures 10-15, the SmolLM-135M table, CodeCarbon's machine
total vs the NVML counter (what its host estimate adds; its GPU part reads the same counter and is no cross-check).

Every number comes from ``staging.stg_benchmark_runs__runs`` (the harness's rows, ``data/measurements/*.jsonl``),
joined to ``marts.fct_inference_efficiency`` for the size class and the roofline and to
``marts.fct_co2_per_1k_tokens`` for CO2. Only finished runs that meet the protocol (``status = 'ok'`` and
``meets_protocol``: >= 3 windows of >= 5 s) are drawn, one run per configuration (``is_current``: a configuration
measured again shows its latest run); failed runs and smoke runs are left out, and every footnote says so. GPU charts
are gpu scope only (the H200's NVML counter); the CPU rows (energy = CodeCarbon's estimate) appear only in the
SmolLM-135M table, labelled ESTIMATE, never on a GPU axis.

The seed study's figures 10-15 (issue 16): 10 tokens/s of LLaMA on an A100 (Samsi et al.), 11 tokens/s of 1B/3B/8B
models on a MacBook M1 Pro (GPT4All), 12 energy per second (power) of LLaMA 7B on an A100, 13 GPU energy per inference,
14 GPU power and 15 inference time, the last three on the M1 Pro. Each chart of the same quantity carries the
seed_figure it answers and draws the study's values beside GreenLM's (``lib/seed_study.py``); the J-per-token and
roofline charts answer none of them. Answers of 64 and 128 new tokens are separate series, never one line.
"""

import re
from collections.abc import Iterable

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.paths import REPO_ROOT
from greenlm_assets.lib.plotting import (
    SIZE_CLASS_COLORS,
    annotate_points,
    draw_size_boundary,
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

RUNS = "staging.stg_benchmark_runs__runs"
EFFICIENCY = "marts.fct_inference_efficiency"
CO2 = "marts.fct_co2_per_1k_tokens"
GRID = "staging.stg_codecarbon__grid_carbon_intensity"
MEASUREMENTS_DIR = REPO_ROOT / "data" / "measurements"
CO2_COUNTRY = "USA"  # the seed SmolLM study's example (South Carolina) is the US national average here


def measured_on(pattern: str) -> str:
    """Dates of the committed measurement files matching ``pattern`` (the harness names them by date)."""
    dates = {
        m.group(0) for f in MEASUREMENTS_DIR.glob(pattern) if (m := re.search(r"\d{4}-\d{2}-\d{2}", f.name))
    }
    return ", ".join(sorted(dates)) or "undated"


GPU_DATE = measured_on("gpu_h200_*.jsonl")
CPU_DATE = measured_on("cpu_*.jsonl")
LEFT_OUT = (
    "finished runs meeting the protocol only (>= 3 windows of >= 5 s), the latest run of a configuration measured "
    "again; failed runs (status=failed, reason in failure_reason) and smoke runs left out"
)
GPU_PROVENANCE = (
    f"{RUNS} (data/measurements/*.jsonl, greenlm-bench; random weights from each model's config.json, SQuAD "
    f"prompts, 128 prompt + 64 or 128 new tokens (column new_tokens), 3-5 windows) and {EFFICIENCY}; GreenLM measurements, NVIDIA H200, "
    f"{GPU_DATE}; energy_scope gpu (NVML counter); figures are ratios of sums over the windows; provenance: "
    "no committed H200 row is tied to a clean commit (git_dirty true or unrecorded: provenance_clean = false in "
    f"staging and the marts); {LEFT_OUT}"
)

# The GPU rows every GPU chart starts from, with the mart's size class and roofline (same run: 'greenlm:' || run_id).
GPU_RUNS = f"""
    SELECT r.run_id, r.model_key, r.params_b, r.backend, r.precision, r.batch_size, r.new_tokens, r.repeats,
        r.tokens_per_s, r.tokens_per_s_sd, r.ttft_s, r.j_per_output_token, r.j_per_output_token_sd,
        r.j_per_output_token_net,
        r.avg_power_w, r.avg_power_w_sd, r.p_idle_w, r.energy_j, r.energy_total_j, r.energy_scope,
        r.codecarbon_energy_kwh, r.codecarbon_gpu_energy_kwh,
        f.size_class, f.roofline_efficiency, f.bound_tokens_per_s
    FROM {RUNS} AS r
    LEFT JOIN {EFFICIENCY} AS f ON f.inference_run_key = 'greenlm:' || r.run_id
    WHERE r.status = 'ok' AND r.meets_protocol AND r.is_current AND r.device = 'cuda' AND r.energy_scope = 'gpu'
"""
# Charts against model size show the grid's batch sizes; the batch sweep (4-256) has its own chart.
SIZE_BATCHES = (1, 32, 64)
# The grid's answers are 64 new tokens; the fast path's runs generate 128. A chart never joins the two in one series:
# per-token charts draw 128-token runs as their own (hollow, labelled) series, per-answer charts keep 64 only.
GRID_NEW_TOKENS = 64
GRID_RUNS = GPU_RUNS + f" AND r.batch_size IN {SIZE_BATCHES}"
GPU_DEPS = ("staging/stg_benchmark_runs__runs", "marts/fct_inference_efficiency")

# --- one look per configuration: colour = how it was run, marker/line = batch size and quantisation ----------------

BACKEND_NAMES = {
    "pytorch": "eager",
    "pytorch-compile": "compiled",
    "pytorch-cudagraph": "compiled + CUDA graph",
    "quanto": "quanto",
    "torchao": "torchao",
    "onnxruntime": "ONNX Runtime",
    "onnxruntime-lean": "ONNX Runtime, lean graph",
}
BACKEND_COLORS = {
    "pytorch": "#1f77b4",
    "pytorch-compile": "#ff7f0e",
    "pytorch-cudagraph": "#2ca02c",
    "quanto": "#9467bd",
    "torchao": "#8c564b",
}
BACKEND_ORDER = list(BACKEND_COLORS)


def config_label(backend: str, precision: str, batch: int, new_tokens: int = GRID_NEW_TOKENS) -> str:
    tokens = "" if new_tokens == GRID_NEW_TOKENS else f", {new_tokens}-token answers"
    return f"{BACKEND_NAMES.get(backend, backend)} {precision.replace('-weight', ' weights')}, batch {batch}{tokens}"


def config_style(backend: str, precision: str, batch: int) -> dict[str, object]:
    """Colour per backend; circle/solid for batch 1, square/dashed for 32, triangle/dotted for 64; diamond/triangle
    down for int8/int4."""
    marker = {1: "o", 32: "s"}.get(batch, "^")
    if precision.startswith("int8"):
        marker = "D"
    elif precision.startswith("int4"):
        marker = "v"
    return {
        "color": BACKEND_COLORS.get(backend, "0.4"),
        "marker": marker,
        "linestyle": {1: "-", 32: "--"}.get(batch, ":"),
    }


def configs(df: pd.DataFrame) -> Iterable[tuple[tuple[str, str, int, int], pd.DataFrame]]:
    """Groups of runs per (backend, precision, batch, answer length) in a stable reading order, sorted by size."""
    df = df.assign(_order=df["backend"].map({b: i for i, b in enumerate(BACKEND_ORDER)}).fillna(99))
    for key, grp in df.sort_values(["_order", "batch_size", "precision", "new_tokens"]).groupby(
        ["backend", "precision", "batch_size", "new_tokens"], sort=False
    ):
        yield (str(key[0]), str(key[1]), int(key[2]), int(key[3])), grp.sort_values("params_b")


def plot_configs(
    ax: Axes, df: pd.DataFrame, y: str, yerr: str | None = None, *, connect: bool = True
) -> None:
    """One series per configuration, +-1 sd error bars over the repeat windows; quantised runs unconnected;
    runs of another answer length than the grid's hollow and labelled."""
    for (backend, precision, batch, new_tokens), grp in configs(df):
        style = config_style(backend, precision, batch)
        quantised = precision.startswith("int")
        ax.errorbar(
            grp["params_b"],
            grp[y],
            yerr=None if yerr is None else grp[yerr].fillna(0.0),
            color=style["color"],
            marker=style["marker"],
            linestyle=style["linestyle"] if connect and not quantised else "none",
            lw=1.1,
            ms=5 if not quantised else 6,
            capsize=2.5,
            elinewidth=0.9,
            mfc="none" if new_tokens != GRID_NEW_TOKENS else style["color"],
            label=config_label(backend, precision, batch, new_tokens),
            zorder=3,
        )


def size_axis(ax: Axes, data: ChartData) -> None:
    draw_size_boundary(ax, data.slm_max_params_b)
    ax.set_xscale("log")
    log_ticks_125(ax.xaxis)
    ax.set_xlabel("Parameters (billions, log scale)")


def legend_right(ax: Axes) -> None:
    """The configuration legend right of the axes (inside, it would cover points; below, it collides with the
    tick labels after the final tight layout, which does make room for an axes legend on the side)."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0, fontsize=7.5, frameon=False,
              title="eager = HF generate\ncompiled = static KV cache\n   + torch.compile\n+ CUDA graph = GreenLM's own\n   decoding loop, step replayed\n   as a graph\nanswers: 64 new tokens unless\n   the label says 128 (hollow)",
              title_fontsize=7.5,
              alignment="left")  # fmt: skip


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


# --- the SmolLM-135M study table as a figure -------------------------------------------------------------------------

STUDY_MODEL = "smollm-135m"
STUDY_COLUMNS = (
    ("wh_per_1k_tokens", "Wh per 1K tokens"),
    ("s_per_token", "s per token\n(1 / tokens per s)"),
    ("g_co2e_per_1k_tokens", f"g CO2e per 1K tokens\n({CO2_COUNTRY} grid)"),
)
# pytorch and pytorch-compile ran Hugging Face transformers' generate; the CUDA-graph path is GreenLM's own loop.
HF_GENERATE = "HF generate (PyTorch)"
FRAMEWORKS = {
    "onnxruntime": "ONNX Runtime",
    "onnxruntime-lean": "ONNX Runtime",
    "pytorch-cudagraph": "GreenLM's own decoding loop",
}
# how each backend runs within its framework
VARIANTS = {
    "pytorch": "eager",
    "pytorch-compile": "compiled",
    "pytorch-cudagraph": "CUDA graph",
    "onnxruntime-lean": "lean graph",
}
DEVICES = {"cpu": "CPU", "cuda": "GPU"}


def study_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The study's grid: measured rows, plus one 'not run' row per device x framework nobody measured."""
    df = df.copy()
    df["framework"] = df["backend"].map(FRAMEWORKS).fillna(HF_GENERATE)
    df["label"] = [
        f"{DEVICES.get(d, d)} · {fw} · {VARIANTS.get(b, '')} {p}, batch {int(n)}".replace("  ", " ")
        for d, fw, b, p, n in zip(
            df["device"], df["framework"], df["backend"], df["precision"], df["batch_size"], strict=True
        )  # fmt: skip
    ]
    missing = [
        {"device": d, "framework": fw, "label": f"{DEVICES[d]} · {fw}: not run", "not_run": True}
        for d in DEVICES
        for fw in (HF_GENERATE, "ONNX Runtime")
        if df[(df["device"] == d) & (df["framework"] == fw)].empty
    ]
    out = pd.concat([df.assign(not_run=False), pd.DataFrame(missing)], ignore_index=True)
    out["_d"] = out["device"].map({d: i for i, d in enumerate(DEVICES)})
    return out.sort_values(["_d", "framework", "not_run", "backend", "batch_size", "precision"]).reset_index(
        drop=True
    )


def draw_smollm_study(data: ChartData) -> Figure:
    rows = study_rows(data["runs"])
    grid = data["grid"].iloc[0]
    fig, ax = new_figure()
    fig.set_size_inches(12, 0.42 * len(rows) + 2.6)
    cmap = matplotlib.colormaps["YlOrRd"]
    ncol = len(STUDY_COLUMNS)
    for j, (col, _) in enumerate(STUDY_COLUMNS):
        values = rows[col].astype(float)
        # Each column on its own log colour scale: the cells span 2-3 decades and the units differ.
        norm = LogNorm(vmin=values[values > 0].min(), vmax=values[values > 0].max())
        for i, v in enumerate(values):
            measured = np.isfinite(v) and v > 0
            color = cmap(0.1 + 0.8 * norm(v)) if measured else "0.93"
            ax.add_patch(matplotlib.patches.Rectangle((j, i), 1, 1, facecolor=color, edgecolor="white", lw=2))
            text = f"{v:.3g}" if measured else "not run"
            dark = measured and norm(v) > 0.6
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=9,
                    color="white" if dark else ("0.2" if measured else "0.5"))  # fmt: skip
    # The scope/estimate column: the reader must not compare a CPU estimate with a GPU counter unawares.
    for i, r in rows.iterrows():
        if r["not_run"]:
            note, color = "", "0.5"
        elif r["energy_source"] == "estimate":
            note, color = "ESTIMATE (CodeCarbon, CPU only)", "crimson"
        else:
            note, color = f"measured: {r['energy_source'].upper()} counter, {r['energy_scope']} only", "0.2"
        ax.text(ncol + 0.08, i + 0.5, note, va="center", fontsize=8, color=color,
                fontweight="bold" if r.get("energy_source") == "estimate" else "normal")  # fmt: skip
    ax.set_xlim(0, ncol + 2.1)
    ax.set_ylim(len(rows), 0)
    ax.set_xticks([j + 0.5 for j in range(ncol)] + [ncol + 1.0], [c[1] for c in STUDY_COLUMNS] + ["energy"])
    ax.xaxis.tick_top()
    ax.set_yticks([i + 0.5 for i in range(len(rows))], rows["label"])
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    tokens = {
        dev: "/".join(str(int(n)) for n in sorted(grp.unique()))
        for dev, grp in data["runs"].groupby("device")["new_tokens"]
    }
    ax.set_title(
        f"Random weights, 128 prompt tokens. CO2 for every row at the {grid['country_name']} grid average,\n"
        f"{grid['g_co2e_per_kwh']:.0f} g/kWh ({grid['data_year']}), wherever it ran",
        fontsize=8.5,
        pad=34,
    )
    # Under the table (an axes label, so the layout makes room for it above the footnote).
    ax.set_xlabel(
        f"CPU: 2-vCPU VM without RAPL, {tokens.get('cpu', '-')} new tokens; GPU: NVIDIA H200, "
        f"{tokens.get('cuda', '-')} new tokens (per row: column new_tokens).\nColour: per column, log scale, "
        "darker = more.",
        fontsize=7.5,
        color="0.3",
    )
    return fig


STUDY = ChartSpec(
    name="own_runs_smollm_135m_study",
    title="GreenLM's SmolLM-135M runs in the seed study's grid: CPU/GPU x HF/ONNX x precision",
    description="GreenLM's own SmolLM-135M runs laid out as the seed study's SmolLM-135M table: Wh per 1K tokens, s "
    f"per token and g CO2e per 1K tokens (at the {CO2_COUNTRY} grid average) for every run, CPU and GPU, Hugging "
    "Face generate (PyTorch), GreenLM's own decoding loop (PyTorch, CUDA graph) and ONNX Runtime, per "
    "precision/quantisation, in GreenLM's published scopes (GPU counter; CPU: CodeCarbon's estimate without RAM, "
    "labelled). The study's own values beside GreenLM's on its scope: chart seed_smollm_135m_study_comparison.",
    queries={
        "runs": f"""
            SELECT r.device, r.backend, r.precision, r.quantization, r.batch_size, r.new_tokens, r.tokens_per_s,
                1.0 / r.tokens_per_s AS s_per_token, r.wh_per_1k_tokens, c.g_co2e_per_1k_tokens,
                r.energy_source, r.energy_scope, r.hardware, r.country_iso3 AS measured_in
            FROM {RUNS} AS r
            LEFT JOIN {CO2} AS c ON c.inference_run_key = 'greenlm:' || r.run_id AND c.country_iso3 = '{CO2_COUNTRY}'
            WHERE r.model_key = '{STUDY_MODEL}' AND r.status = 'ok' AND r.meets_protocol AND r.is_current
            ORDER BY r.device, r.backend, r.batch_size, r.precision""",
        "grid": f"SELECT country_name, g_co2e_per_kwh, data_year FROM {GRID} WHERE country_iso3 = '{CO2_COUNTRY}'",
    },
    deps=(
        "staging/stg_benchmark_runs__runs",
        "marts/fct_co2_per_1k_tokens",
        "staging/stg_codecarbon__grid_carbon_intensity",
    ),
    provenance=f"{RUNS} and {CO2} (g_co2e_per_1k_tokens = Wh per 1K tokens / 1000 x grid g/kWh) <- {GRID} "
    f"(CodeCarbon's global_energy_mix, Our World in Data); GreenLM measurements, NVIDIA H200, {GPU_DATE}, and "
    f"a 2-vCPU Xeon VM, {CPU_DATE} (CPU energy: CodeCarbon estimate, no RAPL); {LEFT_OUT}",
    draw=draw_smollm_study,
    tags=("own_runs",),
)
own_runs_smollm_135m_study = chart_asset(STUDY)


# --- CodeCarbon's machine total vs the GPU counter: what its host estimate adds ------------------------------------
# CodeCarbon's GPU figure reads the same NVML counter as the harness (codecarbon_gpu_vs_counter_ratio is 1.000 on
# most rows by construction): drawn against the counter it would compare the counter with itself, so it is not drawn
# and no agreement is claimed. What differs is its machine total: the same counter plus a CPU estimate (from CPU load)
# and a RAM estimate (a constant) - estimates, not measurements, shown as such.


def draw_codecarbon_vs_counter(data: ChartData) -> Figure:
    df = data["runs"]
    fig, axes = new_figure_grid(1, 2, figsize=(11.5, 5.8))
    ax = axes[0]
    ax.scatter(df["counter_kj"], df["codecarbon_total_kj"], marker="^", s=24, color="#d62728", alpha=0.8,
               label="CodeCarbon machine total: this counter + CPU and RAM estimates", zorder=3)  # fmt: skip
    lo = float(df["counter_kj"].min()) * 0.8
    hi = float(df["codecarbon_total_kj"].max()) * 1.25
    ax.plot([lo, hi], [lo, hi], color="black", lw=1, ls=":", label="y = x (GPU counter alone)")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xscale("log")
    ax.set_yscale("log")
    log_ticks_125(ax.xaxis)
    log_ticks_125(ax.yaxis)
    ax.set_xlabel("NVML counter energy over the measured windows, kJ (GPU, log scale)")
    ax.set_ylabel("CodeCarbon machine total over the same windows, kJ (log scale)")
    ax.set_title(f"{len(df)} H200 runs; CodeCarbon's GPU part is this same counter (not drawn)", fontsize=9)
    ax.legend(loc="upper left", fontsize=7)
    ax = axes[1]
    share = 1 - df["counter_kj"] / df["codecarbon_total_kj"]
    ax.scatter(df["avg_power_w"], 100 * share, marker="^", s=24, color="#d62728", alpha=0.8, zorder=3)
    ax.set_ylim(0, max(10.0, float(100 * share.max()) * 1.15))
    ax.set_xlabel("Average GPU power of the run, W (NVML counter)")
    ax.set_ylabel("Host share of CodeCarbon's machine total, % (ESTIMATE: CPU load model + RAM constant)")
    ax.set_title("What the host adds, as CodeCarbon estimates it: largest at low GPU power", fontsize=9)
    return fig


CODECARBON = ChartSpec(
    name="own_runs_codecarbon_vs_counter",
    title="CodeCarbon's machine total vs the GPU's own counter: what its host estimate adds (not a cross-check)",
    description="CodeCarbon's machine total (GPU + CPU + RAM) against the NVML energy counter read at the window "
    "boundaries, for every GreenLM H200 run, and the host's estimated share vs GPU power. CodeCarbon's GPU figure "
    "reads the same NVML counter, so it is not drawn: it would compare the counter with itself. The host share is "
    "CodeCarbon's estimate (CPU from load, RAM a constant), not a measurement.",
    queries={
        # energy_total_j: the counter summed over the windows (staging), the span CodeCarbon's tracker covered
        "runs": "SELECT model_key, params_b, backend, precision, batch_size, avg_power_w, "
        "energy_total_j / 1000.0 AS counter_kj, codecarbon_energy_kwh * 3600.0 AS codecarbon_total_kj "
        f"FROM ({GPU_RUNS}) WHERE codecarbon_energy_kwh > 0 AND energy_total_j > 0 ORDER BY counter_kj"
    },
    deps=GPU_DEPS,
    provenance=f"{RUNS}: codecarbon_energy_kwh (CodeCarbon 3.3.2 tracker started and stopped around the windows, "
    "country USA; its GPU part reads the same NVML counter, its CPU and RAM parts are estimates) and energy_total_j "
    "(NVML nvmlDeviceGetTotalEnergyConsumption at the window boundaries, summed); GreenLM measurements, NVIDIA H200, "
    f"{GPU_DATE}; CPU runs left out (no hardware counter on that VM); {LEFT_OUT}",
    draw=draw_codecarbon_vs_counter,
    tags=("own_runs",),
)
own_runs_codecarbon_vs_counter = chart_asset(CODECARBON)


# --- run to run: how far repeated runs of one configuration land apart ----------------------------------------------


FLOOR_PCT = 0.01  # a zero spread cannot sit on a log axis: drawn at 0.01 % (the axis label says so)


def draw_run_to_run(data: ChartData) -> Figure:
    df = data["configs"]
    fig, axes = new_figure_grid(1, 2, figsize=(11.5, 6.6))
    ax = axes[0]
    for backend in BACKEND_ORDER:
        sub = df[df["backend"] == backend]
        if sub.empty:
            continue
        for single, marker in ((True, "o"), (False, "s")):
            pts = sub[(sub["batch_size"] == 1) == single]
            if pts.empty:
                continue
            ax.scatter(
                np.maximum(100 * pts["expected_between_cv_tokens_per_s"], FLOOR_PCT),
                np.maximum(100 * pts["between_run_cv_tokens_per_s"], FLOOR_PCT),
                marker=marker,
                s=28,
                color=BACKEND_COLORS[backend],
                alpha=0.85,
                zorder=3,
                label=f"{BACKEND_NAMES[backend]}, batch {'1' if single else '> 1'}",
            )
    expected = np.maximum(100 * df["expected_between_cv_tokens_per_s"], FLOOR_PCT)
    hi = float(100 * df[["between_run_cv_tokens_per_s", "expected_between_cv_tokens_per_s"]].max().max())
    line = np.array([float(expected.min()) * 0.5, max(hi, 1.0) * 1.5])
    ax.plot(
        line, line, color="black", lw=1, ls=":", label="y = x: runs differ as much as their windows predict"
    )
    ax.plot(line, 2 * line, color="#d62728", lw=1, ls="--", label="y = 2x: above it the runs disagree")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(line[0], line[1])
    ax.set_ylim(FLOOR_PCT * 0.7, max(hi, 1.0) * 3)
    log_ticks_125(ax.xaxis)
    log_ticks_125(ax.yaxis)
    ax.set_xlabel("Spread the windows predict, % (sqrt(mean(window CV² / windows)), log)")
    ax.set_ylabel("Spread between runs, % (CV of the runs' tokens/s, log; 0 drawn at 0.01)")
    agree = int(df["runs_agree_tokens_per_s"].sum())
    ax.set_title(f"{len(df)} configurations run twice or more; {agree} agree with their windows", fontsize=9)
    # Below the axes: the points fill them.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=7)
    ax = axes[1]
    present = [b for b in BACKEND_ORDER if (df["backend"] == b).any()]
    for i, backend in enumerate(present):
        dev = 100 * df.loc[df["backend"] == backend, "max_deviation_tokens_per_s"].to_numpy()
        jitter = np.linspace(-0.18, 0.18, len(dev)) if len(dev) > 1 else np.zeros(1)
        ax.scatter(i + jitter, dev, s=22, color=BACKEND_COLORS[backend], alpha=0.8, zorder=3)
        med = float(np.median(dev))
        ax.hlines(med, i - 0.3, i + 0.3, color="black", lw=2, zorder=4)
        ax.annotate(
            f"median ±{med:.1f} %\nworst ±{dev.max():.1f} %", (i + 0.32, med), fontsize=7, va="center"
        )
    ax.set_xticks(range(len(present)), [BACKEND_NAMES[b] for b in present])
    ax.set_xlim(-0.5, len(present) - 0.1)
    ax.set_ylabel("One run vs the mean of its configuration's runs, tokens/s, ± %")
    ax.set_title("The ± to put on a single run", fontsize=9)
    return fig


RUN_TO_RUN = ChartSpec(
    name="own_runs_run_to_run",
    title="Run to run: how far repeated GreenLM runs of one configuration land apart",
    description="For every configuration measured more than once with the same backend code: the CV between the "
    "runs against the spread their windows predict (y = x and the y = 2x agreement limit, log axes), and per "
    "backend the largest deviation of a run from the configuration's mean.",
    queries={
        "configs": "SELECT model_key, params_b, backend, precision, batch_size, n_runs, windows_per_run, "
        "between_run_cv_tokens_per_s, expected_between_cv_tokens_per_s, max_deviation_tokens_per_s, "
        "runs_agree_tokens_per_s FROM marts.fct_run_reproducibility "
        "WHERE device = 'cuda' ORDER BY backend, params_b, batch_size"
    },
    deps=("marts/fct_run_reproducibility",),
    provenance=f"marts.fct_run_reproducibility (from {RUNS}: finished runs meeting the protocol, grouped by "
    "configuration_key and backend_notes, >= 2 runs); GreenLM measurements, NVIDIA H200, "
    f"{GPU_DATE}, tokens/s over 3- and 5-window runs hours apart; definitions in docs/MEASUREMENT.md; failed runs, "
    "smoke runs, CPU runs and configurations measured once left out",
    draw=draw_run_to_run,
    tags=("own_runs",),
)
own_runs_run_to_run = chart_asset(RUN_TO_RUN)
