"""Any change of any raw value rebuilds what depends on it: the marts never keep numbers their sources dropped.

Real Dagster runs on a copy of the snapshots and a temp DuckDB file, one Dagster instance for all of them (so each
run sees the history of the ones before, as `make run` does with `.dagster_home`): build the raw tables and the dbt
models, edit the snapshot copy, run again, read the marts.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from greenlm_assets.defs.resources import build_resources
from greenlm_assets.defs.transform.dbt import greenlm_dbt_models
from tests.conftest import load_defs, repo_root

FOOTPRINT = Path("training_footprint/training_footprint.csv")
HARDWARE = Path("epoch_ai/ml_hardware.csv")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Snapshots copied to tmp; ``run()`` materializes every raw table, seed and dbt model (no charts, no live
    benchmark launch) into a temp DuckDB file, on one instance kept for the module."""
    root = tmp_path_factory.mktemp("stale")
    snaps = root / "snapshots"
    shutil.copytree(repo_root() / "data" / "snapshots", snaps)
    env = {
        "GREENLM_SNAPSHOTS_DIR": str(snaps),
        "GREENLM_DUCKDB_PATH": str(root / "greenlm.duckdb"),
        "GREENLM_CHARTS_DIR": str(root / "charts"),
        "GREENLM_REPORT_DIR": str(root / "report"),
    }
    with pytest.MonkeyPatch.context() as mp, dg.DagsterInstance.ephemeral() as instance:
        for name, value in env.items():
            mp.setenv(name, value)
        defs = load_defs()
        assets = [a for a in defs.assets or [] if not getattr(a, "partitions_def", None)]
        selection = (
            dg.AssetSelection.key_prefixes("raw", "reference") | dg.AssetSelection.assets(greenlm_dbt_models)
        ) - dg.AssetSelection.assets(dg.AssetKey(["raw", "gpu_price_scrape"]))

        def run(succeeds: bool = True) -> dg.ExecuteInProcessResult:
            result = dg.materialize(
                assets,
                resources=build_resources(),
                selection=selection,
                instance=instance,
                raise_on_error=False,
            )
            assert result.success is succeeds
            return result

        first = run()
        yield {"snaps": snaps, "db": root / "greenlm.duckdb", "run": run, "first": first}


def _query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _edit_csv(path: Path, edit) -> None:
    """Rewrite a CSV through ``edit(header, rows)``, every other byte of every other row kept as it was read."""
    with path.open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    edit(header, rows)
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])


def _dbt_mats(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetMaterialization]:
    return {
        m.asset_key.to_user_string(): m
        for m in (e.materialization for e in result.get_asset_materialization_events())
        if m.asset_key in greenlm_dbt_models.keys
    }


def _rebuilt(result: dg.ExecuteInProcessResult) -> set[str]:
    return {k for k, m in _dbt_mats(result).items() if m.metadata["dbt_rebuilt"].value}


def test_unchanged_rerun_rebuilds_nothing(pipeline: dict) -> None:
    """Nothing changed: no model is stale, dbt does not run, every model keeps its data version."""
    first = _dbt_mats(pipeline["first"])
    assert len(first) > 50 and _rebuilt(pipeline["first"]) == set(first)
    again = pipeline["run"]()
    mats = _dbt_mats(again)
    assert mats.keys() == first.keys() and _rebuilt(again) == set()
    assert {k: m.tags["dagster/data_version"] for k, m in mats.items()} == {
        k: m.tags["dagster/data_version"] for k, m in first.items()
    }
    assert not [e for e in again.get_asset_check_evaluations() if e.asset_key in greenlm_dbt_models.keys]


