"""The report asset: one static page with every chart, the key tables and their provenance."""

import importlib
import pkgutil

import dagster as dg
from dagster_duckdb import DuckDBResource
from duckdb import DuckDBPyConnection

import greenlm_assets.defs.publish as publish_package
from greenlm_assets.lib.automation import follow_inputs
from greenlm_assets.lib.charts import CHARTS
from greenlm_assets.lib.paths import QUERIES_DIR, charts_dir, duckdb_path, report_dir
from greenlm_assets.lib.raw_assets import DUCKDB_POOL, md_preview
from greenlm_assets.lib.report import ReportTable, SeedFigure, SeedStudies, write_report

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
        note="A slope is d ln(metric) / d ln(params): 1 means proportional to size. Each pretraining run counts "
        "once: alternate accountings and post-trained derivatives that repeat a parent's run (Llama 3.3 70B) are "
        "left out, and so are CO2 figures that contradict their own energy.",
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
        sql="SELECT model_name, params_b, energy_mwh, co2_t, person_years_of_electricity, diesel_litres, car_km, "
        "car_km_epa FROM marts.fct_training_equivalences WHERE is_primary_accounting AND energy_mwh IS NOT NULL "
        "ORDER BY energy_mwh DESC",
        deps=("marts/fct_training_equivalences",),
        provenance="marts.fct_training_equivalences <- seed reference.equivalence_constants (the 'Smaller is smarter' "
        "article: 2,300 kWh per person-year in France, 2.54 kg CO2 per litre of diesel, 14 km per litre = its own "
        "ratio of about 2M litres to 28M km; car_km_epa: US EPA's 400 g CO2 per mile, the alternative)",
    ),
    ReportTable(
        name="training_405b_side_by_side",
        title="Llama 3.1 405B: the model card, the seed article and the other sources side by side",
        sql="SELECT source_label, gpu_hours, energy_mwh, co2_t, implied_w_per_gpu, implied_g_co2e_per_kwh, "
        "person_years_of_electricity, car_km, car_km_epa, assumption FROM marts.fct_training_fact_sources "
        "WHERE model_name = 'Llama 3.1 405B' ORDER BY NOT is_primary_source, source_kind, source_key",
        deps=("marts/fct_training_fact_sources",),
        provenance="marts.fct_training_fact_sources <- raw.training_footprint (Llama 3.1 model card), seed "
        "reference.training_fact_second_sources (the article, Luccioni et al. 2025), raw.epoch_notable_models",
        note="Both can be right: the card counts 30.84M H100-hours at 700 W (peak power adjusted for PUE, an upper "
        "bound) and location-based CO2 at Meta's sites; the article about 16,000 GPUs for about 80 days, 11 GWh (about "
        "358 W per GPU-hour) and the European-average grid. GreenLM's marts use the card (first row); Epoch's energy "
        "is the whole cluster's power draw.",
        section="Training facts: sources, ranges and disagreements",
    ),
    ReportTable(
        name="training_fact_disagreements",
        title="Training facts on which two sources disagree by more than 2x",
        sql=(QUERIES_DIR / "training_fact_disagreements.sql").read_text(),
        deps=("marts/fct_training_fact_disagreements",),
        provenance="sql/queries/training_fact_disagreements.sql <- marts.fct_training_fact_disagreements <- "
        "marts.fct_training_fact_sources (every source of every fact, cited per row)",
        note="Both values, never averaged; the first source is the one GreenLM's marts use when it is involved.",
        section="Training facts: sources, ranges and disagreements",
    ),
    ReportTable(
        name="training_fact_ranges",
        title="Range of each training fact across its sources",
        sql="SELECT model_name, fact, unit, n_sources, primary_value, min_value, max_value, max_to_min_ratio, sources "
        "FROM marts.fct_training_fact_ranges WHERE n_sources > 1 ORDER BY max_to_min_ratio DESC, model_name, fact",
        deps=("marts/fct_training_fact_ranges",),
        provenance="marts.fct_training_fact_ranges <- marts.fct_training_fact_sources",
        section="Training facts: sources, ranges and disagreements",
    ),
    ReportTable(
        name="memory_seed_check",
        title="Weight memory by precision (seed check: 405B at fp32 = 1,620 GB)",
        sql="SELECT model_name, params_b, precision, weight_gb, kv_cache_bytes_per_token FROM marts.fct_memory_ratios "
        "WHERE model_name IN ('Llama 3.1 405B', 'Llama 2 7B', 'SmolLM2-135M') ORDER BY params_b DESC, bytes_per_param DESC, precision",
        deps=("marts/fct_memory_ratios",),
        provenance="marts.fct_memory_ratios <- seeds reference.precision_bytes, reference.model_architectures",
    ),
    ReportTable(
        name="own_runs_trust",
        title="GreenLM's own runs in the marts: energy source, estimates and provenance",
        sql="SELECT device, energy_source, energy_is_estimate, provenance_clean, count(*) AS runs, "
        "median(j_per_output_token_cv) AS median_window_cv_j_per_token, min(n_windows) AS min_windows "
        "FROM marts.fct_inference_efficiency WHERE source = 'greenlm' GROUP BY ALL ORDER BY ALL",
        deps=("marts/fct_inference_efficiency",),
        provenance="marts.fct_inference_efficiency <- staging.stg_benchmark_runs__runs (data/measurements/*.jsonl): "
        "runs meeting the protocol only; figures are ratios of sums over the windows, with 95 % intervals",
        note="energy_is_estimate: CodeCarbon's CPU estimate (no RAPL), never ranked against measurements. "
        "provenance_clean = false: not measured from a clean, known commit (the committed GPU rows: device copies "
        "with uncommitted edits, or no recorded state) - kept and flagged, not dropped; the harness now refuses.",
    ),
)


