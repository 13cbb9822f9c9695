"""Unchanged snapshots are not reloaded; a changed snapshot or `force` reloads."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from greenlm_assets.defs.resources import build_resources
from tests.conftest import load_defs, materialize_all

SNAPSHOTS = Path(__file__).resolve().parents[1] / "data" / "snapshots"
FOOTPRINT = "training_footprint/training_footprint.csv"
KEY = "raw/training_footprint"


def _state(db: Path) -> tuple:
    with duckdb.connect(str(db)) as con:
        return con.execute("SELECT count(*), max(_ingested_at) FROM raw.training_footprint").fetchone()


def _meta(result: dg.ExecuteInProcessResult) -> dict:
    return result.asset_materializations_for_node("raw__training_footprint")[0].metadata


def test_rerun_skips_unchanged_and_reloads_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snaps = tmp_path / "snapshots"
    (snaps / FOOTPRINT).parent.mkdir(parents=True)
    shutil.copy(SNAPSHOTS / FOOTPRINT, snaps / FOOTPRINT)
    monkeypatch.setenv("GREENLM_SNAPSHOTS_DIR", str(snaps))
    db = tmp_path / "greenlm.duckdb"
    monkeypatch.setenv("GREENLM_DUCKDB_PATH", str(db))
    defs = load_defs()

    first = materialize_all(defs, selection=KEY)
    assert first.success and _meta(first)["skipped_unchanged"].value is False
    loaded = _state(db)

    second = materialize_all(defs, selection=KEY)
    assert second.success and _meta(second)["skipped_unchanged"].value is True
    assert _state(db) == loaded  # same rows, same load timestamp: nothing was rewritten
    assert second.get_asset_check_evaluations()[0].passed  # checks still evaluate the table

    forced = dg.materialize(
        list(defs.assets or []),
        resources=build_resources(),
        selection=KEY,
        run_config={"ops": {"raw__training_footprint": {"config": {"force": True}}}},
    )
    assert _meta(forced)["skipped_unchanged"].value is False
    assert _state(db)[1] > loaded[1]

    # Append one valid row: the content hash changes, so the table is reloaded with it.
    with (snaps / FOOTPRINT).open("a") as fh:
        fh.write('Tiny 1B,Tiny,1,10,A100-80GB,400,,0.01,0.1,"test row"\n')
    changed = materialize_all(defs, selection=KEY)
    assert _meta(changed)["skipped_unchanged"].value is False
    assert _state(db)[0] == loaded[0] + 1
