"""Where GreenLM keeps its files: one place so Dagster, dbt, tests and scripts agree."""

from __future__ import annotations

from pathlib import Path

from greenlm_assets.lib import settings
from greenlm_assets.lib.settings import REPO_ROOT

SNAPSHOTS_DIR = settings.SNAPSHOTS_DIR.default_path()
SQL_DIR = REPO_ROOT / "sql"
DDL_DIR = SQL_DIR / "ddl"
QUERIES_DIR = SQL_DIR / "queries"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def duckdb_path() -> Path:
    """The one DuckDB file, from ``GREENLM_DUCKDB_PATH`` (default ``data/greenlm.duckdb``)."""
    return settings.duckdb_path()


def charts_dir() -> Path:
    """Chart output folder, from ``GREENLM_CHARTS_DIR`` (default ``data/charts``)."""
    path = settings.CHARTS_DIR.path()
    path.mkdir(parents=True, exist_ok=True)
    return path


def report_dir() -> Path:
    """Static report folder (index.html + its images), from ``GREENLM_REPORT_DIR`` (default ``data/report``)."""
    path = settings.REPORT_DIR.path()
    path.mkdir(parents=True, exist_ok=True)
    return path


def snapshot_dir() -> Path:
    """Root of the shipped offline snapshots, overridable with ``GREENLM_SNAPSHOTS_DIR``."""
    return settings.SNAPSHOTS_DIR.path()
