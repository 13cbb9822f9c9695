"""GPU market marts after the platform's one offline materialization (shared ``platform`` fixture)."""

from __future__ import annotations

import duckdb

DIM_GPUS_CONTRACT = [
    "gpu_key",
    "gpu_name",
    "memory_gb",
    "memory_bandwidth_tb_s",
    "bf16_dense_tflop_s",
    "tdp_w",
    "launch_year",
    "purchase_price_usd",
    "purchase_price_kind",
    "purchase_price_date",
]
RENTAL_CONTRACT = [
    "gpu_key",
    "pricing",
    "median_usd_per_gpu_hour",
    "min_usd_per_gpu_hour",
    "max_usd_per_gpu_hour",
    "n_observations",
    "providers",
    "latest_observed_date",
]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE marts.{table}").fetchall()]


def test_contract_columns(con: duckdb.DuckDBPyConnection) -> None:
    assert set(DIM_GPUS_CONTRACT) <= set(_columns(con, "dim_gpus"))
    assert set(RENTAL_CONTRACT) <= set(_columns(con, "fct_gpu_rental_prices"))


def test_dim_gpus_one_row_per_model_across_sources(con: duckdb.DuckDBPyConnection) -> None:
    n, keys = con.execute("SELECT count(*), count(DISTINCT gpu_key) FROM marts.dim_gpus").fetchone()
    assert n == keys >= 40
    h100 = con.execute(
        "SELECT gpu_name, memory_gb, memory_bandwidth_tb_s, bf16_dense_tflop_s, tdp_w, launch_year, "
        "purchase_price_usd, purchase_price_kind FROM marts.dim_gpus WHERE gpu_key = 'h100-sxm-80gb'"
    ).fetchone()
    assert h100[0] == "NVIDIA H100 SXM5 80GB" and h100[1] == 80 and 3 < h100[2] < 4 and 900 < h100[3] < 1100
    assert h100[4] == 700 and h100[5] == 2022
    assert h100[6] > 10000 and h100[7] in {"street", "list", "analyst_estimate"}
    # RunPod's "H100 80GB HBM3", tugot17's "H100_80GB SXM5", ewyluda's "H100" are all this one row
    names = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT gpu_name_raw FROM staging.stg_gpu_prices__observations WHERE gpu_key = 'h100-sxm-80gb'"
        ).fetchall()
    }
    assert {"H100", "H100_80GB SXM5", "H100 (80 GB)"} <= names
    street = con.execute(
        "SELECT purchase_price_kind FROM marts.dim_gpus WHERE gpu_key = 'l4-24gb'"
    ).fetchone()
    assert street == ("street",)


def test_rental_prices_and_rent_vs_buy(con: duckdb.DuckDBPyConnection) -> None:
    h100, providers, n_obs = con.execute(
        "SELECT median_usd_per_gpu_hour, n_providers, n_observations FROM marts.fct_gpu_rental_prices "
        "WHERE gpu_key = 'h100-sxm-80gb' AND pricing = 'on_demand'"
    ).fetchone()
    assert 1.5 < h100 < 8 and providers >= 8 and n_obs >= providers
    spot, on_demand = con.execute(
        "SELECT min(median_usd_per_gpu_hour) FILTER (WHERE pricing = 'spot'), "
        "min(median_usd_per_gpu_hour) FILTER (WHERE pricing = 'on_demand') FROM marts.fct_gpu_rental_prices "
        "WHERE gpu_key = 'h100-sxm-80gb'"
    ).fetchone()
    assert spot < on_demand
    rows = dict(
        con.execute(
            "SELECT gpu_key, break_even_rental_hours FROM marts.fct_gpu_rent_vs_buy "
            "WHERE gpu_key IN ('h100-sxm-80gb', 'a100-sxm-40gb', 'l4-24gb')"
        ).fetchall()
    )
    assert set(rows) == {"h100-sxm-80gb", "a100-sxm-40gb", "l4-24gb"}
    assert all(500 < h < 50000 for h in rows.values())
    # recomputed from the two marts it is derived from
    check = con.execute(
        "SELECT max(abs(r.break_even_rental_hours - d.purchase_price_usd / p.median_usd_per_gpu_hour)) "
        "FROM marts.fct_gpu_rent_vs_buy r JOIN marts.dim_gpus d USING (gpu_key) "
        "JOIN marts.fct_gpu_rental_prices p ON p.gpu_key = r.gpu_key AND p.pricing = 'on_demand'"
    ).fetchone()[0]
    assert check < 1e-6


def test_daily_prices_and_model_hardware_cost(con: duckdb.DuckDBPyConnection) -> None:
    days = con.execute(
        "SELECT count(DISTINCT observed_date) FROM marts.fct_gpu_prices_daily WHERE gpu_key = 'h100-sxm-80gb'"
    ).fetchone()[0]
    assert days >= 28  # PrimeIntellect's four weeks + the index day + FSDL's day
    bad = con.execute(
        "SELECT count(*) FROM marts.fct_gpu_prices_daily "
        "WHERE NOT (min_usd_per_gpu_hour <= median_usd_per_gpu_hour AND median_usd_per_gpu_hour <= p90_usd_per_gpu_hour)"
    ).fetchone()[0]
    assert bad == 0
    small, big = con.execute(
        "SELECT min(params_b), max(params_b) FROM marts.fct_gpu_model_hardware_cost"
    ).fetchone()
    assert small <= 0.135 and big >= 405
    need = con.execute(
        "SELECT gpus_needed FROM marts.fct_gpu_model_hardware_cost "
        "WHERE model_name = 'Llama 3.1 405B' AND gpu_key = 'h100-sxm-80gb'"
    ).fetchone()[0]
    assert need == 13  # 405e9 x 2 B x 1.2 = 972 GB over 80 GB
