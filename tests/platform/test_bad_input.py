"""Bad snapshot files fail their asset with a message naming file and field/row, and keep the previous data."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from greenlm_assets.lib import sources
from greenlm_assets.lib.raw_load import RawLoadError, quote_ident, validate
from tests.conftest import load_defs, materialize_all

SNAPSHOTS = Path(__file__).resolve().parents[2] / "data" / "snapshots"
FOOTPRINT = "training_footprint/training_footprint.csv"
LEADERBOARD = sources.LEADERBOARD_V2_FILE


def _rewrite_csv(path: Path, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(df).to_csv(path, index=False)


CASES: dict[str, tuple[str, Callable[[Path], None], str]] = {
    "missing_file": (FOOTPRINT, lambda p: p.unlink(), "file not found"),
    "empty_file": (FOOTPRINT, lambda p: p.write_text(""), "file is empty"),
    "header_only": (FOOTPRINT, lambda p: p.write_text(p.read_text().splitlines()[0] + "\n"), "no data rows"),
    "missing_required_column": (
        FOOTPRINT,
        lambda p: _rewrite_csv(p, lambda df: df.drop(columns=["co2_t"])),
        "missing required column(s) ['co2_t']",
    ),
    "renamed_key_column": (
        FOOTPRINT,
        lambda p: _rewrite_csv(p, lambda df: df.rename(columns={"model": "model_name"})),
        "missing required column(s) ['model']",
    ),
    "wrong_type": (
        FOOTPRINT,
        lambda p: _rewrite_csv(p, lambda df: df.assign(gpu_hours=df.gpu_hours.where(df.index != 3, "lots"))),
        "row 5: field 'gpu_hours' = 'lots' is not a valid DOUBLE",
    ),
    "null_key": (
        FOOTPRINT,
        lambda p: _rewrite_csv(p, lambda df: df.assign(model=df.model.where(df.index != 0, ""))),
        "row 2: field 'model' is empty",
    ),
    "malformed_csv": (
        LEADERBOARD,
        lambda p: p.write_bytes(b'id,model_name\n"unterminated,\xff\xfe\n'),
        "not a readable CSV",  # (the path already says "leaderboard")
    ),
    "bad_boolean": (
        LEADERBOARD,
        lambda p: _rewrite_csv(
            p, lambda df: df.assign(features_is_moe=df.features_is_moe.where(df.index != 10, "maybe"))
        ),
        "row 12: field 'features_is_moe' = 'maybe' is not a valid BOOLEAN",
    ),
}

TABLE_OF = {FOOTPRINT: "training_footprint", LEADERBOARD: "open_llm_leaderboard_v2"}


@pytest.fixture()
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    snaps = tmp_path / "snapshots"
    for rel in (FOOTPRINT, LEADERBOARD):
        (snaps / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SNAPSHOTS / rel, snaps / rel)
    monkeypatch.setenv("GREENLM_SNAPSHOTS_DIR", str(snaps))
    monkeypatch.setenv("GREENLM_DUCKDB_PATH", str(tmp_path / "greenlm.duckdb"))
    return snaps


def _table_state(db: Path, table: str) -> tuple[int, str]:
    # Same configuration as the asset's connection: DuckDB shares one instance per file within a process.
    with duckdb.connect(str(db)) as con:
        return con.execute(
            # _ingested_at included: an untouched table keeps even its load timestamps.
            "SELECT count(*), md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR))) "
            f"FROM raw.{quote_ident(table)} AS t"
        ).fetchone()


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_snapshot_fails_asset_and_keeps_previous_rows(sandbox: Path, tmp_path: Path, case: str) -> None:
    rel, corrupt, expected = CASES[case]
    table = TABLE_OF[rel]
    defs = load_defs()
    good = materialize_all(defs, selection=f"raw/{table}")
    assert good.success
    before = _table_state(tmp_path / "greenlm.duckdb", table)
    assert before[0] > 0

    corrupt(sandbox / rel)
    bad = materialize_all(defs, selection=f"raw/{table}")
    assert not bad.success
    failure = next(e for e in bad.all_events if e.is_step_failure)
    message = str(failure.step_failure_data.error)
    assert str(sandbox / rel) in message, message
    assert expected in message, message
    assert _table_state(tmp_path / "greenlm.duckdb", table) == before


def test_energy_mix_reader_names_the_record(tmp_path: Path) -> None:
    path = tmp_path / "global_energy_mix.json"
    path.write_text(json.dumps({"FRA": {"country_name": "France", "carbon_intensity": "low"}}))
    df = sources.read_grid_carbon_intensity(path)
    with pytest.raises(RawLoadError, match="row 1: field 'g_co2e_per_kwh' = 'low' is not a valid DOUBLE"):
        validate(df, "grid_carbon_intensity", str(path))
    path.write_text("{not json")
    with pytest.raises(RawLoadError, match="not valid JSON"):
        sources.read_grid_carbon_intensity(path)
    path.write_text(json.dumps({"FRA": {"carbon_intensity": 50}}))
    with pytest.raises(RawLoadError, match="field 'country_name' is empty"):
        validate(sources.read_grid_carbon_intensity(path), "grid_carbon_intensity", str(path))
