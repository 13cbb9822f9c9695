"""What the charts of GreenLM's own measured runs share: their queries, provenance and the look of a configuration.

The charts are ``greenlm_assets/defs/publish/own_runs_*.py``, one module per chart family: speed (seed figures 10,
11 and 15), energy (seed figures 12-14, J per token), roofline (per configuration, the fast path's batch sweep), the
SmolLM-135M table, CodeCarbon's machine total vs the NVML counter (what its host estimate adds; its GPU part reads
the same counter and is no cross-check) and run to run.

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

import pandas as pd
from matplotlib.axes import Axes

from greenlm_assets.lib.charts import ChartData
from greenlm_assets.lib.paths import REPO_ROOT
from greenlm_assets.lib.plotting import draw_size_boundary, log_ticks_125

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
