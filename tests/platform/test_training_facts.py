"""Training facts (issue 16): the corrected LLaMA 7B row, physical plausibility that fails the build naming the row,
every source of every fact side by side, ranges and >2x disagreements, Llama 3.3 70B as a derivative, the article's
car-distance ratio. Real DuckDB file (the session's Dagster run), real dbt for the failing build."""

import csv
import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from greenlm_assets.lib import sources
from greenlm_assets.lib.paths import DBT_PROJECT_DIR, QUERIES_DIR
from greenlm_assets.lib.report import ReportTable, write_report

A100_TDP_W = 400


def footprint_csv() -> dict[str, dict[str, str]]:
    with sources.snapshot_file(sources.TRAINING_FOOTPRINT_FILE).open(newline="") as f:
        return {r["model"]: r for r in csv.DictReader(f)}


def test_llama_7b_row_is_the_llama_papers_table_15() -> None:
    """Touvron et al. 2023 Table 15: 82,432 A100-hours at 400 W, 36 MWh, 14 t - not OPT-175B's 356 MWh."""
    row = footprint_csv()["LLaMA 7B"]
    assert (float(row["gpu_hours"]), float(row["energy_mwh"]), float(row["co2_t"])) == (82_432, 36, 14)
    assert row["gpu_type"] == "A100-80GB" and "2302.13971" in row["source_url_or_path"]
    w_per_gpu = 36e6 / 82_432
    assert 0.3 * A100_TDP_W <= w_per_gpu <= 1.6 * A100_TDP_W  # 436.7 W: 1.09 x TDP (PUE 1.1)
    old_w_per_gpu = 356e6 / 82_432  # the old figure: 4.3 kW per A100
    assert old_w_per_gpu > 10 * A100_TDP_W


def test_llama_7b_in_the_mart_and_its_w_per_gpu(con: duckdb.DuckDBPyConnection) -> None:
    energy, gpu_hours, w, tdp, ratio, g = con.execute(
        "SELECT energy_mwh, gpu_hours, w_per_gpu, gpu_tdp_w, w_per_gpu_to_tdp_ratio, implied_g_co2e_per_kwh "
        "FROM marts.fct_training_footprint WHERE model_name = 'LLaMA 7B'"
    ).fetchone()
    assert (energy, gpu_hours, tdp) == (36, 82_432, A100_TDP_W)
    assert w == pytest.approx(436.7) and ratio == pytest.approx(1.092)
    assert g == pytest.approx(
        14e6 / 36_000, abs=0.1
    )  # 389 g/kWh: the paper's US average 385 g x PUE rounding


def test_every_training_row_is_physically_plausible(con: duckdb.DuckDBPyConnection) -> None:
    fp = con.execute("SELECT * FROM marts.fct_training_footprint").df()
    checked = fp.dropna(subset=["w_per_gpu", "gpu_tdp_w"])
    assert len(checked) >= 13  # 11 Llama 2/3/3.1/3.2/3.3 card rows, GPT-3, LLaMA 7B
    assert (
        (checked.w_per_gpu >= 0.3 * checked.gpu_tdp_w) & (checked.w_per_gpu <= 1.6 * checked.gpu_tdp_w)
    ).all()
    recomputed = checked.energy_mwh * 1e6 / checked.gpu_hours
    assert (recomputed.round(1) == checked.w_per_gpu).all()
    g = fp.implied_g_co2e_per_kwh.dropna()
    assert ((g >= 0) & (g <= 1200)).all()


def _copy_of_the_built_file(platform: dict, tmp_path: Path) -> Path:
    # The file keeps its name: dbt-duckdb's views name their catalog after it.
    db = tmp_path / "db" / "greenlm.duckdb"
    db.parent.mkdir()
    shutil.copy2(platform["db"], db)
    return db


