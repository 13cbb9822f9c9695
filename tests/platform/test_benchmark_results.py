"""The committed campaign-throughput results (benchmarks/bench_campaign.py) are internally consistent, carry their
hardware, versions and commit, and are the figures docs/performance.md quotes."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import duckdb
import pytest

from tests.conftest import repo_root

RESULTS = sorted((repo_root() / "benchmarks" / "results").glob("campaign_*.json"))
SHARES = ("measured_windows_s", "idle_s", "load_s", "warmup_s", "harness_other_s", "dagster_other_s")


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.name)
def test_campaign_results_recompute_from_their_cells(path: Path) -> None:
    result = json.loads(path.read_text())
    assert result["git_commit"] and result["hardware"]["logical_cores"] >= 1
    assert {"dagster", "dagster-ray", "ray", "torch"} <= set(result["versions"])
    runs = result["runs"]
    assert {r["nodes"] for r in runs} == {1, 2}
    for run in runs:
        cells = run["per_cell"]
        assert len(cells) == run["cells"] and all(c["status"] == "ok" for c in cells)
        assert len({c["cell"] for c in cells}) == len(cells)  # each configuration measured once
        assert run["distinct_nodes_used"] == len({c["node"] for c in cells}) == run["nodes"]
        assert math.isclose(run["configurations_per_hour"], 3600 * len(cells) / run["wall_s"], abs_tol=0.1)
        for c in cells:  # the split adds up to the Dagster run's time, every part non-negative but the rests
            assert math.isclose(sum(c[k] for k in SHARES), c["dagster_run_s"], abs_tol=0.05)
            assert min(c["measured_windows_s"], c["idle_s"], c["load_s"], c["warmup_s"]) >= 0
            assert c["measured_windows_s"] >= 3 * 5  # the protocol's windows: 3 of >= 5 s
    s = result["summary"]
    per_hour = {n: sorted(r["configurations_per_hour"] for r in runs if r["nodes"] == n) for n in (1, 2)}
    for n, key in ((1, "configurations_per_hour_1_node"), (2, "configurations_per_hour_2_nodes")):
        values = per_hour[n]
        median = (values[(len(values) - 1) // 2] + values[len(values) // 2]) / 2
        assert math.isclose(s[key], median, abs_tol=0.1)
    assert math.isclose(s["scaling_2_vs_1"], s["configurations_per_hour_2_nodes"] / s["configurations_per_hour_1_node"], abs_tol=0.01)  # fmt: skip
    assert math.isclose(sum(s["share_of_cell_time"].values()), 1.0, abs_tol=0.01)
    assert math.isclose(s["overhead_share"], 1 - s["share_of_cell_time"]["measured_windows_s"], abs_tol=0.002)


def test_performance_doc_quotes_the_latest_campaign_results() -> None:
    assert RESULTS, "no benchmarks/results/campaign_*.json committed"
    latest = RESULTS[-1]
    s = json.loads(latest.read_text())["summary"]
    doc = (repo_root() / "docs" / "performance.md").read_text()
    assert latest.name in doc
    for figure in (
        f"{s['configurations_per_hour_1_node']:.1f}",
        f"{s['configurations_per_hour_2_nodes']:.1f}",
        f"{s['scaling_2_vs_1']:.2f}×",
        f"{100 * s['overhead_share']:.0f} %",
    ):
        assert figure in doc, f"docs/performance.md does not quote {figure} from {latest.name}"
    fleet = (repo_root() / "docs" / "fleet.md").read_text()  # its summary quotes the same two figures
    for figure in (f"{s['scaling_2_vs_1']:.2f}×", f"{100 * s['overhead_share']:.0f} %"):
        assert figure in fleet, f"docs/fleet.md does not quote {figure} from {latest.name}"


def test_gpu_harness_overhead_table_is_the_query_result(platform: dict) -> None:
    """docs/performance.md's GPU overhead table is what its query returns on the committed rows."""
    doc = (repo_root() / "docs" / "performance.md").read_text()
    sql = re.search(r"```sql\n(-- share of a GPU cell's harness time.*?)```", doc, re.S)
    assert sql, "the GPU overhead query is missing from docs/performance.md"
    with duckdb.connect(str(platform["db"]), read_only=True) as con:
        rows = con.execute(sql.group(1)).fetchall()
    assert {r[0] for r in rows} >= {"pytorch", "pytorch-compile"}
    for backend, cells, overhead in rows:
        assert f"| {backend} | {cells} | {overhead:.2f} |" in doc, (backend, cells, overhead)
