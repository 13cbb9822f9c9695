"""One raw loader: the catalog's quarantined sources and the other raw sources share the asset factory
(``lib/raw_assets.build_raw_asset``), the validator (``raw_load.validate_staged``) and the loader
(``raw_load.load_raw_staged``), so the same bad input fails the same way through either."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from greenlm_assets.defs.ingest import epoch_notable_models, ml_energy, training_footprint
from greenlm_assets.defs.resources import build_resources
from greenlm_assets.lib import raw_assets
from greenlm_assets.lib.raw_load import (
    RawLoadError,
    load_raw_csv,
    load_raw_table,
    load_with_quarantine,
    read_csv_fast,
    read_csv_strict,
)
from tests.conftest import load_defs, repo_root

HEADER = (
    "model,family,params_b,gpu_hours,gpu_type,power_w,energy_mwh,co2_t,training_tokens_t,source_url_or_path\n"
)
ROWS = [f"M{i},F,{i},10,A100,400,,1.5,2.0,src{i}\n" for i in range(6)]


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(rows))
    return path


def _error_through_every_path(path: Path, **kw) -> set[str]:
    """The message each entry point raises for ``path`` (a raw.training_footprint CSV), each on a fresh DuckDB."""
    messages = set()
    loads = [
        lambda con: load_raw_csv(con, "training_footprint", path, **kw),
        lambda con: load_raw_table(
            con, "training_footprint", read_csv_strict(path), source_file=str(path), **kw
        ),
        lambda con: load_with_quarantine(
            con,
            "training_footprint",
            read_csv_fast(path),
            key_columns=("model",),
            source_file=str(path),
            **kw,
        ),
    ]
    for load in loads:
        with duckdb.connect() as con, pytest.raises(RawLoadError) as err:
            load(con)
        messages.add(str(err.value))
    return messages


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("M9,F,lots,10,A100,400,,1.5,2.0,s\n", "row 3: field 'params_b' = 'lots' is not a valid DOUBLE"),
        (
            "M9,,1,10,A100,400,,1.5,2.0,s\n",
            "row 3: field 'family' is empty but required by raw.training_footprint",
        ),
        ("M9,F,-1,10,A100,400,,1.5,2.0,s\n", "row 3: field 'params_b' = '-1.0' violates CHECK"),
    ],
    ids=["not_a_double", "required_empty", "check_constraint"],
)
def test_frame_csv_and_quarantine_loads_give_one_message(tmp_path: Path, row: str, expected: str) -> None:
    path = _write(tmp_path / "bad.csv", [ROWS[0], row, *ROWS[1:]])
    messages = _error_through_every_path(path, source="test", source_ref="test")
    assert len(messages) == 1, messages  # one validator behind every entry point
    (message,) = messages
    assert message.startswith(f"{path}: {expected}"), message


def test_duplicate_keys_fail_the_strict_load_and_are_quarantined_otherwise(tmp_path: Path) -> None:
    path = _write(tmp_path / "dup.csv", [*ROWS, ROWS[1]])
    with (
        duckdb.connect() as con,
        pytest.raises(RawLoadError, match=r"row 8: key \['model'\] = 'M1' repeats row 3"),
    ):
        load_raw_table(
            con,
            "training_footprint",
            read_csv_strict(path),
            source="t",
            source_ref="t",
            key_columns=["model"],
        )
    with duckdb.connect() as con:
        summary = load_with_quarantine(
            con, "training_footprint", read_csv_fast(path), key_columns=("model",), source="t", source_ref="t",
            source_file=str(path),
        )  # fmt: skip
        assert (summary.rows, summary.quarantined, summary.reasons) == (6, 1, {"duplicate key (model)": 1})


def test_catalog_and_other_raw_sources_are_built_by_one_factory() -> None:
    specs = {
        "training_footprint": training_footprint.training_footprint,
        "epoch_notable_models": epoch_notable_models.epoch_notable_models,
        "ml_energy_runs": ml_energy.ml_energy_runs,
    }
    for table, asset in specs.items():
        assert asset.op.compute_fn.decorated_fn.__qualname__ == "build_raw_asset.<locals>._raw_asset", table
        assert asset.op.pool == raw_assets.DUCKDB_POOL
        assert asset.metadata_by_key[dg.AssetKey(["raw", table])]["dagster/table_name"] == f"raw.{table}"
    checks = {t: {k.name for k in a.check_keys} for t, a in specs.items()}
    assert checks["training_footprint"] == {raw_assets.KEY_CHECK}
    assert (
        checks["epoch_notable_models"]
        == checks["ml_energy_runs"]
        == {raw_assets.KEY_CHECK, raw_assets.QUARANTINE_CHECK}
    )
    with pytest.raises(ValueError, match="quarantine rules need quarantine=True"):
        raw_assets.RawSource(
            table="t", source="s", description="d", read=lambda: None, source_ref=str, source_file=str,
            key_columns=("k",), rules=(raw_assets.Rule("true", "r"),),
        )  # fmt: skip


def _corrupt(path: Path, column: str, value: str) -> None:
    """Set ``column`` of the first record (file line 2) to ``value``, keeping a valid CSV."""
    with path.open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    rows[0][header.index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])


@pytest.mark.parametrize(
    ("table", "snapshot", "column"),
    [
        ("training_footprint", "training_footprint/training_footprint.csv", "params_b"),  # not quarantined
        ("epoch_notable_models", "epoch_ai/notable_ai_models_24_02_2025.csv", "Parameters"),  # quarantined
    ],
)
def test_same_bad_value_fails_both_kinds_of_raw_asset_alike(
    table: str, snapshot: str, column: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snaps = tmp_path / "snapshots"
    shutil.copytree((repo_root() / "data" / "snapshots" / snapshot).parent, (snaps / snapshot).parent)
    db = tmp_path / "greenlm.duckdb"
    monkeypatch.setenv("GREENLM_SNAPSHOTS_DIR", str(snaps))
    monkeypatch.setenv("GREENLM_DUCKDB_PATH", str(db))
    assets = [a for a in load_defs().assets or [] if not getattr(a, "partitions_def", None)]

    def run() -> dg.ExecuteInProcessResult:
        return dg.materialize(
            assets, resources=build_resources(), selection=f"raw/{table}", raise_on_error=False
        )

    assert run().success
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]

    _corrupt(snaps / snapshot, column, "lots")
    failed = run()
    assert not failed.success
    error, message = failed.get_step_failure_events()[0].step_failure_data.error, ""
    while error is not None:
        message, error = message + error.message, error.cause
    field = column.lower()
    assert f"{snaps / snapshot}: row 2: field '{field}' = 'lots' is not a valid DOUBLE" in message, message
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0] == before  # previous load kept
