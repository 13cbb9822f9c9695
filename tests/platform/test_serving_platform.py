"""Serving sweeps through the platform: raw.serving_runs (contract, bad lines), the fct_serving_* marts, the chart
and the curated query, on the committed rows of data/measurements/serving/ (the session's materialized DuckDB)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from greenlm_assets.defs.ingest.serving_runs import SERVING_DIR, read_serving_runs
from greenlm_assets.lib.paths import QUERIES_DIR
from greenlm_assets.lib.raw_load import RawLoadError


def _committed_row() -> dict:
    files = sorted(SERVING_DIR.glob("*.jsonl"))
    assert files, "no committed serving sweep"
    return json.loads(files[0].read_text().splitlines()[0])


def test_a_row_missing_a_required_field_names_file_line_and_field(tmp_path: Path) -> None:
    row = _committed_row()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(row) + "\n" + json.dumps({**row, "server": None}) + "\n")
    with pytest.raises(RawLoadError, match=r"bad.jsonl: line 2: field 'server' is missing"):
        read_serving_runs([bad])


def test_an_ok_row_without_its_window_is_refused(tmp_path: Path) -> None:
    row = {**_committed_row(), "status": "ok", "window_s": None}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(row) + "\n")
    with pytest.raises(RawLoadError, match="line 1: ok row without 'window_s'"):
        read_serving_runs([bad])


def test_serving_rows_land_in_their_own_marts_never_in_the_offline_ones(con) -> None:
    raw = con.execute(
        "SELECT count(*) FROM raw.serving_runs WHERE status = 'ok' AND level_kind = 'sweep'"
    ).fetchone()[0]
    assert raw > 0
    levels = con.execute("SELECT count(*) FROM marts.fct_serving_levels").fetchone()[0]
    assert 0 < levels <= raw
    run_ids = [r[0] for r in con.execute("SELECT run_id FROM raw.serving_runs").fetchall()]
    mixed = con.execute(
        f"SELECT count(*) FROM marts.fct_inference_efficiency WHERE split_part(inference_run_key, ':', 2) IN "
        f"({','.join('?' * len(run_ids))})",
        run_ids,
    ).fetchone()[0]
    assert mixed == 0  # never in the offline generate() medians
    # the mart's figures are the raw row's (same window, same tokens, same energy)
    diff = con.execute(
        "SELECT count(*) FROM marts.fct_serving_levels f JOIN raw.serving_runs r USING (run_id) "
        "WHERE abs(f.j_per_output_token - r.energy_j / r.window_output_tokens) > 1e-9 "
        "OR abs(f.output_tokens_per_s - r.window_output_tokens / r.window_s) > 1e-9"
    ).fetchone()[0]
    assert diff == 0


def test_latency_target_view_picks_the_least_energy_among_levels_that_meet_it(con) -> None:
    rows = con.execute(
        "SELECT t.best_j_per_output_token, t.n_levels_meeting_target, "
        "(SELECT min(j_per_output_token) FROM marts.fct_serving_levels l WHERE l.model_key = t.model_key "
        " AND l.server = t.server AND l.meets_latency_target) AS expected "
        "FROM marts.fct_serving_latency_target t"
    ).fetchall()
    assert rows
    for best, n, expected in rows:
        assert (best is None) == (n == 0)
        assert best == expected


def test_curated_serving_query_answers_for_a_country(con) -> None:
    df = con.execute((QUERIES_DIR / "serving_latency_target.sql").read_text()).df()
    assert len(df) > 0 and set(df["country_iso3"]) == {"FRA"}
    assert df["join_basis"].notna().all()
    met = df[df["meets_latency_target"]]
    assert (met["best_usd_per_1k_tokens"] > 0).all()
    assert (met["g_co2e_per_1k_tokens"] > 0).all()