# The "Seed studies side by side" section: the study's figures (seed index), each value beside GreenLM's with the
# ratio and the reason (fct_seed_study_comparison), and the SmolLM-135M table cell by cell.
SEED_DEPS = (
    "reference/seed_study_figure_index",
    "marts/fct_seed_study_comparison",
    "marts/fct_seed_smollm_study_comparison",
)
SEED_INDEX_SQL = (
    "SELECT figure, title, study_setup, study_values_quoted, source_citation, coalesce(notes, '') AS notes "
    "FROM reference.seed_study_figure_index ORDER BY figure"
)
SEED_COMPARISON_SQL = (
    "SELECT figure, series, study_value, unit, study_value_kind AS study_kind, greenlm_label, greenlm_value, "
    "ratio_greenlm_to_study AS greenlm_to_study, agrees, why_differs "
    "FROM marts.fct_seed_study_comparison ORDER BY figure, study_x_params_b, series, greenlm_label"
)
SEED_SMOLLM_SQL = (
    "SELECT cell_key AS study_cell, match_kind, greenlm_framework, greenlm_precision, greenlm_hardware, "
    "study_wh_per_token, greenlm_wh_per_token_published, greenlm_wh_per_token_machine, wh_ratio_greenlm_to_study, "
    "study_s_per_token, greenlm_s_per_token, s_ratio_greenlm_to_study, study_kg_co2e_per_token, "
    "greenlm_kg_co2e_per_token, co2_ratio_greenlm_to_study, south_carolina_g_co2e_per_kwh_derived, why_differs "
    "FROM marts.fct_seed_smollm_study_comparison ORDER BY study_device, study_framework, study_quantization"
)
SEED_PROVENANCE = (
    "marts.fct_seed_study_comparison and marts.fct_seed_smollm_study_comparison <- seeds "
    "reference.seed_study_figures, reference.seed_study_figure_index, reference.seed_smollm_study (the seed study's "
    "values as quoted in GreenLM issue 16, secondary; figures 10 and 12 after Samsi et al. 2023, arXiv:2310.03003), "
    "staging.stg_benchmark_runs__runs (GreenLM measurements), intermediate.int_third_party_runs_unioned (ML.ENERGY "
    "v1/v2), marts.fct_gpu_model_hardware_cost"
)


def seed_figure_numbers(spec_seed_figure: str | None) -> list[int]:
    """The seed figures a chart answers: "10, 11" -> [10, 11]; None -> []."""
    return [int(part) for part in (spec_seed_figure or "").split(",") if part.strip().isdigit()]


def read_seed_studies(con: DuckDBPyConnection) -> SeedStudies:
    """The section's content from the DuckDB file (the charts answering each figure from the registry)."""
    index = con.execute(SEED_INDEX_SQL).df()
    comparison = con.execute(SEED_COMPARISON_SQL).df()
    figures = tuple(
        SeedFigure(
            figure=int(row.figure),
            title=row.title,
            study_setup=row.study_setup,
            study_values_quoted=bool(row.study_values_quoted),
            source_citation=row.source_citation,
            notes=row.notes,
            charts=tuple(
                sorted(
                    s.name for s in CHARTS.values() if int(row.figure) in seed_figure_numbers(s.seed_figure)
                )
            ),
            comparison=comparison[comparison["figure"] == row.figure].drop(columns="figure"),
        )
        for row in index.itertuples()
    )
    return SeedStudies(figures=figures, smollm=con.execute(SEED_SMOLLM_SQL).df(), provenance=SEED_PROVENANCE)


def _deps() -> list[dg.AssetKey]:
    keys = [spec.asset_key for spec in CHARTS.values()]
    keys += [dg.AssetKey(d.split("/")) for table in TABLES for d in table.deps]
    keys += [dg.AssetKey(d.split("/")) for d in SEED_DEPS]
    return list(dict.fromkeys(keys))


@dg.asset(
    key=["report", "greenlm_report"],
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
        seed = read_seed_studies(con)
    # Seed-study figures first, in the study's order ("10, 11" sorts as 10), then GreenLM's own charts by name.
    specs = sorted(
        CHARTS.values(),
        key=lambda s: (min(seed_figure_numbers(s.seed_figure), default=999), s.name),
    )
    page, charts = write_report(
        report_dir(), specs, charts_dir(), tables, database=duckdb_path().name, seed_studies=seed
    )
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
            "seed_figures": [f.figure for f in seed.figures],
            "seed_comparisons": sum(len(f.comparison) for f in seed.figures),
            "slm_vs_llm": md_preview(tables[0][1], rows=10),
        }
    )
