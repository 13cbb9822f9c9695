"""The report asset: one static page with every chart, the key tables and their provenance."""

import importlib
import pkgutil

import dagster as dg
from dagster_duckdb import DuckDBResource

import greenlm_assets.defs.publish as publish_package
from greenlm_assets.lib.automation import follow_inputs
from greenlm_assets.lib.charts import CHARTS
from greenlm_assets.lib.paths import charts_dir, duckdb_path, report_dir
from greenlm_assets.lib.raw_assets import DUCKDB_POOL, md_preview
from greenlm_assets.lib.report import ReportTable, write_report

# Import every chart module of this package first, so CHARTS holds every chart whatever order Dagster loads
# modules in; a chart added later appears in the report (and among its deps) without editing this file.
for _module in pkgutil.iter_modules(publish_package.__path__):
    if _module.name != __name__.rsplit(".", 1)[-1]:
        importlib.import_module(f"{publish_package.__name__}.{_module.name}")

TABLES = (
    ReportTable(
        name="slm_vs_llm",
        title="SLM vs LLM: medians, their ratio and the log-log slopes on each side of the boundary",
        sql="SELECT metric, unit, threshold_params_b, n_slm, n_llm, slm_median, llm_median, llm_to_slm_median_ratio, "
        "slope_slm, slope_llm, slope_change_at_boundary FROM marts.fct_size_class_comparison ORDER BY metric",
        deps=("marts/fct_size_class_comparison",),
        provenance="marts.fct_size_class_comparison <- marts.fct_size_curve_fits <- marts.fct_training_footprint "
        "(model cards and papers, cited per row)",
        note="A slope is d ln(metric) / d ln(params): 1 means proportional to size. Each model counts once; CO2 "
        "figures that contradict their own energy (Llama 3.3 70B) are left out.",
    ),
    ReportTable(
        name="size_curve_fits",
        title="Power-law fits y = coefficient x params^slope per segment",
        sql="SELECT metric, segment, n_points, min_params_b, max_params_b, median_value, slope, coefficient, r2 "
        "FROM marts.fct_size_curve_fits ORDER BY metric, segment",
        deps=("marts/fct_size_curve_fits",),
        provenance="marts.fct_size_curve_fits: DuckDB regr_slope / regr_intercept / regr_r2 on ln(value) ~ ln(params_b)",
    ),
    ReportTable(
        name="training_equivalences",
        title="Training footprints in everyday units",
        sql="SELECT model_name, params_b, energy_mwh, co2_t, person_years_of_electricity, diesel_litres, car_km "
        "FROM marts.fct_training_equivalences WHERE is_primary_accounting AND energy_mwh IS NOT NULL "
        "ORDER BY energy_mwh DESC",
        deps=("marts/fct_training_equivalences",),
        provenance="marts.fct_training_equivalences <- seed reference.equivalence_constants (2,300 kWh per person-year "
        "in France and 2.54 kg CO2 per litre of diesel, after the 'Smaller is smarter' article; 400 g CO2 per mile, "
        "US EPA)",
    ),
    ReportTable(
        name="memory_seed_check",
        title="Weight memory by precision (seed check: 405B at fp32 = 1,620 GB)",
        sql="SELECT model_name, params_b, precision, weight_gb, kv_cache_bytes_per_token FROM marts.fct_memory_ratios "
        "WHERE model_name IN ('Llama 3.1 405B', 'Llama 2 7B', 'SmolLM2-135M') ORDER BY params_b DESC, bytes_per_param DESC, precision",
        deps=("marts/fct_memory_ratios",),
        provenance="marts.fct_memory_ratios <- seeds reference.precision_bytes, reference.model_architectures",
    ),
)


def _deps() -> list[dg.AssetKey]:
    keys = [spec.asset_key for spec in CHARTS.values()]
    keys += [dg.AssetKey(d.split("/")) for table in TABLES for d in table.deps]
    return list(dict.fromkeys(keys))


@dg.asset(
    key=["report", "greenlm_report"],
    group_name="publish",
    kinds={"html", "jinja"},
    deps=_deps(),
    pool=DUCKDB_POOL,
    automation_condition=follow_inputs(),
    description="Static report data/report/index.html (GREENLM_REPORT_DIR): every chart asset of group publish, "
    "the key tables and the provenance of each; self-contained folder, no server needed.",
)
def greenlm_report(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        tables = [(table, con.execute(table.sql).df()) for table in TABLES]
    # Seed-study figures first, in the study's order, then GreenLM's own charts by name.
    specs = sorted(
        CHARTS.values(),
        key=lambda s: (int(s.seed_figure) if (s.seed_figure or "").isdigit() else 999, s.name),
    )
    page, charts = write_report(report_dir(), specs, charts_dir(), tables, database=duckdb_path().name)
    missing = [c.spec.name for c in charts if c.png is None]
    if missing:
        context.log.warning(f"report: no PNG yet for {missing}")
    context.log.info(f"report written to {page}")
    return dg.MaterializeResult(
        metadata={
            "report_path": dg.MetadataValue.path(str(page)),
            "charts": len(charts),
            "missing_charts": missing,
            "tables": [t.name for t, _ in tables],
            "slm_vs_llm": md_preview(tables[0][1], rows=10),
        }
    )
