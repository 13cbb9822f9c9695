"""Seed figure 8: training CO2 against parameters, log-log, coloured by family, with the 7B boundary."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from greenlm_assets.lib.paths import charts_dir
from greenlm_assets.lib.plotting import draw_size_boundary, footnote, new_figure, png_markdown, save_chart
from greenlm_assets.lib.raw_assets import DUCKDB_POOL, md_preview

SLM_MAX_PARAMS_B = 7.0  # same default as the dbt var slm_max_params_b


@dg.asset(
    key=["charts", "training_co2_vs_params"],
    group_name="publish",
    kinds={"python", "matplotlib"},
    deps=[dg.AssetKey(["marts", "fct_training_footprint"])],
    pool=DUCKDB_POOL,
    description="Training CO2 (t, log) vs parameters (B, log) per published model, coloured by family, 7B line.",
)
def training_co2_vs_params(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        df = con.execute(
            "SELECT model_name, family, params_b, co2_t, size_class, co2_energy_consistent "
            "FROM marts.fct_training_footprint WHERE params_b > 0 AND co2_t > 0 ORDER BY params_b"
        ).df()
    if df.empty:
        raise dg.Failure("marts.fct_training_footprint has no row with both params_b and co2_t > 0")

    fig, ax = new_figure()
    for family, grp in df.groupby("family", sort=True):
        ax.scatter(grp["params_b"], grp["co2_t"], s=40, label=family, alpha=0.85)
    for row in df.itertuples():
        ax.annotate(
            row.model_name, (row.params_b, row.co2_t), fontsize=6, xytext=(3, 3), textcoords="offset points"
        )
    suspect = df[df["co2_energy_consistent"].eq(False)]
    if not suspect.empty:
        ax.scatter(
            suspect["params_b"],
            suspect["co2_t"],
            s=140,
            facecolors="none",
            edgecolors="black",
            label="CO2 inconsistent with energy",
        )
    draw_size_boundary(ax, SLM_MAX_PARAMS_B)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Parameters (billions, log scale)")
    ax.set_ylabel("Training emissions (t CO2e, log scale)")
    ax.set_title("Training CO2 vs model size (published figures)")
    ax.legend(ncol=2, loc="upper left")
    footnote(
        fig, "marts.fct_training_footprint <- raw.training_footprint (model cards and papers, cited per row)"
    )
    paths = save_chart(fig, charts_dir(), "training_co2_vs_params")
    context.log.info(f"chart written to {paths['png']}")
    return dg.MaterializeResult(
        metadata={
            "png_path": dg.MetadataValue.path(str(paths["png"])),
            "svg_path": dg.MetadataValue.path(str(paths["svg"])),
            "points": len(df),
            "chart": dg.MetadataValue.md(png_markdown(paths["png"], "training CO2 vs parameters")),
            "data_preview": md_preview(df, rows=10),
        }
    )
