"""Seed figure 8: training CO2 against parameters, log-log, coloured by family, with the 7B boundary."""

import pandas as pd
from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.plotting import annotate_points, draw_size_boundary, log_axis, new_figure


def draw(data: ChartData) -> Figure:
    df: pd.DataFrame = data["points"]
    fig, ax = new_figure()
    fig.set_size_inches(9, 6)
    for family, grp in df.groupby("family", sort=True):
        ax.scatter(grp["params_b"], grp["co2_t"], s=36, label=family, alpha=0.9, zorder=3)
    annotate_points(ax, df["params_b"], df["co2_t"], df["model_name"])
    suspect = df[df["co2_energy_consistent"].eq(False)]
    if not suspect.empty:
        ax.scatter(
            suspect["params_b"],
            suspect["co2_t"],
            s=150,
            facecolors="none",
            edgecolors="black",
            label="CO2 inconsistent with energy",
        )
    draw_size_boundary(ax, data.slm_max_params_b)
    log_axis(ax)
    ax.set_xlabel("Parameters (billions, log scale)")
    ax.set_ylabel("Training emissions (t CO2e, log scale)")
    ax.set_title("Published training CO2 per model", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0, frameon=False)
    return fig


SPEC = ChartSpec(
    name="training_co2_vs_params",
    title="Training CO2 vs model size",
    description="Training CO2 (t, log) vs parameters (B, log) per published model, coloured by family, 7B line.",
    queries={
        "points": "SELECT model_name || coalesce(' (= ' || pretraining_run_of || ' run)', '') AS model_name, "
        "family, params_b, co2_t, size_class, co2_energy_consistent "
        "FROM marts.fct_training_footprint WHERE params_b > 0 AND co2_t > 0 ORDER BY params_b, model_name"
    },
    deps=("marts/fct_training_footprint",),
    provenance="marts.fct_training_footprint <- raw.training_footprint (model cards and papers, cited per row)",
    draw=draw,
    seed_figure="8",
    size_axis=True,
)

training_co2_vs_params = chart_asset(SPEC)
