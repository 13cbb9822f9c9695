"""Issue 16: the 7B boundary on exact parameter counts, MoE at active parameters, memory plausibility.

Checked on the DuckDB file a real Dagster run of every asset builds (conftest `platform`), against figures read
from the cited seed rows and computed here by hand.
"""

import csv
from pathlib import Path

import duckdb
import pytest

from greenlm_assets.lib.paths import DBT_PROJECT_DIR

SEEDS = DBT_PROJECT_DIR / "seeds" / "reference"
QUERIES_DIR = Path(__file__).resolve().parents[2] / "sql" / "queries"


def seed(name: str) -> dict[str, dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(newline="") as f:
        return {r[next(iter(r))]: r for r in csv.DictReader(f)}


def test_regression_cases_land_on_the_side_of_their_exact_count(con: duckdb.DuckDBPyConnection) -> None:
    """codegemma-7b and gemma-7b are one 8.54B architecture; xglm-7.5b is 7.49B: none of them is an SLM."""
    rows = {
        key: (params, source, size_class)
        for key, params, source, size_class in con.execute(
            "SELECT model_key, params_b_exact, params_b_exact_source, size_class FROM marts.dim_models "
            "WHERE model_key IN ('codegemma-7b', 'gemma-7b', 'xglm-7.5b', 'mistral-7b-v0.1', 'llama-2-7b')"
        ).fetchall()
    }
    assert rows["codegemma-7b"] == (pytest.approx(8.537680896), "model_architectures", "LLM")
    assert rows["gemma-7b"][0] == pytest.approx(8.538, abs=1e-3) and rows["gemma-7b"][2] == "LLM"
    assert rows["xglm-7.5b"] == (pytest.approx(7.49277184), "model_architectures", "LLM")
    assert rows["mistral-7b-v0.1"][2] == "LLM"  # 7.24B: a "7B" above the boundary
    assert rows["llama-2-7b"][2] == "SLM"  # 6.74B
    # The same classes in the size curves (codegemma-7b: ML.ENERGY v2 gpu scope; xglm-7.5b: LLM-Perf machine scope).
    points = dict(
        con.execute(
            "SELECT model_name, size_class FROM intermediate.int_size_curve_points_unioned "
            "WHERE model_name IN ('codegemma-7b', 'xglm-7.5b')"
        ).fetchall()
    )
    assert points == {"codegemma-7b": "LLM", "xglm-7.5b": "LLM"}


def test_no_class_is_decided_on_a_rounded_count_that_straddles_the_threshold(
    con: duckdb.DuckDBPyConnection,
) -> None:
    threshold = con.execute("SELECT any_value(threshold_params_b) FROM marts.fct_size_curve_fits").fetchone()[
        0
    ]
    guessed = con.execute(
        "SELECT count(*) FROM marts.dim_models WHERE params_b_exact IS NULL AND size_class IS NOT NULL "
        "AND params_b_min <= ? AND params_b_max > ?",
        [threshold, threshold],
    ).fetchone()[0]
    assert guessed == 0
    # Every included size-curve point is classed, and exactly, when it could be on either side of any threshold.
    assert con.execute(
        "SELECT count(*) FROM intermediate.int_size_curve_points_unioned WHERE included AND size_class IS NULL"
    ).fetchone() == (0,)


def test_seed_counts_match_an_independent_count(con: duckdb.DuckDBPyConnection) -> None:
    """GreenLM's harness counts the loaded parameters of the models it runs: the seed's counts agree to the unit."""
    arch = seed("model_architectures")
    harness = dict(
        con.execute(
            "SELECT model_key, any_value(params_b) FROM intermediate.int_inference_runs_unioned "
            "WHERE source = 'greenlm' GROUP BY 1"
        ).fetchall()
    )
    pairs = {
        "qwen2.5-7b": "Qwen2.5-7B",
        "mistral-7b": "Mistral-7B-v0.1",
        "llama-3.1-8b": "Llama 3.1 8B",
        "gemma-2-2b": "Gemma 2 2B",
        "smollm2-135m": "SmolLM2-135M",
    }
    compared = [(k, v) for k, v in pairs.items() if k in harness]
    assert compared, "no GreenLM harness run of a seeded model"
    for key, row in compared:
        assert harness[key] == pytest.approx(float(arch[row]["params_b_exact"]), abs=1e-6), key


def test_threshold_sensitivity_moves_with_the_boundary(con: duckdb.DuckDBPyConnection) -> None:
    df = con.execute((QUERIES_DIR / "size_class_threshold_sensitivity.sql").read_text()).df()
    assert set(df.threshold_params_b) == {7.0, 7.5, 8.0}
    assert set(df.metric) == {
        "training_energy_mwh",
        "training_co2_t",
        "inference_wh_per_1k_tokens_gpu",
        "inference_wh_per_1k_tokens_machine",
    }
    comparison = con.execute(
        "SELECT metric, llm_to_slm_median_ratio FROM marts.fct_size_class_comparison"
    ).fetchall()
    default = df[df.is_default_threshold].set_index("metric")
    for metric, ratio in comparison:
        assert default.loc[metric, "llm_to_slm_median_ratio"] == ratio
    gpu = df[df.metric == "inference_wh_per_1k_tokens_gpu"].set_index("threshold_params_b")
    # Mistral-7B (7.248B) is an LLM at 7 and an SLM at 7.5; Llama 3.1 8B (8.03B) stays an LLM at 8.
    assert "mistral-7b-instruct-v0.3" in gpu.loc[7.5, "models_to_slm"]
    assert "llama-3.1-8b" not in (gpu.loc[8.0, "models_to_slm"] or "")
    assert gpu.loc[7.5, "n_slm"] > gpu.loc[7.0, "n_slm"]
    boundary = dict(
        con.execute(
            "SELECT model_name || '@' || threshold_params_b, size_class FROM marts.fct_size_class_boundary_models"
        ).fetchall()
    )
    assert boundary["qwen2.5-7b@7.5"] == "LLM" and boundary["qwen2.5-7b@8.0"] == "SLM"  # 7.62B
    assert boundary["codegemma-7b@8.0"] == "LLM"  # 8.54B


def test_moe_points_sit_at_their_active_parameters(con: duckdb.DuckDBPyConnection) -> None:
    arch = seed("model_architectures")
    rows = {
        name: (params, basis, total)
        for name, params, basis, total in con.execute(
            "SELECT model_name, params_b, params_basis, params_b_total FROM intermediate.int_size_curve_points_unioned "
            "WHERE is_moe"
        ).fetchall()
    }
    mixtral = arch["Mixtral-8x7B-Instruct-v0.1"]
    assert rows["mixtral-8x7b-instruct-v0.1"] == (
        pytest.approx(float(mixtral["active_params_b"])),
        "active",
        pytest.approx(float(mixtral["params_b_exact"])),
    )
    assert 12.8 < float(mixtral["active_params_b"]) < 13 and 46.6 < float(mixtral["params_b_exact"]) < 46.8
    assert {basis for _, basis, _ in rows.values()} == {"active"}
    # Memory counts every expert: the memory mart weighs Mixtral at its total.
    weight = con.execute(
        "SELECT weight_gb FROM marts.fct_memory_ratios WHERE model_name = 'Mixtral-8x7B-Instruct-v0.1' "
        "AND precision = 'bf16'"
    ).fetchone()[0]
    assert weight == pytest.approx(float(mixtral["params_b_exact"]) * 2)


def test_weight_only_quantization_keeps_a_16_bit_kv_cache(con: duckdb.DuckDBPyConnection) -> None:
    kv = dict(
        con.execute(
            "SELECT precision, kv_cache_bytes_per_token FROM marts.fct_memory_ratios WHERE model_name = 'Llama 2 7B'"
        ).fetchall()
    )
    assert kv["bf16"] == 2 * 32 * 32 * 128 * 2
    assert kv["int8"] == kv["int4"] == kv["bf16"]
    assert kv["fp32"] == 2 * kv["bf16"]


def test_measured_memory_holds_the_weights(con: duckdb.DuckDBPyConnection) -> None:
    """LLM-Perf's max allocated memory and GreenLM's peak memory never fall below parameters x bytes (seed)."""
    bytes_per_param = {k: float(v["bytes_per_param"]) for k, v in seed("precision_bytes").items()}
    rows = con.execute(
        "SELECT r.precision, d.params_b_min, s.decode_max_allocated_mb / 1000 FROM intermediate.int_inference_runs_unioned r "
        "JOIN staging.stg_llm_perf__runs s ON r.source = 'llm_perf' AND r.run_id = s.run_id "
        "JOIN marts.dim_models d ON d.model_key = r.model_key WHERE s.decode_max_allocated_mb > 0"
    ).fetchall()
    assert len(rows) > 100
    assert all(gb >= params * bytes_per_param[p] for p, params, gb in rows if params is not None)
    own = con.execute(
        "SELECT precision, params_b, peak_memory_gb FROM intermediate.int_inference_runs_unioned "
        "WHERE source = 'greenlm' AND peak_memory_gb > 0"
    ).fetchall()
    assert all(gb >= params * bytes_per_param[p] for p, params, gb in own)
