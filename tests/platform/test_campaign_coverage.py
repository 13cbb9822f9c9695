"""The campaign coverage chart's data: a campaign file's cells against the rows of raw.benchmark_runs.

Rows go through the real JSONL reader and raw loader into a real DuckDB file; the coverage is computed by the
function the chart asset uses (``campaign_coverage``), then drawn by the chart's own render path.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from greenlm_assets.defs.ingest.benchmark_runs import TABLE, read_runs
from greenlm_assets.defs.publish.campaign_coverage import (
    CAMPAIGN_COVERAGE,
    campaign_coverage,
    coverage_counts,
    coverage_summary,
)
from greenlm_assets.lib import campaigns
from greenlm_assets.lib.charts import render_chart
from greenlm_assets.lib.paths import REPO_ROOT
from greenlm_assets.lib.raw_load import load_raw_table

COMMITTED = REPO_ROOT / "data" / "measurements" / "gpu_h200_2026-11-30.jsonl"
# A model name with a quote: a cell key that would break SQL built by string interpolation.
CAMPAIGN = """\
name: mini
description: three cells, one measured, one failed, one never run
device_class: cpu
protocol: {prompts: squad50, new_tokens: 3}
grid:
  model: [smollm-135m, "o'neil-1m"]
  backend: [pytorch]
  precision: [fp32]
  batch_size: [1, 2]
"""


def _row(template: dict, cell: campaigns.Cell, n: int, when: str, status: str, host: str) -> dict:
    return {**template, "run_id": f"cov-{n}", "timestamp_utc": when, "status": status,
            "failure_reason": None if status == "ok" else "CUDA out of memory", "model_key": cell.model,
            "backend": cell.backend, "precision": cell.precision, "batch_size": cell.batch_size,
            "campaign": cell.campaign, "campaign_cell": cell.key, "ray_node_id": None, "hostname": host}  # fmt: skip


def _load(con: duckdb.DuckDBPyConnection, files: list[Path]) -> None:
    load_raw_table(
        con, TABLE, read_runs(files), source="greenlm_bench", source_ref="test", key_columns=("run_id",)
    )


@pytest.fixture
def mini(tmp_path: Path) -> tuple[campaigns.Campaign, duckdb.DuckDBPyConnection]:
    folder = tmp_path / "campaigns"
    folder.mkdir()
    (folder / "mini.yaml").write_text(CAMPAIGN)
    camp = campaigns.load_all(folder)["mini"]
    cells = {(c.model, c.batch_size): c for c in camp.cells}
    template = json.loads(COMMITTED.read_text().splitlines()[0])
    rows = [
        # smollm b1: failed first, then measured -> measured (the latest row decides)
        _row(template, cells["smollm-135m", 1], 1, "2026-12-01T10:00:00Z", "failed", "node-a"),
        _row(template, cells["smollm-135m", 1], 2, "2026-12-01T11:00:00Z", "ok", "node-a"),
        # smollm b2: measured, then a re-measure failed -> failed
        _row(template, cells["smollm-135m", 2], 3, "2026-12-01T09:00:00Z", "ok", "node-b"),
        _row(template, cells["smollm-135m", 2], 4, "2026-12-01T12:00:00Z", "failed", "node-b"),
        # the quoted model at b1: measured; at b2: no row -> missing
        _row(template, cells["o'neil-1m", 1], 5, "2026-12-02T08:30:00Z", "ok", "node-c"),
    ]
    runs = tmp_path / "runs.jsonl"
    runs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    con = duckdb.connect(str(tmp_path / "coverage.duckdb"))
    _load(con, [runs])
    return camp, con


def test_coverage_counts_measured_failed_and_missing_cells(mini) -> None:  # noqa: ANN001
    camp, con = mini
    cells = campaign_coverage(con, {"mini": camp})
    assert coverage_counts(cells) == {"mini": {"measured": 2, "failed": 1, "missing": 1}}
    by_key = cells.set_index("cell")
    keys = {(c.model, c.batch_size): c.key for c in camp.cells}
    b1, b2 = by_key.loc[keys["smollm-135m", 1]], by_key.loc[keys["smollm-135m", 2]]
    assert (b1["state"], b1["n_rows"], b1["hostname"]) == ("measured", 2, "node-a")
    assert str(b1["measured_at"]).startswith("2026-12-01 11:00")
    assert (b2["state"], b2["n_rows"], b2["failure_reason"]) == ("failed", 2, "CUDA out of memory")
    assert by_key.loc[keys["o'neil-1m", 1], "state"] == "measured"
    missing = by_key.loc[keys["o'neil-1m", 2]]
    assert (missing["state"], missing["n_rows"]) == ("missing", 0)
    assert list(cells["column"].unique()) == ["b1 · squad50-t3", "b2 · squad50-t3"]


def test_chart_draws_the_coverage_and_reports_counts_and_recipe(
    mini, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    _, con = mini
    monkeypatch.setenv("GREENLM_CAMPAIGNS_DIR", str(tmp_path / "campaigns"))
    monkeypatch.setenv("GREENLM_CHARTS_DIR", str(tmp_path / "charts"))
    paths, data = render_chart(CAMPAIGN_COVERAGE, con)
    assert paths["png"].stat().st_size > 10_000 and paths["svg"].exists()
    meta = coverage_summary(data)
    assert json.loads(str(meta["cells_by_campaign"])) == {"mini": {"measured": 2, "failed": 1, "missing": 1}}
    assert (meta["mini_measured"], meta["mini_failed"], meta["mini_missing"]) == (2, 1, 1)
    assert "FROM raw.benchmark_runs" in str(meta["recipe"]) and "?" in str(meta["recipe"])


def test_imported_results_cover_the_h200_campaign(tmp_path: Path) -> None:
    """The committed H200 grid files are h200_grid's results: every one of its 56 cells is measured."""
    con = duckdb.connect(str(tmp_path / "committed.duckdb"))
    h200 = campaigns.load(REPO_ROOT / "jobs" / "campaigns" / "h200_grid.yaml")
    _load(con, h200.imported_files())
    counts = coverage_counts(campaign_coverage(con, {"h200_grid": h200}))
    assert counts == {"h200_grid": {"measured": 56, "failed": 0, "missing": 0}}
    # the same rows, not imported by this campaign (no imported files): none of its cells is measured
    alone = campaigns.Campaign(h200.name, h200.path, h200.description, h200.device_class, h200.cells, ())
    assert coverage_counts(campaign_coverage(con, {"h200_grid": alone}))["h200_grid"]["measured"] == 0
