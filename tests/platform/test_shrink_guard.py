"""A source that suddenly loses most of its rows (a partial download that still parses) is held back, the previous
rows kept, unless the run is forced (``raw_load.check_not_shrunk``, threshold ``MIN_KEPT_SHARE``)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from greenlm_assets.defs.resources import build_resources
from greenlm_assets.lib.raw_load import MIN_KEPT_SHARE, ShrunkSourceError, load_raw_csv, load_raw_table
from tests.conftest import load_defs, repo_root


def _keep_records(path: Path, n: int) -> None:
    """Rewrite a CSV with its header and first ``n`` records: a cut-off copy that is still a valid CSV."""
    with path.open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows[:n]])


def _count(db: Path, table: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]


@pytest.mark.parametrize(
    ("table", "snapshot", "kept"),
    [
        # a raw source without quarantine (build_raw_asset -> load_raw_table -> load_raw_staged)
        ("training_footprint", "training_footprint/training_footprint.csv", 5),
        # a quarantined catalog source (build_raw_asset -> load_with_quarantine -> load_raw_staged)
        ("epoch_notable_models", "epoch_ai/notable_ai_models_24_02_2025.csv", 100),
    ],
)
def test_a_truncated_snapshot_is_held_back_unless_forced(
    table: str, snapshot: str, kept: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snaps = tmp_path / "snapshots"
    (snaps / snapshot).parent.mkdir(parents=True)
    for path in (repo_root() / "data" / "snapshots" / snapshot).parent.iterdir():
        shutil.copy(path, (snaps / snapshot).parent / path.name)
    db = tmp_path / "greenlm.duckdb"
    monkeypatch.setenv("GREENLM_SNAPSHOTS_DIR", str(snaps))
    monkeypatch.setenv("GREENLM_DUCKDB_PATH", str(db))
    assets = [a for a in load_defs().assets or [] if not getattr(a, "partitions_def", None)]
    key = f"raw/{table}"

    def run(force: bool = False) -> dg.ExecuteInProcessResult:
        config = {"ops": {f"raw__{table}": {"config": {"force": True}}}} if force else None
        return dg.materialize(
            assets, resources=build_resources(), selection=key, run_config=config, raise_on_error=False
        )

    assert run().success
    full = _count(db, table)
    assert full > kept / MIN_KEPT_SHARE

    _keep_records(snaps / snapshot, kept)
    held = run()
    assert not held.success
    error, message = held.get_step_failure_events()[0].step_failure_data.error, ""
    while error is not None:  # Dagster wraps the asset's exception: read the whole chain
        message, error = message + error.message, error.cause
    assert f"raw.{table} would shrink from {full:,} to {kept:,} rows" in message
    assert "held back" in message and "force: true" in message and snapshot.split("/")[-1] in message
    assert _count(db, table) == full  # the previous load is intact

    forced = run(force=True)
    assert forced.success
    assert _count(db, table) == kept


def test_both_loaders_hold_back_below_the_threshold_and_allow_shrinking_slices_and_force(
    tmp_path: Path,
) -> None:
    """A frame (load_raw_table) and a CSV (load_raw_csv), both staged and loaded by load_raw_staged, on the
    contract of raw.grid_carbon_intensity; half the rows is still accepted, fewer is not."""
    header = "country_iso3,country_name,g_co2e_per_kwh,data_year,total_twh,fossil_twh,low_carbon_twh,renewables_twh,nuclear_twh\n"

    def csv_of(n: int, path: Path) -> Path:
        path.write_text(header + "".join(f"C{i:02d},Country {i},{100 + i},2023,,,,,\n" for i in range(n)))
        return path

    with duckdb.connect(str(tmp_path / "g.duckdb")) as con:
        common = {"source": "test", "source_ref": "test"}
        assert load_raw_csv(con, "grid_carbon_intensity", csv_of(10, tmp_path / "a.csv"), **common) == 10
        with pytest.raises(
            ShrunkSourceError, match=r"raw.grid_carbon_intensity would shrink from 10 to 4 rows"
        ):
            load_raw_csv(con, "grid_carbon_intensity", csv_of(4, tmp_path / "b.csv"), **common)
        frame = pd.read_csv(csv_of(4, tmp_path / "c.csv"), dtype=str)
        with pytest.raises(ShrunkSourceError, match="from 10 to 4 rows"):
            load_raw_table(con, "grid_carbon_intensity", frame, **common)
        assert con.execute("SELECT count(*) FROM raw.grid_carbon_intensity").fetchone()[0] == 10
        assert (
            load_raw_csv(con, "grid_carbon_intensity", csv_of(5, tmp_path / "d.csv"), **common) == 5
        )  # 50 %
        assert load_raw_table(con, "grid_carbon_intensity", frame, allow_shrink=True, **common) == 4
        # A slice is compared with what it replaces, not with the whole table.
        assert (
            load_raw_table(
                con,
                "grid_carbon_intensity",
                frame.iloc[:1],
                replace_where="country_iso3 = ?",
                replace_params=["C00"],
                **common,
            )
            == 1
        )