def test_an_impossible_training_row_fails_the_dbt_build_naming_it(platform: dict, tmp_path: Path) -> None:
    """The old LLaMA 7B energy (356 MWh) with its real GPU-hours, and a CO2 no grid can emit, fed through real dbt."""
    db = _copy_of_the_built_file(platform, tmp_path)
    with duckdb.connect(str(db)) as c:
        c.execute(
            "UPDATE raw.training_footprint SET energy_mwh = 356, gpu_hours = 82432, gpu_type = 'A100-80GB' "
            "WHERE model = 'LLaMA 7B'"
        )
        c.execute("UPDATE raw.training_footprint SET co2_t = 5000 WHERE model = 'Llama 2 7B'")  # 67,817 g/kWh
    env = {**os.environ, "GREENLM_DUCKDB_PATH": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "dbt_target"),
            "--select",
            "fct_training_footprint",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = proc.stdout
    assert proc.returncode != 0, out[-3000:]
    assert "LLaMA 7B (4319 W per GPU = 10.8 x TDP 400 W)" in out, out[-3000:]
    assert "Llama 2 7B (67816.8 g CO2e/kWh)" in out, out[-3000:]
    # The sound rows are not named.
    assert "Llama 2 13B (" not in out


def test_llama_3_3_70b_is_a_derivative_kept_visible_but_not_counted_twice(
    con: duckdb.DuckDBPyConnection,
) -> None:
    row = con.execute(
        "SELECT is_independent_pretraining_run, pretraining_run_of, gpu_hours FROM marts.fct_training_footprint "
        "WHERE model_name = 'Llama 3.3 70B'"
    ).fetchone()
    assert row == (False, "Llama 3.1 70B", 7_000_000)
    reasons = dict(
        con.execute(
            "SELECT metric, exclusion_reason FROM intermediate.int_size_curve_points_unioned "
            "WHERE model_name = 'Llama 3.3 70B'"
        ).fetchall()
    )
    assert reasons == {
        "training_energy_mwh": "not_an_independent_pretraining_run",
        "training_co2_t": "not_an_independent_pretraining_run",
    }
    n_llm = con.execute(
        "SELECT n_llm FROM marts.fct_size_class_comparison WHERE metric = 'training_energy_mwh'"
    ).fetchone()[0]
    counted = con.execute(
        "SELECT count(*) FROM intermediate.int_training_runs_flagged "
        "WHERE counts_in_aggregates AND size_class = 'LLM' AND energy_mwh > 0"
    ).fetchone()[0]
    assert n_llm == counted
    models = con.execute(
        "SELECT models FROM marts.fct_training_cost_by_size_class WHERE size_class = 'LLM'"
    ).fetchone()
    assert "Llama 3.3" not in models[0] and "Llama 3.1 70B" in models[0]
    # Its card's 12.9 t against its parent's 2,040 t for the same run: listed as a disagreement.
    assert con.execute(
        "SELECT ratio FROM marts.fct_training_fact_disagreements WHERE model_name = 'Llama 3.1 70B' AND fact = 'co2_t'"
    ).fetchone()[0] == pytest.approx(2040 / 12.9, rel=1e-3)


