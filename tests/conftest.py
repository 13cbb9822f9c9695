"""Shared fixtures: one real DuckDB file under tmp, materialized once by a real Dagster run of every asset."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


def _cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``gpu``-marked tests need CUDA: deselected where none is visible (CI, the dev VM), so they never pass by
    skipping. On the GPU machine: ``pytest -m gpu`` (data/measurements/README.md)."""
    gpu = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu or _cuda_available():
        return
    config.hook.pytest_deselected(items=gpu)
    items[:] = [item for item in items if not item.get_closest_marker("gpu")]


def load_defs() -> dg.Definitions:
    from greenlm_assets.definitions import defs

    return defs()


def materialize_all(defs: dg.Definitions, selection: str | None = None) -> dg.ExecuteInProcessResult:
    from greenlm_assets.defs.resources import build_resources

    # Daily-partitioned assets (raw/gpu_price_scrape: live scrape, one run per day) cannot join one unpartitioned run.
    assets = [a for a in defs.assets or [] if not getattr(a, "partitions_def", None)]
    return dg.materialize(assets, resources=build_resources(), selection=selection, raise_on_error=False)


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Materialize every asset into ``<tmp>/greenlm.duckdb``; yield the paths and the run result."""
    root = tmp_path_factory.mktemp("platform")
    db = root / "greenlm.duckdb"
    charts = root / "charts"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GREENLM_DUCKDB_PATH", str(db))
        mp.setenv("GREENLM_CHARTS_DIR", str(charts))
        mp.setenv("GREENLM_REPORT_DIR", str(root / "report"))
        result = materialize_all(load_defs())
        yield {"db": db, "charts": charts, "report": root / "report", "result": result, "root": root}


@pytest.fixture()
def con(platform: dict) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(platform["db"]), read_only=True)
    yield c
    c.close()


def run_dbt(
    platform: dict, command: str, target: str, *args: str, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    """dbt itself (the venv's executable) on the platform fixture's DuckDB file: ``dbt <command> --target-path
    <tmp>/<target> <args>``, run in the dbt project; returns the finished process (stdout holds dbt's log)."""
    from greenlm_assets.lib.paths import DBT_PROJECT_DIR

    env = {
        **os.environ,
        "GREENLM_DUCKDB_PATH": str(platform["db"]),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    argv = [str(Path(sys.executable).parent / "dbt"), command, "--profiles-dir", ".", "--target-path"]
    return subprocess.run(
        [*argv, str(platform["root"] / target), *args],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def run_dbt_unit_tests(platform: dict, models: list[str], target: str) -> str:
    """The dbt unit tests of ``models``, run by dbt; fails the test unless dbt passes them; returns dbt's log."""
    proc = run_dbt(platform, "test", target, "--select", *[f"test_type:unit,{m}" for m in models])
    assert proc.returncode == 0, proc.stdout[-3000:]
    return proc.stdout


def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
