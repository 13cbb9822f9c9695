"""Training cost, quality per CO2 and equivalences marts, re-derived from their inputs on the built platform."""

from __future__ import annotations

import csv

import duckdb
import pandas as pd
import pytest
import yaml

from greenlm_assets.lib.gpu_market import normalise_gpu_name
from greenlm_assets.lib.paths import DBT_PROJECT_DIR

SEEDS = DBT_PROJECT_DIR / "seeds" / "reference"


def dbt_vars() -> dict:
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def test_training_gpu_keys_follow_the_name_scheme() -> None:
    with (SEEDS / "training_gpu_keys.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows
    for row in rows:
        # TPUs are not GPUs: the name scheme gives None and the seed leaves the key empty.
        assert (row["gpu_key"] or None) == normalise_gpu_name(row["gpu_type"]), row
    with (SEEDS / "published_training_costs.csv").open(newline="") as f:
        sourced = [bool(r["source"].strip()) for r in csv.DictReader(f)]
    assert sourced and all(sourced)


def test_training_cost_rederived(con: duckdb.DuckDBPyConnection) -> None:
    v = dbt_vars()
    price = con.execute(
        "select usd_per_kwh from reference.electricity_prices where country_iso3 = ? and price_kind = ?",
        [v["electricity_country"], v["electricity_price_kind"]],
    ).fetchone()[0]
    cost = con.execute(
        """
        select c.model_name, c.gpu_key, c.gpu_hours, c.energy_mwh, c.training_cost_usd, c.ratio_to_published,
               c.published_cost_usd, r.median_usd_per_gpu_hour
        from marts.fct_training_cost as c
        left join marts.fct_gpu_rental_prices as r on r.gpu_key = c.gpu_key and r.pricing = 'on_demand'
        """
    ).df()
    n_with_hours = con.execute(
        "select count(*) from marts.fct_training_footprint where gpu_hours is not null"
    ).fetchone()[0]
    assert len(cost) == n_with_hours > 0
    costed = cost[cost.training_cost_usd.notna()]
    assert len(costed) >= 5
    expected = costed.gpu_hours * costed.median_usd_per_gpu_hour + costed.energy_mwh * 1000 * price
    assert (costed.training_cost_usd - expected).abs().max() < 1e-6 * expected.max()
    # TPU runs have no GPU key, hence no rental price and no total.
    assert cost[cost.gpu_key.isna()].training_cost_usd.isna().all()
    # Both published estimates sit beside a computed cost, with the ratio.
    pub = cost[cost.published_cost_usd.notna()].set_index("model_name")
    assert set(pub.index) == {"Llama 3.1 405B", "GPT-3 175B"}
    assert (pub.ratio_to_published - pub.training_cost_usd / pub.published_cost_usd).abs().max() < 1e-9
    by_class = con.execute("select * from marts.fct_training_cost_by_size_class").df().set_index("size_class")
    assert set(by_class.index) == {"SLM", "LLM"}
    assert by_class.loc["LLM", "median_training_cost_usd"] > by_class.loc["SLM", "median_training_cost_usd"]


def test_quality_per_co2_pareto_and_reused_energy(con: duckdb.DuckDBPyConnection) -> None:
    q = con.execute("select * from marts.fct_quality_per_co2").df()
    assert len(q) > 100
    assert ((q.quality_per_eval_kg_co2e - q.quality_score / q.eval_kg_co2e).abs() < 1e-9).all()
    front = q[q.on_pareto_front_eval_co2].sort_values("eval_kg_co2e")
    assert len(front) >= 2
    # Along a Pareto front, more CO2 must buy strictly more quality.
    assert front.quality_score.is_monotonic_increasing
    # No model off the front is missed: the front's best score at or below each model's CO2 beats or ties it.
    for row in q[~q.on_pareto_front_eval_co2].sample(n=min(200, len(q)), random_state=0).itertuples():
        dominating = front[
            (front.eval_kg_co2e <= row.eval_kg_co2e) & (front.quality_score >= row.quality_score)
        ]
        assert len(dominating) > 0, row.model_key
    energy = con.execute(
        "select model_key, quality_per_wh_per_1k_tokens from marts.fct_quality_per_energy where energy_scope = 'gpu'"
    ).df()
    merged = q.merge(energy, on="model_key")
    assert len(merged) > 0
    assert (merged.quality_per_wh_per_1k_tokens_gpu == merged.quality_per_wh_per_1k_tokens).all()


@pytest.mark.parametrize("scope", ["gpu", "machine"])
def test_equivalences_cover_training_and_inference(con: duckdb.DuckDBPyConnection, scope: str) -> None:
    eq = con.execute("select * from marts.fct_equivalences").df()
    training = eq[eq.figure_kind == "training"].set_index("subject")
    same = con.execute("select * from marts.fct_training_equivalences").df().set_index("model_name")
    assert len(training) == len(same)
    # One formula: the training mart (rounded) and this one agree on every figure.
    pd.testing.assert_series_equal(
        training.person_years_of_electricity.round(1).sort_index(),
        same.person_years_of_electricity.sort_index(),
        check_names=False,
        check_index_type=False,
        atol=0.051,
    )
    inf = eq[(eq.figure_kind == "inference_per_1m_tokens") & (eq.energy_scope == scope)]
    assert set(inf.country_iso3) == {"USA", "FRA"}
    assert set(inf.size_class) == {"SLM", "LLM"}
    usa, fra = (inf[inf.country_iso3 == c].set_index("size_class") for c in ("USA", "FRA"))
    assert (usa.co2_kg > fra.co2_kg).all()  # France's grid is cleaner than the US average