def test_llama_405b_card_and_article_side_by_side_with_their_assumptions(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = (
        con.execute("SELECT * FROM marts.fct_training_fact_sources WHERE model_name = 'Llama 3.1 405B'")
        .df()
        .set_index("source_key")
    )
    card, article = rows.loc["footprint"], rows.loc["article_smaller_is_smarter"]
    assert (card.energy_mwh, card.co2_t, card.energy_derived) == (21_588, 8_930, True)
    assert (article.energy_mwh, article.co2_t, article.gpu_hours) == (11_000, 5_000, 16_000 * 80 * 24)
    assert "European average" in article.assumption and "700 W" in card.assumption
    assert "aiquantumintelligence.com/smaller-is-smarter" in article.citation
    assert article.implied_w_per_gpu == pytest.approx(11e9 / 30.72e6, abs=0.1)
    assert article.person_years_of_electricity == pytest.approx(4782.6)  # the article's "about 4,782 people"
    # Car distance: the article's own ratio (about 2M litres <-> 28M km) first, EPA's as the alternative.
    assert article.diesel_litres == pytest.approx(5e6 / 2.54, abs=1)
    assert article.car_km == pytest.approx(28e6, rel=0.02)
    assert article.car_km_epa == pytest.approx(5e9 / (400 / 1.609344), rel=1e-3)  # 5,000 t in g / g per km
    assert not rows.assumption.isna().any() and not rows.citation.isna().any()


def test_ranges_and_disagreements_recomputed_from_the_sources(con: duckdb.DuckDBPyConnection) -> None:
    src = con.execute("SELECT * FROM marts.fct_training_fact_sources").df()
    long = src.melt(
        id_vars=["model_name", "source_label", "is_primary_source"],
        value_vars=["params_b", "gpu_hours", "energy_mwh", "co2_t"],
        var_name="fact",
    ).dropna(subset=["value"])
    ranges = (
        con.execute("SELECT * FROM marts.fct_training_fact_ranges").df().set_index(["model_name", "fact"])
    )
    assert len(ranges) == long.groupby(["model_name", "fact"]).ngroups
    for (model, fact), grp in long.groupby(["model_name", "fact"]):
        r = ranges.loc[(model, fact)]
        assert (r.n_sources, r.min_value, r.max_value) == (len(grp), grp.value.min(), grp.value.max())
    expected = set()
    for (model, fact), grp in long.groupby(["model_name", "fact"]):
        for (_, a), (_, b) in itertools.combinations(grp.iterrows(), 2):
            if a.value > 0 and b.value > 0 and max(a.value, b.value) / min(a.value, b.value) > 2:
                expected.add((model, fact, frozenset({a.source_label, b.source_label})))
    listed = {
        (m, f, frozenset({a, b}))
        for m, f, a, b in con.execute(
            "SELECT model_name, fact, source_a, source_b FROM marts.fct_training_fact_disagreements"
        ).fetchall()
    }
    assert listed == expected
    # The secondary table that carried OPT's line stays visible as a source of LLaMA 7B, never as its value.
    llama = con.execute(
        "SELECT value_a, value_b, source_a_is_primary FROM marts.fct_training_fact_disagreements "
        "WHERE model_name = 'LLaMA 7B' AND fact = 'energy_mwh'"
    ).fetchone()
    assert llama == (36, 356, True)


def test_curated_disagreements_query(con: duckdb.DuckDBPyConnection) -> None:
    df = con.execute((QUERIES_DIR / "training_fact_disagreements.sql").read_text()).df()
    assert len(df) == con.execute("SELECT count(*) FROM marts.fct_training_fact_disagreements").fetchone()[0]
    assert (df.ratio > 2).all() and df.value_a.notna().all() and df.value_b.notna().all()
    assert df.involves_primary.iloc[0]  # rows that touch the published figure first
    ratios = (
        con.execute((QUERIES_DIR / "slm_vs_llm_training_ratios.sql").read_text()).df().set_index("metric")
    )
    energy = ratios.loc["training_energy_mwh"]
    assert energy.llm_to_slm_median_ratio == pytest.approx(energy.llm_median / energy.slm_median, abs=1e-3)


def test_report_groups_its_tables_by_section(tmp_path: Path) -> None:
    tables = [
        (ReportTable(name="a", title="A", sql="", deps=(), provenance="p"), pd.DataFrame({"x": [1]})),
        (
            ReportTable(
                name="t", title="Training T", sql="", deps=(), provenance="p", section="Training facts"
            ),
            pd.DataFrame({"y": [2.5]}),
        ),
        (ReportTable(name="b", title="B", sql="", deps=(), provenance="p"), pd.DataFrame({"z": [3]})),
    ]
    page, _ = write_report(tmp_path / "report", [], tmp_path / "charts", tables, database="x.duckdb")
    html = page.read_text()
    assert html.count("<h2>Key tables</h2>") == 1 and html.count("<h2>Training facts</h2>") == 1
    key, training = html.index("<h2>Key tables</h2>"), html.index("<h2>Training facts</h2>")
    assert key < html.index('id="table-b"') < training < html.index('id="table-t"')
