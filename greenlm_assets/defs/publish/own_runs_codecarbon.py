"""CodeCarbon's machine total vs the GPU's NVML counter: what its host estimate adds (not a cross-check).

Shared queries: ``greenlm_assets/lib/own_runs_common.py``.
"""

from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.own_runs_common import GPU_DATE, GPU_DEPS, GPU_RUNS, LEFT_OUT, RUNS
from greenlm_assets.lib.plotting import log_ticks_125, new_figure_grid

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
