"""Unchanged snapshots are not reloaded; a changed snapshot or `force` reloads."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from greenlm_assets.defs.resources import build_resources
from tests.conftest import load_defs, materialize_all

SNAPSHOTS = Path(__file__).resolve().parents[2] / "data" / "snapshots"
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
        fh.write('Tiny 1B,Tiny,1,10,A100-80GB,400,,0.0016,0.1,"test row"\n')
    changed = materialize_all(defs, selection=KEY)
    assert _meta(changed)["skipped_unchanged"].value is False
    assert _state(db)[0] == loaded[0] + 1


def _by_key(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetMaterialization]:
    return {
        e.materialization.asset_key.to_user_string(): e.materialization
        for e in result.get_asset_materialization_events()
    }


def _flag(mat: dg.AssetMaterialization, name: str) -> bool:
    return bool(mat.metadata[name].value)


def test_unchanged_rerun_skips_everything_and_a_change_propagates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole pipeline, three runs on one Dagster instance (as `make run` with `.dagster_home`): from scratch,
    unchanged (every raw load skipped, no dbt model stale, no chart redrawn), then one snapshot edited (that table
    reloaded, the models reading it rebuilt with the new row, its chart redrawn, others kept)."""
    snaps = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS, snaps)
    for name, value in {
        "GREENLM_SNAPSHOTS_DIR": snaps,
        "GREENLM_DUCKDB_PATH": tmp_path / "greenlm.duckdb",
        "GREENLM_CHARTS_DIR": tmp_path / "charts",
        "GREENLM_REPORT_DIR": tmp_path / "report",
    }.items():
        monkeypatch.setenv(name, str(value))
    defs = load_defs()
    assets = [a for a in defs.assets or [] if not getattr(a, "partitions_def", None)]
    # As the pipeline benchmark: without the live benchmark launch, whose fresh run is new data every time.
    offline = 'not key:"measurements/greenlm_bench_run"'

    with dg.DagsterInstance.ephemeral() as instance:

        def run() -> dg.ExecuteInProcessResult:
            result = dg.materialize(assets, resources=build_resources(), selection=offline, instance=instance)
            assert result.success
            return result

        first = run()
        raw_keys = {k for k, m in _by_key(first).items() if k.startswith("raw/")}
        assert len(raw_keys) >= 12 and not any(
            _flag(_by_key(first)[k], "skipped_unchanged") for k in raw_keys
        )

        mats = _by_key(run())
        assert all(_flag(mats[k], "skipped_unchanged") for k in raw_keys)
        dbt_mats = [m for k, m in mats.items() if k.startswith(("staging/", "marts/"))]
        assert dbt_mats and not any(_flag(m, "dbt_rebuilt") for m in dbt_mats)
        charts = {k: m for k, m in mats.items() if k.startswith("charts/")}
        assert len(charts) > 20 and not any(_flag(m, "redrawn") for m in charts.values())
        # Data versions hash the tables' rows and the charts' data, so they repeat exactly when nothing changed.
        versions = {
            k: m.tags["dagster/data_version"]
            for k, m in _by_key(first).items()
            if k in charts or k in raw_keys
        }
        assert versions == {k: m.tags["dagster/data_version"] for k, m in mats.items() if k in versions}

        with (snaps / FOOTPRINT).open("a") as fh:
            fh.write('Tiny 1B,Tiny,1,10,A100-80GB,400,,0.0016,0.1,"test row"\n')
        mats = _by_key(run())
    assert not _flag(mats[KEY], "skipped_unchanged")
    assert all(_flag(mats[k], "skipped_unchanged") for k in raw_keys - {KEY})
    assert _flag(mats["marts/fct_training_footprint"], "dbt_rebuilt")
    assert not _flag(mats["marts/dim_gpus"], "dbt_rebuilt")
    with duckdb.connect(str(tmp_path / "greenlm.duckdb"), read_only=True) as con:
        assert (
            con.execute(
                "SELECT count(*) FROM marts.fct_training_footprint WHERE model_name = 'Tiny 1B'"
            ).fetchone()[0]
            == 1
        )
    assert _flag(mats["charts/training_co2_vs_params"], "redrawn")  # plots fct_training_footprint
    assert not _flag(mats["charts/gpu_rental_prices"], "redrawn")  # reads nothing that changed