def test_swapping_a_value_between_two_rows_rebuilds_the_marts(pipeline: dict) -> None:
    """Reproduces the stale-marts defect: the same values in another order used to look like unchanged input."""
    sql = "SELECT model_name, co2_t FROM marts.fct_training_footprint WHERE model_name IN (?, ?) ORDER BY 1"
    # Llama 2 13B and 7B: both rows stay physically plausible after the swap (implied grid 212 and 847 g/kWh); a
    # swap with Llama 2 70B would make the 7B row 3,953 g/kWh, which the plausibility test rightly refuses.
    names = ["Llama 2 13B", "Llama 2 7B"]
    before = dict(_query(pipeline["db"], sql, names))
    assert before[names[0]] != before[names[1]]

    def swap(header: list[str], rows: list[list[str]]) -> None:
        model, co2 = header.index("model"), header.index("co2_t")
        a, b = (next(r for r in rows if r[model] == name) for name in names)
        a[co2], b[co2] = b[co2], a[co2]

    _edit_csv(pipeline["snaps"] / FOOTPRINT, swap)
    result = pipeline["run"]()
    after = dict(_query(pipeline["db"], sql, names))
    assert after == {names[0]: before[names[1]], names[1]: before[names[0]]}
    # Only what reads the footprint was rebuilt (and its tests re-run); the GPU market was not.
    rebuilt = _rebuilt(result)
    assert {
        "staging/stg_training_footprint__runs",
        "marts/fct_training_footprint",
        "marts/dim_models",
    } <= rebuilt
    assert "marts/dim_gpus" not in rebuilt and "marts/fct_gpu_rental_prices" not in rebuilt
    checked = {e.asset_key.to_user_string() for e in result.get_asset_check_evaluations()}
    assert "marts/fct_training_footprint" in checked and "marts/dim_gpus" not in checked


def test_one_cell_of_a_wide_table_rebuilds_the_marts(pipeline: dict) -> None:
    """One value among the ~40 columns × 170 rows of Epoch's hardware table reaches dim_gpus."""
    sql = "SELECT tdp_w FROM marts.dim_gpus WHERE gpu_key = 'h100-sxm-80gb'"
    (before,) = _query(pipeline["db"], sql)[0]

    def bump_tdp(header: list[str], rows: list[list[str]]) -> None:
        name, tdp = header.index("Hardware name"), header.index("TDP (W)")
        row = next(r for r in rows if r[name] == "NVIDIA H100 SXM5 80GB")
        row[tdp] = str(float(row[tdp]) + 1)

    _edit_csv(pipeline["snaps"] / HARDWARE, bump_tdp)
    result = pipeline["run"]()
    assert _query(pipeline["db"], sql) == [(before + 1,)]
    assert {"staging/stg_epoch_ai__gpu_specs", "marts/dim_gpus"} <= _rebuilt(result)
    # the footprint mart reads dim_gpus (TDP for its plausibility bound) and is rebuilt; its staging view is not
    assert "staging/stg_training_footprint__runs" not in _rebuilt(result)


def test_a_relation_missing_from_the_file_is_rebuilt(pipeline: dict) -> None:
    """Dagster's history says the mart is current, but the DuckDB file lost it (replaced, edited by hand)."""
    with duckdb.connect(str(pipeline["db"])) as con:
        con.execute("DROP TABLE marts.fct_size_curves")
    result = pipeline["run"]()
    assert "marts/fct_size_curves" in _rebuilt(result)
    assert _query(pipeline["db"], "SELECT count(*) > 0 FROM marts.fct_size_curves") == [(True,)]


def test_a_failing_dbt_test_is_not_bypassed_by_running_again(pipeline: dict) -> None:
    """dim_gpus is materialized before its tests run; when one fails, the next run must build and test it again
    rather than take that materialization as current (and then pass with the bad row in the mart)."""
    path = pipeline["snaps"] / HARDWARE
    original = path.read_bytes()

    def implausible_tdp(header: list[str], rows: list[list[str]]) -> None:
        name, tdp = header.index("Hardware name"), header.index("TDP (W)")
        next(r for r in rows if r[name] == "NVIDIA H100 SXM5 80GB")[tdp] = (
            "3000.0"  # dim_gpus allows 10-2000 W
        )

    _edit_csv(path, implausible_tdp)
    failed = pipeline["run"](succeeds=False)
    assert any("tdp_w" in e.check_name and not e.passed for e in failed.get_asset_check_evaluations())
    again = pipeline["run"](succeeds=False)
    assert "marts/dim_gpus" in _rebuilt(again)
    path.write_bytes(original)
    fixed = pipeline["run"]()
    assert "marts/dim_gpus" in _rebuilt(fixed)
