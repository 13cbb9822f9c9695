"""Run to run: how far repeated GreenLM runs of one configuration land apart.

Shared queries and looks: ``greenlm_assets/lib/own_runs_common.py``.
"""

import numpy as np
from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.own_runs_common import (
    BACKEND_COLORS,
    BACKEND_NAMES,
    BACKEND_ORDER,
    GPU_DATE,
    RUNS,
)
from greenlm_assets.lib.plotting import log_ticks_125, new_figure_grid

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
