"""dbt is not re-run when nothing it reads changed; any raw reload or project edit changes the fingerprint."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from greenlm_assets.defs.transform.dbt import build_inputs_fingerprint, dbt_source_tables, greenlm_dbt_models
from tests.conftest import load_defs, materialize_all


def test_unchanged_inputs_reuse_the_last_build(platform: dict) -> None:
    built = [e.materialization for e in platform["result"].get_asset_materialization_events()]
    built_versions = {
        m.asset_key: m.tags["dagster/data_version"] for m in built if m.asset_key in greenlm_dbt_models.keys
    }
    result = materialize_all(load_defs(), selection=dg.AssetSelection.assets(greenlm_dbt_models))
    assert result.success
    mats = [e.materialization for e in result.get_asset_materialization_events()]
    assert len(mats) > 20
    assert all("reused_build_at" in m.metadata and m.metadata["checks_not_rerun"].value > 100 for m in mats)
    # Same inputs, same data version as the real build; the dbt tests were not re-run, so none is reported.
    with duckdb.connect(str(platform["db"]), read_only=True) as con:
        inputs_sha = build_inputs_fingerprint(con, dbt_source_tables())
    assert {m.tags["dagster/data_version"] for m in mats} == {inputs_sha}
    assert set(built_versions.values()) == {inputs_sha} and len(built_versions) == len(mats)
    assert result.get_asset_check_evaluations() == []


def test_fingerprint_reads_the_dbt_sources() -> None:
    tables = dbt_source_tables()
    assert tables and "training_footprint" in tables and "open_llm_leaderboard_v2" in tables


def test_fingerprint_follows_raw_data(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "f.duckdb")) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.t (x INT, _ingested_at TIMESTAMP)")
        con.execute("INSERT INTO raw.t VALUES (1, TIMESTAMP '2026-01-01')")
        before = build_inputs_fingerprint(con)
        assert build_inputs_fingerprint(con) == before
        # Reloading identical content (new load time) keeps the fingerprint; new content changes it.
        con.execute("UPDATE raw.t SET _ingested_at = TIMESTAMP '2026-02-01'")
        assert build_inputs_fingerprint(con) == before
        con.execute("INSERT INTO raw.t VALUES (2, TIMESTAMP '2026-01-02')")
        assert build_inputs_fingerprint(con) != before
        # A raw table that no dbt source reads does not count.
        with_t = build_inputs_fingerprint(con, ["t"])
        con.execute("CREATE TABLE raw.fetch_log (fetched_at TIMESTAMP)")
        con.execute("INSERT INTO raw.fetch_log VALUES (now())")
        assert build_inputs_fingerprint(con, ["t"]) == with_t
        con.execute("DELETE FROM raw.t WHERE x = 2")
        con.execute("UPDATE raw.t SET x = 3")
        assert build_inputs_fingerprint(con) != before
