"""GreenLM's asset tags: ``source`` (where an asset's data comes from) and ``energy_scope`` (what an energy figure
counts), so the Dagster UI and ``dagster asset materialize --select`` can filter by them (docs/catalog.md,
"Filtering by tag": ``tag:energy_scope=gpu``, ``tag:source=ml_energy+``).

Both vocabularies and both tables are here, applied to every asset of the code location (dbt and Python) by
:func:`greenlm_assets.lib.domains.with_domains`; tests/platform/test_tags.py checks them against the asset graph and against
the materialized DuckDB file.

* ``source``: a root asset (a ``raw/`` table, a ``reference/`` seed, the benchmark run) is named in
  :data:`ROOT_SOURCES`; every other asset gets the single source of all the roots upstream of it, or ``derived``
  where it combines several. A root that no rule names fails the code location's load, naming it.
* ``energy_scope``: every asset that carries energy or power figures (J, Wh, kWh, MWh, W; per row, per column, or
  per row of a ``unit`` column) is named in :data:`ENERGY_SCOPES` with the scope of the figures it holds
  (MEASUREMENT.md, "Scopes"). Tables with an ``energy_scope`` column get the value their rows hold in the shipped
  data, or ``mixed`` where the rows hold several; tests/platform/test_tags.py fails when the data and the tag disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import dagster as dg

SOURCE_TAG = "source"
ENERGY_SCOPE_TAG = "energy_scope"

# Where the data comes from (the roots of the lineage; data/snapshots/*/SOURCE.txt, docs/data_sources.md).
SOURCES: dict[str, str] = {
    "hf_open_llm_leaderboard": "Hugging Face Open LLM Leaderboard v1 and v2 (scores, parameters, eval CO2)",
    "llm_perf": "Hugging Face LLM-Perf Leaderboard (optimum-benchmark runs, CodeCarbon energy)",
    "ml_energy": "ML.ENERGY Leaderboard v1-v3 (NVML GPU energy)",
    "epoch_ai": "Epoch AI: notable models and ML hardware specifications",
    "gpu_prices": "GPU rental and purchase prices (committed snapshots; the live scrape)",
    "codecarbon": "grid carbon intensity per country shipped with the codecarbon package (OWID)",
    "papers_model_cards": "training facts and architectures transcribed from model cards and papers",
    "seed_study": "the values of the seed study's figures and tables, as quoted in GreenLM issue 16",
    "reference": "GreenLM's reference seeds: constants with a cited source per row, name-to-key maps",
    "greenlm_measured": "GreenLM's own runs: benchmark, serving and quality measurements (jobs/)",
    "derived": "combines data of several sources (read the asset's lineage for which)",
}

# The source of each root asset, by key.
ROOT_SOURCES: dict[str, str] = {
    "raw/open_llm_leaderboard_v1": "hf_open_llm_leaderboard",
    "raw/open_llm_leaderboard_v2": "hf_open_llm_leaderboard",
    "raw/llm_perf_runs": "llm_perf",
    "raw/ml_energy_runs": "ml_energy",
    "raw/epoch_notable_models": "epoch_ai",
    "raw/gpu_specs": "epoch_ai",
    "raw/gpu_name_map": "epoch_ai",  # Epoch AI's accelerator names with GreenLM's normalised key
    "raw/gpu_price_observations": "gpu_prices",
    "raw/gpu_price_scrape": "gpu_prices",
    "raw/gpu_purchase_prices": "gpu_prices",
    "raw/grid_carbon_intensity": "codecarbon",
    "raw/training_footprint": "papers_model_cards",
    "raw/benchmark_runs": "greenlm_measured",
    "raw/serving_runs": "greenlm_measured",
    "raw/quality_runs": "greenlm_measured",
    "measurements/greenlm_bench_run": "greenlm_measured",
    "measurements/campaign_runs": "greenlm_measured",
    "reference/electricity_prices": "reference",
    "reference/equivalence_constants": "reference",
    "reference/precision_bytes": "reference",
    "reference/inference_hardware_gpu_keys": "reference",
    "reference/training_gpu_keys": "reference",
    "reference/model_architectures": "papers_model_cards",
    "reference/published_training_costs": "papers_model_cards",
    "reference/training_fact_second_sources": "papers_model_cards",
    "reference/training_run_lineage": "papers_model_cards",
    "reference/seed_smollm_study": "seed_study",
    "reference/seed_study_figures": "seed_study",
    "reference/seed_study_figure_index": "seed_study",
}

# What an energy figure counts (MEASUREMENT.md, "Scopes"), plus the training facts' own accounting.
ENERGY_SCOPE_VALUES: dict[str, str] = {
    "gpu": "the GPU's own counter (NVML), or a GPU-only figure of the source (ML.ENERGY)",
    "cpu": "CPU package energy (RAPL) or CodeCarbon's CPU estimate",
    "machine": "GPU + CPU + RAM of the machine (CodeCarbon's total: LLM-Perf, the seed study)",
    "as_published": "training energy, power and CO2 as each model card, paper or Epoch AI accounts for them "
    "(GPU-hours x power, datacentre overhead included or not, as published)",
    "mixed": "rows or columns in several scopes: read each row's energy_scope column or the column's name",
}

# Every asset that carries energy or power figures, with their scope.
ENERGY_SCOPES: dict[str, str] = {
    # third-party inference runs
    "raw/llm_perf_runs": "machine",
    "staging/stg_llm_perf__runs": "machine",
    "raw/ml_energy_runs": "gpu",
    "staging/stg_ml_energy__runs": "gpu",
    "intermediate/int_third_party_runs_unioned": "mixed",
    # GreenLM's own runs (NVML on GPUs, RAPL or CodeCarbon's estimate on CPUs)
    "measurements/greenlm_bench_run": "mixed",
    "raw/benchmark_runs": "mixed",
    "staging/stg_benchmark_runs__runs": "mixed",
    "marts/fct_run_reproducibility": "gpu",
    "raw/serving_runs": "cpu",
    "staging/stg_serving_runs__levels": "cpu",
    "marts/fct_serving_levels": "cpu",
    "marts/fct_serving_latency_target": "cpu",
    "marts/fct_serving_target_quality_co2": "cpu",
    "raw/quality_runs": "cpu",
    "staging/stg_quality_runs__squad": "cpu",
    "marts/fct_quality_energy": "cpu",
    # inference marts: third-party and own runs side by side
    "intermediate/int_inference_runs_unioned": "mixed",
    "marts/fct_inference_efficiency": "mixed",
    "marts/fct_co2_per_1k_tokens": "mixed",
    "marts/fct_cost_per_1k_tokens": "mixed",
    "marts/fct_equivalences": "mixed",
    "marts/fct_quality_leaderboard_energy": "mixed",
    "marts/fct_quality_per_energy": "mixed",
    "marts/fct_quality_per_co2": "mixed",
    # training facts
    "raw/training_footprint": "as_published",
    "staging/stg_training_footprint__runs": "as_published",
    "raw/epoch_notable_models": "as_published",
    "staging/stg_epoch_ai__notable_models": "as_published",
    "reference/training_fact_second_sources": "as_published",
    "intermediate/int_training_fact_sources_unioned": "as_published",
    "intermediate/int_training_fact_values": "as_published",
    "intermediate/int_training_facts_compared": "as_published",
    "intermediate/int_training_runs_flagged": "as_published",
    "marts/fct_training_footprint": "as_published",
    "marts/fct_training_fact_sources": "as_published",
    "marts/fct_training_fact_ranges": "as_published",
    "marts/fct_training_fact_disagreements": "as_published",
    "marts/fct_training_equivalences": "as_published",
    "marts/fct_training_cost": "as_published",
    # training and inference figures together (size curves, the model dimension)
    "marts/dim_models": "mixed",
    "intermediate/int_size_curve_points_unioned": "mixed",
    "marts/fct_size_curves": "mixed",
    "marts/fct_size_curve_fits": "mixed",
    "marts/fct_size_class_comparison": "mixed",
    "marts/fct_size_class_threshold_sensitivity": "mixed",
    # the seed study (its SmolLM table is CodeCarbon's machine total; its figures 12-14 GPU energy and power)
    "reference/seed_smollm_study": "machine",
    "marts/fct_seed_smollm_study_comparison": "mixed",
    "reference/seed_study_figures": "gpu",
    "marts/fct_seed_study_comparison": "gpu",
    # charts: the scope of the figures they draw (energy, power, or CO2e computed from an energy figure); charts of
    # prices, rental cost, speed, memory or grid intensity carry none
    "charts/inference_co2_by_country": "machine",
    "charts/inference_energy_vs_batch_size": "gpu",
    "charts/inference_energy_vs_params": "mixed",
    "charts/own_runs_average_power": "gpu",
    "charts/own_runs_batch_sweep": "gpu",
    "charts/own_runs_codecarbon_vs_counter": "mixed",
    "charts/own_runs_energy_per_answer": "gpu",
    "charts/own_runs_j_per_token_vs_params": "gpu",
    "charts/own_runs_run_to_run": "gpu",
    "charts/own_runs_smollm_135m_study": "mixed",
    "charts/quality_f1_vs_energy_per_answer": "cpu",
    "charts/quality_vs_co2": "mixed",
    "charts/seed_fig02_bloom_family": "mixed",
    "charts/seed_smollm_135m_study_comparison": "mixed",
    "charts/seed_studies_side_by_side": "gpu",
    "charts/serving_energy_vs_itl_pareto": "cpu",
    "charts/size_curve_fits": "as_published",
    "charts/training_175b_models": "as_published",
    "charts/training_co2_vs_params": "as_published",
    "charts/training_emissions_by_model": "as_published",
    "charts/training_llama_family": "as_published",
    "report/greenlm_report": "mixed",
}

# Dagster's rule for tag values (dagster._core.definitions.utils.is_valid_tag_key / value).
_TAG_VALUE = re.compile(r"^[A-Za-z0-9_.-]{0,63}$")


def _key(key: dg.AssetKey) -> str:
    return key.to_user_string()


def sources_by_key(deps: Mapping[dg.AssetKey, Iterable[dg.AssetKey]]) -> dict[dg.AssetKey, str]:
    """The ``source`` of every asset of ``deps`` (each asset key -> the keys it depends on): its root source, the
    one source of all roots upstream of it, or ``derived``. A ``ValueError`` names a root :data:`ROOT_SOURCES`
    lacks, or a dependency that is not an asset of ``deps``."""
    roots: dict[dg.AssetKey, frozenset[str]] = {}

    def visit(key: dg.AssetKey, path: tuple[dg.AssetKey, ...]) -> frozenset[str]:
        if key in roots:
            return roots[key]
        if key not in deps:
            raise ValueError(
                f"{_key(path[-1])} depends on {_key(key)}, which is not an asset of the code location"
            )
        if (root := ROOT_SOURCES.get(_key(key))) is not None:
            found = frozenset({root})
        elif not deps[key]:
            raise ValueError(
                f"asset {_key(key)!r} has no source: add it to ROOT_SOURCES in greenlm_assets/lib/tags.py "
                f"(sources: {', '.join(SOURCES)})"
            )
        else:
            found = frozenset().union(*(visit(d, (*path, key)) for d in deps[key]))
        roots[key] = found
        return found

    return {k: next(iter(s)) if len(s) == 1 else "derived" for k in deps if (s := visit(k, (k,)))}


def tags_by_key(deps: Mapping[dg.AssetKey, Iterable[dg.AssetKey]]) -> dict[dg.AssetKey, dict[str, str]]:
    """The ``source`` and (where it applies) ``energy_scope`` tags of every asset of ``deps``."""
    tags: dict[dg.AssetKey, dict[str, str]] = {}
    for key, source in sources_by_key(deps).items():
        tags[key] = {SOURCE_TAG: source}
        if (scope := ENERGY_SCOPES.get(_key(key))) is not None:
            tags[key][ENERGY_SCOPE_TAG] = scope
    for key_tags in tags.values():
        for value in key_tags.values():
            if not _TAG_VALUE.match(value):
                raise ValueError(f"tag value {value!r} breaks Dagster's tag rules")
    return tags
