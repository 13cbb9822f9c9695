"""Campaigns on a real 2-node Ray cluster (tests/platform/fleet_scenario.py), and the campaign files themselves.

The scenario runs once per session in a network namespace of its own (loopback only: Ray then uses 127.0.0.1 and
nothing leaves the machine); each test below asserts one part of its verdict. It needs root (for ``unshare -n``)
and ``ip``; CI has both (``.ci/run``).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from greenlm_assets.lib import campaigns
from tests.conftest import repo_root

CELLS = {c.key for c in campaigns.load(repo_root() / "jobs" / "campaigns" / "cpu_tiny.yaml").cells}


@pytest.fixture(scope="module")
def verdict(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        pytest.skip("the Ray fleet scenario needs root, unshare and ip (a network namespace of its own)")
    out = tmp_path_factory.mktemp("fleet") / "verdict.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo_root()), os.environ.get("PYTHONPATH", "")])}
    cmd = f"ip link set lo up && exec {sys.executable} -m tests.platform.fleet_scenario {out}"
    proc = subprocess.run(["unshare", "-n", "sh", "-c", cmd], cwd=repo_root(), env=env, capture_output=True,
                          text=True, timeout=1700)  # fmt: skip
    assert out.exists(), proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert "error" not in result, result
    return result


def test_campaign_files_expand_to_distinct_cells() -> None:
    every = campaigns.load_all()
    assert {"cpu_tiny", "h200_grid"} <= set(every)
    assert len(CELLS) == 3
    grid = every["h200_grid"]
    assert len(grid.cells) == 56 and len(grid.imported_files()) == 3
    gpu = grid.cells[0].ray_resources()
    assert gpu["entrypoint_num_gpus"] == 1.0 and gpu["entrypoint_resources"] == {
        "accelerator_type:H200": 0.001
    }
    assert every["cpu_tiny"].cells[0].ray_resources() == {"entrypoint_num_cpus": 1.0}


def test_campaign_refuses_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ngrid: {model: [smollm-135m]}\n")
    with pytest.raises(campaigns.CampaignError, match="grid"):
        campaigns.load(bad)
    bad.write_text("name: bad\nprotocol: {repeat: 3}\n")
    with pytest.raises(campaigns.CampaignError, match="repeat"):
        campaigns.load(bad)


@pytest.mark.timeout(1800)
def test_unreachable_head_is_a_clear_error_and_writes_nothing(verdict: dict) -> None:
    v = verdict["unreachable"]
    assert v["launch_rc"] == 2 and v["launch_says_unreachable"]
    assert v["direct_rc"] != 0 and v["direct_says_unreachable"]
    assert v["cell_rows"] == {} and not v["duckdb_exists"]


@pytest.mark.timeout(1800)
def test_campaign_lands_in_duckdb_once_per_cell_on_both_nodes(verdict: dict) -> None:
    v = verdict["campaign"]
    assert v["rc"] == 0, v["output"]
    assert v["cell_rows"] == dict.fromkeys(CELLS, 1)
    rows = v["duckdb"]  # campaign_cell, ray_node_id, cpu_cores_allotted, status, count
    assert {r[0] for r in rows} == CELLS and all(r[4] == 1 and r[3] == "ok" and r[2] == 1 for r in rows)
    assert len({r[1] for r in rows}) == 2  # 1 CPU on the head, 2 on the worker: the three cells ran on both


@pytest.mark.timeout(1800)
def test_two_launches_at_once_measure_each_cell_once(verdict: dict) -> None:
    v = verdict["concurrent"]
    assert v["cell_rows"] == dict.fromkeys(CELLS, 1), v["output"]
    assert v["ray_jobs_per_cell"] == dict.fromkeys(CELLS, 1)


@pytest.mark.timeout(1800)
def test_killed_worker_cells_are_retried_on_a_live_node_with_no_partial_row(verdict: dict) -> None:
    v = verdict["kill"]
    assert v["killed_harnesses"] >= 1
    assert v["rc"] == 0, v["output"]
    first = [j for j in v["jobs"] if not j["id"].endswith("-a1")]
    lost = {j["cell"] for j in first if "SUCCEEDED" not in j["status"]}
    # no job finished on the killed worker; the lost ones ran there (or had not reported a node yet)
    assert lost and not any(j["node"] == v["worker"] and "SUCCEEDED" in j["status"] for j in v["jobs"])
    assert all(j["node"] in (v["worker"], None) for j in first if j["cell"] in lost)
    # each lost cell was retried once (the step's second attempt: its Ray job id ends in -a1), on another node
    retries = {j["cell"]: j for j in v["jobs"] if j["id"].endswith("-a1")}
    assert set(retries) == lost
    assert all("SUCCEEDED" in j["status"] and j["node"] != v["worker"] for j in retries.values())
    text = " ".join(" ".join(v["warnings"]).split())
    assert "(node lost)" in text and "no row written" in text and "retrying the cell" in text
    # every cell ends with exactly one row, in its file and in DuckDB; the lost ones measured on the head
    assert v["cell_rows"] == dict.fromkeys(CELLS, 1)
    assert {r[0] for r in v["duckdb"]} == CELLS and all(r[4] == 1 and r[3] == "ok" for r in v["duckdb"])
    assert all(r[1] != v["worker"] for r in v["duckdb"] if r[0] in lost)


def test_rows_of_a_finished_job_come_from_pipes_then_its_row_file_then_its_log(tmp_path: Path) -> None:
    """On the lent H100 (2026-12-06) Ray advertised an agent address it did not serve (``http://192.0.2.2:-1``):
    every job succeeded, but its log, which carries the Pipes messages, could not be fetched, and the steps failed
    with a bare traceback. Rows now come from Pipes, else the harness's row file where the step shares the node's
    disk, else the whole log; an unreadable log is a failure that says so."""
    from greenlm_assets.defs.ingest.campaign_runs import CampaignMeasurementError, collect_rows

    row = {"run_id": "r1", "status": "ok"}
    message = {"method": "report_custom_message", "params": {"payload": {"rows": [row]}}}

    def no_log() -> str:  # what ray.dashboard's SDK raises when the job agent cannot be reached
        raise RuntimeError("Request failed with status code 500: Cannot connect to host 192.0.2.2:-1.")

    missing = tmp_path / "absent.jsonl"
    assert collect_rows([row], missing, no_log, "cell c") == ([row], "pipes")
    assert collect_rows([], missing, lambda: "noise\n" + json.dumps(message) + "\n", "cell c") == (
        [row],
        "job_log",
    )
    with pytest.raises(CampaignMeasurementError) as err:
        collect_rows([], missing, no_log, "cell c: Ray job j finished on node n")
    said = str(err.value)
    assert "cannot be read through the Ray dashboard" in said and "192.0.2.2:-1" in said
    assert str(missing) in said and said.endswith("no row written")
    row_file = tmp_path / "j.jsonl"
    row_file.write_text(json.dumps(row) + "\n")
    assert collect_rows([], row_file, no_log, "cell c") == ([row], "row_file")
