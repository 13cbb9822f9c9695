"""Where GreenLM keeps its files: one place so Dagster, dbt, tests and scripts agree."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS_DIR = REPO_ROOT / "data" / "snapshots"
SQL_DIR = REPO_ROOT / "sql"
DDL_DIR = SQL_DIR / "ddl"
QUERIES_DIR = SQL_DIR / "queries"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def duckdb_path() -> Path:
    """The one DuckDB file, from ``GREENLM_DUCKDB_PATH`` (default ``data/greenlm.duckdb``)."""
    return Path(os.environ.get("GREENLM_DUCKDB_PATH", REPO_ROOT / "data" / "greenlm.duckdb")).resolve()


def charts_dir() -> Path:
    """Chart output folder, from ``GREENLM_CHARTS_DIR`` (default ``data/charts``)."""
    path = Path(os.environ.get("GREENLM_CHARTS_DIR", REPO_ROOT / "data" / "charts")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def report_dir() -> Path:
    """Static report folder (index.html + its images), from ``GREENLM_REPORT_DIR`` (default ``data/report``)."""
    path = Path(os.environ.get("GREENLM_REPORT_DIR", REPO_ROOT / "data" / "report")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def snapshot_dir() -> Path:
    """Root of the shipped offline snapshots, overridable with ``GREENLM_SNAPSHOTS_DIR``."""
    return Path(os.environ.get("GREENLM_SNAPSHOTS_DIR", SNAPSHOTS_DIR)).resolve()
