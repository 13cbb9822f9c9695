"""Inference marts (efficiency, CO2 and cost per 1K tokens, inference size curves) re-derived from their inputs."""

import csv
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from greenlm_assets.lib.gpu_market import normalise_gpu_name
from greenlm_assets.lib.paths import DBT_PROJECT_DIR
from tests.conftest import run_dbt_unit_tests

SEEDS = DBT_PROJECT_DIR / "seeds" / "reference"


def dbt_vars() -> dict:
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def df(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def test_seeds_cite_a_source_and_gpu_keys_follow_the_name_scheme() -> None:
    with (SEEDS / "electricity_prices.csv").open(newline="") as f:
        prices = list(csv.DictReader(f))
    assert {(r["country_iso3"], r["price_kind"]) for r in prices} >= {("USA", "retail"), ("FRA", "retail")}
    for r in prices:
        assert len(r["source"]) > 40, r
        # the USD figure is the local one converted at the stated rate
        assert float(r["usd_per_kwh"]) == pytest.approx(
            float(r["local_price_per_kwh"]) * float(r["usd_per_currency_unit"]), rel=5e-3
        )
    with (SEEDS / "inference_hardware_gpu_keys.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            # the dbt-side mapping is the Python name scheme applied to what the source published
            assert normalise_gpu_name(r["hardware_raw"]) == r["gpu_key"], r


def test_every_measured_run_lands_once_with_its_own_scope(con: duckdb.DuckDBPyConnection) -> None:
    runs = df(con, "SELECT * FROM marts.fct_inference_efficiency")
    third_party = df(
        con, "SELECT source, run_id, energy_scope FROM intermediate.int_third_party_runs_unioned"
    )
    assert runs.inference_run_key.is_unique
    assert len(runs[runs.source != "greenlm"]) == len(third_party)
    n_greenlm, n_history, n_smoke = con.execute(
        "SELECT count(*) FILTER (WHERE is_current AND meets_protocol), count(*) FILTER (WHERE NOT is_current), "
        "count(*) FILTER (WHERE NOT meets_protocol) "
        "FROM staging.stg_benchmark_runs__runs WHERE status = 'ok' AND j_per_output_token IS NOT NULL"
    ).fetchone()
    # a configuration measured again lands once, as its current run; the shipped data has such re-measurements;
    # runs off the protocol (the `make run` smoke run) stay in staging, out of the mart
    assert (runs.source == "greenlm").sum() == n_greenlm > 0 and n_history > 0 and n_smoke >= 1
    smoke_keys = set(
        df(
            con,
            "SELECT 'greenlm:' || run_id AS k FROM staging.stg_benchmark_runs__runs WHERE NOT meets_protocol",
        ).k
    )
    assert not smoke_keys & set(runs.inference_run_key)
    greenlm = runs[runs.source == "greenlm"]
    assert (
        set(greenlm.energy_scope) <= {"gpu", "cpu", "machine"}
        and greenlm.roofline_source.isin(["harness"]).any()
    )
    scopes = runs.groupby("source").energy_scope.unique().to_dict()
    for source in ("ml_energy_v1", "ml_energy_v2", "ml_energy_v3"):
        assert list(scopes[source]) == ["gpu"], source  # NVML over the run's GPUs
    assert list(scopes["llm_perf"]) == ["machine"]  # CodeCarbon cpu + gpu + ram
    # every GPU run has a key of dim_gpus (the seed covers every GPU label), CPU runs have none
    gpu_keys = set(df(con, "SELECT gpu_key FROM marts.dim_gpus").gpu_key)
    gpu_runs = runs[runs.device == "gpu"]
    assert gpu_runs.gpu_key.notna().all() and set(gpu_runs.gpu_key) <= gpu_keys
    assert runs[runs.device == "cpu"].gpu_key.isna().all()
    # MEASUREMENT.md: Wh per 1K tokens = J/token x 1000 / 3600
    np.testing.assert_allclose(runs.wh_per_1k_tokens, runs.j_per_output_token / 3.6, rtol=1e-12)


def test_computed_roofline_matches_dim_gpus(con: duckdb.DuckDBPyConnection) -> None:
    runs = df(
        con,
        "SELECT r.*, g.memory_bandwidth_tb_s, g.bf16_dense_tflop_s FROM marts.fct_inference_efficiency r "
        "JOIN marts.dim_gpus g USING (gpu_key) WHERE roofline_source = 'computed_kv_cache_ignored'",
    )
    assert len(runs) > 500
    assert not runs.is_moe.any() and set(runs.precision) <= {"bf16", "fp16", "int8", "int4"}
    batch = runs.avg_batch_size.fillna(runs.batch_size)
    memory = (
        batch
        * runs.num_gpus
        * runs.memory_bandwidth_tb_s
        * 1e12
        / (runs.params_b * 1e9 * runs.bytes_per_param)
    )
    compute = runs.num_gpus * runs.bf16_dense_tflop_s * 1e12 / (2 * runs.params_b * 1e9)
    np.testing.assert_allclose(runs.bound_tokens_per_s, np.minimum(memory, compute), rtol=1e-9)
    np.testing.assert_allclose(
        runs.roofline_efficiency, runs.tokens_per_s / np.minimum(memory, compute), rtol=1e-9
    )
    # KV-cache reads are ignored, so the bound is optimistic: no run beats it
    assert runs.roofline_efficiency.between(0, 1).all()


def test_co2_per_1k_tokens_is_energy_times_grid_everywhere(con: duckdb.DuckDBPyConnection) -> None:
    n_runs, n_countries, n_rows = con.execute(
        "SELECT (SELECT count(*) FROM marts.fct_inference_efficiency WHERE wh_per_1k_tokens IS NOT NULL), "
        "(SELECT count(*) FROM staging.stg_codecarbon__grid_carbon_intensity), "
        "(SELECT count(*) FROM marts.fct_co2_per_1k_tokens)"
    ).fetchone()
    assert n_rows == n_runs * n_countries
    pair = df(
        con,
        "SELECT f.inference_run_key, f.wh_per_1k_tokens, f.energy_scope, r.energy_scope AS run_scope, "
        "f.country_iso3, f.grid_g_co2e_per_kwh, f.g_co2e_per_1k_tokens, f.named_example "
        "FROM marts.fct_co2_per_1k_tokens f JOIN marts.fct_inference_efficiency r USING (inference_run_key) "
        "WHERE f.country_iso3 IN ('FRA', 'USA')",
    )
    assert (pair.energy_scope == pair.run_scope).all()  # no row changes or mixes scope
    np.testing.assert_allclose(
        pair.g_co2e_per_1k_tokens, pair.wh_per_1k_tokens / 1000 * pair.grid_g_co2e_per_kwh, rtol=1e-12
    )
    wide = pair.pivot(index="inference_run_key", columns="country_iso3", values="g_co2e_per_1k_tokens")
    assert len(wide) == n_runs and (wide.FRA < wide.USA).all()  # France's nuclear grid beats the US average
    assert set(pair.named_example.dropna().str.split(" ").str[0]) == {"France", "South"}


def test_cost_per_1k_tokens_rederived(con: duckdb.DuckDBPyConnection) -> None:
    v = dbt_vars()
    cost = df(
        con,
        "SELECT c.*, r.num_gpus, r.energy_scope AS run_scope, g.memory_gb, g.purchase_price_usd AS dim_price, "
        "p.median_usd_per_gpu_hour AS price FROM marts.fct_cost_per_1k_tokens c "
        "JOIN marts.fct_inference_efficiency r ON c.inference_run_key = r.inference_run_key "
        "JOIN marts.dim_gpus g ON c.gpu_key = g.gpu_key "
        "JOIN marts.fct_gpu_rental_prices p ON c.gpu_key = p.gpu_key AND c.pricing = p.pricing",
    )
    assert len(cost) == con.execute("SELECT count(*) FROM marts.fct_cost_per_1k_tokens").fetchone()[0] > 1000
    assert (cost.energy_scope == cost.run_scope).all()
    needed = np.ceil(cost.params_b * cost.bytes_per_param * (1 + v["gpu_memory_headroom"]) / cost.memory_gb)
    assert (cost.gpus_needed == needed).all()
    billed = np.maximum(needed, cost.num_gpus)
    assert (cost.gpus_billed == billed).all()
    np.testing.assert_allclose(
        cost.usd_per_1k_tokens_rental, cost.price * billed / cost.tokens_per_s * 1000 / 3600, rtol=1e-9
    )
    with (SEEDS / "electricity_prices.csv").open(newline="") as f:
        usd_per_kwh = next(
            float(r["usd_per_kwh"])
            for r in csv.DictReader(f)
            if (r["country_iso3"], r["price_kind"]) == (v["electricity_country"], v["electricity_price_kind"])
        )
    assert (cost.electricity_country == v["electricity_country"]).all()
    np.testing.assert_allclose(
        cost.usd_per_1k_tokens_energy, cost.wh_per_1k_tokens / 1000 * usd_per_kwh, rtol=1e-9
    )
    local = cost.dropna(subset=["dim_price"])
    hours = v["local_gpu_lifetime_years"] * 8760 * v["local_gpu_utilisation"]
    np.testing.assert_allclose(
        local.local_usd_per_1k_tokens,
        local.dim_price / hours * local.gpus_billed / local.tokens_per_s * 1000 / 3600
        + local.usd_per_1k_tokens_energy,
        rtol=1e-9,
    )
    assert (
        (local.local_usd_per_1k_tokens < local.usd_per_1k_tokens_rental) == (local.cheaper_option == "local")
    ).all()
    # Llama 3.1 8B on an H100 (ML.ENERGY, one GPU): cheaper per token at larger batches
    llama = cost[
        (cost.model_key == "llama-3.1-8b-instruct")
        & (cost.gpu_key == "h100-sxm-80gb")
        & (cost.pricing == "on_demand")
    ]
    assert len(llama) > 5 and (llama.gpus_billed == 1).all()
    best, worst = llama.usd_per_1k_tokens_rental.min(), llama.usd_per_1k_tokens_rental.max()
    assert 0 < best < worst
    assert llama.loc[llama.usd_per_1k_tokens_rental.idxmin(), "batch_size"] > llama.batch_size.min()


def test_inference_size_curves_are_per_scope_medians_of_one_setup(con: duckdb.DuckDBPyConnection) -> None:
    points = df(
        con,
        "SELECT metric, model_name, params_b, params_b_total, active_params_b, is_moe, value "
        "FROM intermediate.int_size_curve_points_unioned "
        "WHERE metric LIKE 'inference%'",
    ).set_index(["metric", "model_name"])
    runs = df(con, "SELECT * FROM marts.fct_inference_efficiency WHERE precision IN ('bf16', 'fp16')")
    setups = {
        "inference_wh_per_1k_tokens_machine": (runs.source == "llm_perf")
        & (runs.gpu_key == "a100-sxm-80gb")
        & (runs.backend == "pytorch")
        & (runs.batch_size == 1),
        "inference_wh_per_1k_tokens_gpu": (runs.source == "ml_energy_v2") & (runs.gpu_key == "h100-sxm-80gb"),
    }
    for metric, mask in setups.items():
        setup = runs[mask & runs.params_b.notna()]
        assert setup.energy_scope.nunique() == 1 and metric.endswith(setup.energy_scope.iloc[0])
        expected = setup.groupby("model_key").agg(
            params_b=("params_b", "median"), value=("wh_per_1k_tokens", "median")
        )
        got = points.loc[metric].sort_index()
        assert list(got.index) == list(expected.index)
        np.testing.assert_allclose(got.value, expected.value, rtol=1e-12)
        # x is the total, except a mixture-of-experts model's active parameters (issue 16 defect 7)
        np.testing.assert_allclose(got.params_b_total, expected.params_b, rtol=1e-12)
        np.testing.assert_allclose(
            got.params_b, np.where(got.is_moe, got.active_params_b, got.params_b_total), rtol=1e-12
        )
    comparison = df(con, "SELECT * FROM marts.fct_size_class_comparison WHERE metric LIKE 'inference%'")
    assert len(comparison) == 2 and (comparison.n_slm >= 5).all() and (comparison.n_llm >= 5).all()


def test_quality_per_energy_pareto_front(con: duckdb.DuckDBPyConnection) -> None:
    q = df(con, "SELECT * FROM marts.fct_quality_per_energy")
    assert set(q.energy_scope) == {"gpu", "machine"}
    np.testing.assert_allclose(
        q.quality_per_wh_per_1k_tokens, q.quality_score / q.wh_per_1k_tokens, rtol=1e-12
    )
    for _, scope in q.groupby("energy_scope"):
        for row in scope.itertuples():
            others = scope[scope.model_key != row.model_key]
            dominated = (
                (others.quality_score >= row.quality_score)
                & (others.wh_per_1k_tokens <= row.wh_per_1k_tokens)
                & (
                    (others.quality_score > row.quality_score)
                    | (others.wh_per_1k_tokens < row.wh_per_1k_tokens)
                )
            ).any()
            assert row.on_pareto_front == (not dominated), row.model_key
        # the best score and the lowest energy of a scope are always on its front
        assert scope.loc[scope.quality_score.idxmax(), "on_pareto_front"]
        assert scope.loc[scope.wh_per_1k_tokens.idxmin(), "on_pareto_front"]


def test_dbt_unit_tests_of_the_inference_models_pass(platform: dict) -> None:
    """Every inference formula's dbt unit test, run by dbt itself (they also run inside `dbt build` in Dagster)."""
    models = [
        "int_inference_runs_unioned",
        "fct_inference_efficiency",
        "fct_co2_per_1k_tokens",
        "fct_cost_per_1k_tokens",
        "int_size_curve_points_unioned",
        "fct_quality_per_energy",
    ]
    stdout = run_dbt_unit_tests(platform, models, "dbt_target_inference_unit")
    for name in (
        "int_inference_runs_unioned_maps_gpu_keys_params_and_bytes_per_param",
        "fct_inference_efficiency_decode_roofline",
        "fct_co2_per_1k_tokens_is_energy_times_grid_for_every_country",
        "fct_cost_per_1k_tokens_rental_energy_gpus_needed_and_local",
        "int_size_curve_points_takes_one_inference_point_per_model_and_scope",
        "fct_quality_per_energy_pareto_front_within_each_scope",
    ):
        assert re.search(rf"PASS \S*::{name}\b", stdout), name
    assert "ERROR=0" in stdout


def test_curated_inference_queries(con: duckdb.DuckDBPyConnection) -> None:
    queries = Path(__file__).resolve().parents[2] / "sql" / "queries"
    co2 = con.execute((queries / "co2_per_1k_tokens_fra_vs_usa.sql").read_text()).df()
    assert set(co2.energy_scope) >= {"gpu", "machine"} and set(co2.size_class) == {"SLM", "LLM"}
    assert (co2.median_g_co2e_per_1k_tokens_fra < co2.median_g_co2e_per_1k_tokens_usa).all()
    cheapest = con.execute((queries / "cheapest_model_per_quality_point.sql").read_text()).df()
    assert 0 < len(cheapest) <= 20 and cheapest.model_key.is_unique
    assert cheapest.usd_per_1k_tokens_per_quality_point.is_monotonic_increasing


def test_run_reproducibility_is_the_spread_of_repeated_runs(con: duckdb.DuckDBPyConnection) -> None:
    runs = df(
        con,
        "SELECT * FROM staging.stg_benchmark_runs__runs WHERE meets_protocol AND tokens_per_s > 0",
    )
    runs["comparison_key"] = runs.configuration_key + "|" + runs.backend_notes.fillna("")
    groups = {k: g for k, g in runs.groupby("comparison_key") if len(g) >= 2}
    mart = df(con, "SELECT * FROM marts.fct_run_reproducibility").set_index("comparison_key")
    # the shipped measurements re-ran the H200 grid: dozens of configurations have two runs of one implementation
    assert set(mart.index) == set(groups) and len(groups) >= 40
    for key, g in groups.items():
        row = mart.loc[key]
        tps = g.tokens_per_s
        assert (
            row.n_runs == len(g) and row.min_tokens_per_s == tps.min() and row.max_tokens_per_s == tps.max()
        )
        assert row.between_run_cv_tokens_per_s == pytest.approx(tps.std(ddof=1) / tps.mean(), rel=1e-9)
        expected = np.sqrt((g.tokens_per_s_cv**2 / g.repeats).mean())
        assert row.expected_between_cv_tokens_per_s == pytest.approx(expected, rel=1e-9)
        assert row.runs_agree_tokens_per_s == (tps.std(ddof=1) / tps.mean() <= 2 * expected)
        assert row.max_deviation_tokens_per_s == pytest.approx((tps / tps.mean() - 1).abs().max(), rel=1e-9)
        assert row.backend_notes == g.backend_notes.iloc[0] or pd.isna(row.backend_notes)
    # a fast-path run before and after its attention rewrite is two implementations, never one noisy configuration
    fast = runs[
        (runs.backend == "pytorch-cudagraph") & (runs.model_key == "llama-3.1-8b") & (runs.batch_size == 64)
    ]
    assert fast.configuration_key.nunique() == 1 and fast.backend_notes.nunique() == 2
    assert not mart.configuration_key.isin(fast.configuration_key).any()
