"""The size curves around the boundary: training energy and CO2 vs parameters with the two fitted power laws."""

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.plotting import SIZE_CLASS_COLORS, draw_size_boundary, log_axis, new_figure_grid

METRIC_LABELS = {
    "training_energy_mwh": "Training energy (MWh, log scale)",
    "training_co2_t": "Training emissions (t CO2e, log scale)",
}
EXCLUSION_LABELS = {
    "alternate_accounting": "left out: alternate accounting",
    "co2_inconsistent_with_energy": "left out: CO2 contradicts energy",
    "size_class_undetermined": "left out: rounded size straddles the boundary",
}
# Unfilled diamond for alternates, a black cross for contradicted CO2, a grey plus for an undetermined class.
EXCLUSION_MARKERS = {
    "alternate_accounting": ("D", "none"),
    "co2_inconsistent_with_energy": ("x", "black"),
    "size_class_undetermined": ("+", "grey"),
}


def draw_fits(data: ChartData) -> Figure:
    points, fits = data["points"], data["fits"]
    metrics = [m for m in METRIC_LABELS if m in set(points["metric"])]
    fig, axes = new_figure_grid(1, len(metrics), figsize=(6.2 * len(metrics), 5.4))
    for ax, metric in zip(axes, metrics, strict=True):
        pts = points[points["metric"] == metric]
        kept = pts[pts["included"]]
        for size_class, grp in kept.groupby("size_class"):
            ax.scatter(
                grp["params_b"],
                grp["value"],
                s=30,
                color=SIZE_CLASS_COLORS[size_class],
                zorder=3,
                label=f"{size_class} models",
            )
        # Mixture-of-experts points sit at their active parameters in per-token metrics: say so on the point.
        for moe in kept[kept["is_moe"]].itertuples():
            ax.annotate(
                f"{moe.model_name} (MoE, {moe.params_basis} {moe.params_b:.3g}B of {moe.params_b_total:.3g}B)",
                (moe.params_b, moe.value),
                xytext=(4, -8),
                textcoords="offset points",
                fontsize=6.5,
            )
        for reason, grp in pts[~pts["included"]].groupby("exclusion_reason"):
            marker, face = EXCLUSION_MARKERS.get(reason, ("D", "none"))
            ax.scatter(
                grp["params_b"],
                grp["value"],
                s=44,
                marker=marker,
                c=face if face != "none" else None,
                facecolors="none" if face == "none" else None,
                edgecolors="black" if face == "none" else None,
                lw=1,
                zorder=3,
                label=EXCLUSION_LABELS.get(reason, reason),
            )
        for fit in fits[(fits["metric"] == metric) & fits["segment"].isin(["SLM", "LLM"])].itertuples():
            if pd.isna(fit.slope):
                continue  # fewer than two points: nothing to draw
            x = np.geomspace(fit.min_params_b, fit.max_params_b, 20)
            ax.plot(
                x,
                fit.coefficient * x**fit.slope,
                color=SIZE_CLASS_COLORS[fit.segment],
                lw=2,
                label=f"{fit.segment} fit: slope {fit.slope:.2f}, r² {fit.r2:.2f}, n={fit.n_points}",
            )
        draw_size_boundary(ax, data.slm_max_params_b)
        log_axis(ax)
        ax.set_xlabel("Parameters (billions, log scale)")
        ax.set_ylabel(METRIC_LABELS[metric])
        ax.set_title(
            f"ln(y) = intercept + slope x ln(params), fitted on each side of {data.slm_max_params_b:g}B",
            fontsize=8.5,
        )
        ax.legend(loc="upper left", fontsize=7)
        ax.set_ylim(top=pts["value"].max() * 12)  # room for the legend above the points
    return fig


FITS = ChartSpec(
    name="size_curve_fits",
    title="Does training cost scale differently below and above 7B? Power-law fits per side",
    description="Training energy and CO2 vs parameters (log-log) with the least-squares power law fitted separately "
    "for SLM and LLM points (marts.fct_size_curve_fits); left-out points shown as markers.",
    queries={
        "fits": "SELECT metric, unit, segment, n_points, min_params_b, max_params_b, median_value, slope, intercept, "
        "coefficient, r2 FROM marts.fct_size_curve_fits ORDER BY metric, segment",
        "points": "SELECT metric, model_name, params_b, params_basis, params_b_total, active_params_b, is_moe, "
        "params_b_is_exact, size_class, value, included, exclusion_reason "
        "FROM intermediate.int_size_curve_points_unioned ORDER BY metric, params_b",
    },
    deps=("marts/fct_size_curve_fits", "intermediate/int_size_curve_points_unioned"),
    provenance="marts.fct_size_curve_fits, intermediate.int_size_curve_points_unioned <- marts.fct_training_footprint "
    "<- raw.training_footprint (model cards and papers, cited per row); params_b = exact counts from seed "
    "reference.model_architectures (config.json / model cards, cited per row; MoE at active parameters in per-token "
    "metrics); fits: DuckDB regr_slope/regr_intercept/regr_r2 on ln(value) ~ ln(params_b)",
    draw=draw_fits,
    size_axis=True,
)
size_curve_fits = chart_asset(FITS)
