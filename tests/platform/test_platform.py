"""End to end: definitions load, every asset materializes offline, raw counts, dbt, mart values, chart, queries."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from greenlm_assets.lib.paths import QUERIES_DIR
from greenlm_assets.lib.raw_assets import DUCKDB_POOL
from tests.conftest import load_defs, run_dbt

RAW_COUNTS = {
    "open_llm_leaderboard_v2": 4576,
    "training_footprint": 29,
    "gpu_specs": 170,
}


def test_definitions_load_with_every_layer() -> None:
    defs = load_defs()
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    for table in [*RAW_COUNTS, "grid_carbon_intensity"]:
        assert f"raw/{table}" in keys
    assert "marts/fct_training_footprint" in keys
    assert "staging/stg_training_footprint__runs" in keys
    assert "charts/training_co2_vs_params" in keys
    # dbt tests surface as asset checks on the dbt models.
    check_keys = {
        k.asset_key.to_user_string() for a in defs.assets or [] for k in getattr(a, "check_keys", [])
    }
    assert "marts/fct_training_footprint" in check_keys
    assert "raw/open_llm_leaderboard_v2" in check_keys
    # Every asset that opens the DuckDB file shares one pool.
    for assets_def in defs.assets or []:
        if isinstance(
            assets_def, dg.AssetSpec
        ):  # offline, a live-only asset (and, with campaigns off, the campaign cells) is an external spec
            md = assets_def.metadata
            assert md.get("live_only") is True or md.get("campaigns_off") is True, assets_def.key
            continue
        assert isinstance(assets_def, dg.AssetsDefinition)
        for spec in assets_def.specs:
            if spec.metadata.get("greenlm/duckdb") == "none":  # campaign cells append JSONL; Ray owns devices
                continue
            assert assets_def.op.pool == DUCKDB_POOL, spec.key


def test_every_asset_and_check_succeeds(platform: dict) -> None:
    result: dg.ExecuteInProcessResult = platform["result"]
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) >= 20
    failed = [e.check_name for e in evaluations if not e.passed]
    assert failed == []


def test_raw_row_counts_and_provenance(con) -> None:
    for table, n in RAW_COUNTS.items():
        assert con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0] == n, table
        missing = con.execute(
            f"SELECT count(*) FROM raw.{table} WHERE _source IS NULL OR _source_ref IS NULL OR _ingested_at IS NULL"
        ).fetchone()[0]
        assert missing == 0, table
    n_countries = con.execute("SELECT count(*) FROM raw.grid_carbon_intensity").fetchone()[0]
    assert n_countries > 150
    fra, usa = (
        con.execute(
            "SELECT g_co2e_per_kwh FROM raw.grid_carbon_intensity WHERE country_iso3 = ? ", [iso]
        ).fetchone()[0]
        for iso in ("FRA", "USA")
    )
    assert 0 < fra < usa  # French grid (nuclear) is cleaner than the US grid
    ref = con.execute("SELECT DISTINCT _source_ref FROM raw.grid_carbon_intensity").fetchone()[0]
    assert ref.startswith("codecarbon==")


def test_training_footprint_mart_values(con) -> None:
    rows = dict(
        con.execute(
            "SELECT model_name, co2_t FROM marts.fct_training_footprint WHERE model_name LIKE 'Llama 2 %'"
        ).fetchall()
    )
    assert rows["Llama 2 70B"] == pytest.approx(291.42)
    assert rows["Llama 2 7B"] == pytest.approx(31.22)
    size_class, energy, derived = con.execute(
        "SELECT size_class, energy_mwh, energy_derived FROM marts.fct_training_footprint "
        "WHERE model_name = 'Llama 2 70B'"
    ).fetchone()
    assert (size_class, derived) == ("LLM", True)
    assert energy == pytest.approx(1_720_320 * 400 / 1e6)
    assert con.execute(
        "SELECT size_class, energy_derived, energy_mwh FROM marts.fct_training_footprint "
        "WHERE model_name = 'GPT-3 175B'"
    ).fetchone() == ("LLM", False, 1287)
    assert con.execute(
        "SELECT size_class FROM marts.fct_training_footprint WHERE model_name = 'Llama 2 7B'"
    ).fetchone() == ("SLM",)
    # The Llama 3.3 70B card's 12.9 t cannot come from 7.0M H100-hours: flagged, not hidden.
    assert con.execute(
        "SELECT co2_energy_consistent FROM marts.fct_training_footprint WHERE model_name = 'Llama 3.3 70B'"
    ).fetchone() == (False,)


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def test_chart_is_a_real_png(platform: dict) -> None:
    png = platform["charts"] / "training_co2_vs_params.png"
    width, height = _png_size(png)
    assert width >= 600 and height >= 400
    assert png.stat().st_size > 20_000
    assert (platform["charts"] / "training_co2_vs_params.svg").read_text().lstrip().startswith("<?xml")
    mats = platform["result"].asset_materializations_for_node("charts__training_co2_vs_params")
    assert "data:image/png;base64," in mats[0].metadata["chart"].value


@pytest.mark.timeout(900)  # the dbt build below may take its own 600 s
def test_dbt_build_cli_passes_on_the_file(platform: dict) -> None:
    """`dbt build` (models + data tests + unit tests) run by dbt itself on the materialized file."""
    proc = run_dbt(platform, "build", "dbt_target", timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "ERROR=0" in proc.stdout
    assert "unit_test" in proc.stdout or "unit test" in proc.stdout


@pytest.mark.parametrize("query", sorted(p.name for p in QUERIES_DIR.glob("*.sql")))
def test_curated_queries_run(con, query: str) -> None:
    df = con.execute((QUERIES_DIR / query).read_text()).df()
    assert len(df) > 0
    if query == "slm_vs_llm_training_co2.sql":
        by_class = df.set_index("size_class")
        assert set(by_class.index) == {"SLM", "LLM"}
        assert by_class.loc["LLM", "median_co2_t"] > by_class.loc["SLM", "median_co2_t"]
    if query == "grid_carbon_extremes.sql":
        clean = df[df.end_of_table == "cleanest"].g_co2e_per_kwh.max()
        dirty = df[df.end_of_table == "dirtiest"].g_co2e_per_kwh.min()
        assert clean < dirty


def test_dagster_dev_prepares_the_dbt_project_without_an_activated_venv(tmp_path: Path) -> None:
    """`.venv/bin/dagster dev` with the venv not on PATH: dagster-dbt's dev-time `dbt parse` runs a bare `dbt`, so
    the code location puts the venv's dbt on PATH first (it failed to load with "dbt executable not found")."""
    env = {
        "PATH": "/usr/bin:/bin",  # no venv here
        "HOME": str(tmp_path),
        "DAGSTER_IS_DEV_CLI": "1",  # what `dagster dev` sets: DbtProject.prepare_if_dev() then parses
        "GREENLM_DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    code = "from greenlm_assets.lib.dbt_project import dbt_project; print(dbt_project.manifest_path)"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifest = Path(proc.stdout.strip().splitlines()[-1])
    assert manifest.is_relative_to(tmp_path / "target") and manifest.exists()
