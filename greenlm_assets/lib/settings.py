"""Every environment variable the code location reads, in one place: name, default and meaning.

Nothing else under ``greenlm_assets/`` touches ``os.environ`` (``tests/platform/test_settings.py`` checks it). Each value is
read when its function is called, never at import, so tests and scripts can change a variable between runs. Where
Dagster itself reads a value (the DuckDB file of the ``duckdb`` resource) it is passed as ``dg.EnvVar`` when set,
so the UI shows which variable configured the resource.

========================== ====================================== ==============================================
Variable                   Default                                Meaning
========================== ====================================== ==============================================
GREENLM_DUCKDB_PATH        ``data/greenlm.duckdb``                The one DuckDB file (Dagster's ``duckdb``
                                                                  resource; dbt's profile reads it too).
GREENLM_SNAPSHOTS_DIR      ``data/snapshots``                     Root of the shipped offline source snapshots.
GREENLM_CHARTS_DIR         ``data/charts``                        Where chart assets write their PNG/SVG files.
GREENLM_REPORT_DIR         ``data/report``                        Where the static report (index.html) goes.
GREENLM_MEASUREMENTS_DIR   ``data/measurements``                  Committed benchmark runs (raw.benchmark_runs).
GREENLM_SERVING_DIR        ``data/measurements/serving``          Committed serving sweeps (raw.serving_runs).
GREENLM_QUALITY_DIR        ``data/measurements/quality``          Committed quality runs (raw.quality_runs).
GREENLM_BENCH_FRESH_FILE   ``<DuckDB dir>/benchmark_runs_fresh/`` The JSONL the Pipes benchmark run writes.
                           ``latest.jsonl``
GREENLM_DBT_TARGET_PATH    ``target``                             dbt's target folder (per checkout/session).
GREENLM_LIVE               unset (offline)                        ``1``: live leaderboard and GPU price clients,
                                                                  live-only assets materializable.
GREENLM_HF_BASE_URL        ``https://huggingface.co``             Hugging Face base URL of the live leaderboard.
GREENLM_RAY_ADDRESS        unset (local subprocess)               Ray dashboard/job server URL (``http://head:8265``)
                                                                  that measurement campaigns run on (dagster-ray).
GREENLM_CAMPAIGNS          unset (off, unless Ray or live mode)   ``1``: measurements/campaign_runs materializable
                                                                  without Ray (cells in local subprocesses).
GREENLM_CAMPAIGNS_DIR      ``jobs/campaigns``                     Campaign definition files (``*.yaml``).
GREENLM_CAMPAIGN_RUNS_DIR  ``<DuckDB dir>/campaign_runs``         Where campaign steps append each cell's rows
                                                                  (one JSONL per cell; raw.benchmark_runs loads them).
========================== ====================================== ==============================================

Relative paths given in a variable are taken from the working directory; the defaults are under the repository.
Also read here, not GreenLM's own: the token variable a live leaderboard client names (``hf_token_env``, default
``HF_TOKEN``; :func:`secret`), ``PYTHONPATH`` (passed on to the benchmark subprocess) and ``PATH`` (the dbt beside
this interpreter is put on it for dagster-dbt). The harness ``jobs/`` (runnable without Dagster) reads its own
variables: see the settings table of ``jobs/README.md``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, its default (as text; a path is relative to the repository root) and
    what it means."""

    name: str
    default: str | None
    meaning: str

    def is_set(self) -> bool:
        return self.name in os.environ

    def value(self) -> str | None:
        """The variable's value now, else the default."""
        return os.environ.get(self.name, self.default)

    def default_path(self) -> Path:
        """The default, a path under the repository root."""
        if self.default is None:
            raise ValueError(f"{self.name} has no default path")
        return REPO_ROOT / self.default

    def path(self) -> Path:
        """The variable as an absolute path (relative to the working directory), else :meth:`default_path`."""
        if self.is_set():
            return Path(os.environ[self.name]).resolve()
        return self.default_path().resolve()


DUCKDB_PATH = Setting("GREENLM_DUCKDB_PATH", "data/greenlm.duckdb", "the one DuckDB file (Dagster and dbt)")
SNAPSHOTS_DIR = Setting("GREENLM_SNAPSHOTS_DIR", "data/snapshots", "root of the shipped offline snapshots")
CHARTS_DIR = Setting("GREENLM_CHARTS_DIR", "data/charts", "chart output folder")
REPORT_DIR = Setting("GREENLM_REPORT_DIR", "data/report", "static report folder (index.html + its images)")
MEASUREMENTS_DIR = Setting("GREENLM_MEASUREMENTS_DIR", "data/measurements", "committed benchmark runs")
SERVING_DIR = Setting("GREENLM_SERVING_DIR", "data/measurements/serving", "committed serving sweeps")
QUALITY_DIR = Setting("GREENLM_QUALITY_DIR", "data/measurements/quality", "committed quality runs")
BENCH_FRESH_FILE = Setting(
    "GREENLM_BENCH_FRESH_FILE",
    None,  # beside the DuckDB file: see bench_fresh_file()
    "the JSONL the Pipes benchmark run writes (default <DuckDB dir>/benchmark_runs_fresh/latest.jsonl)",
)
DBT_TARGET_PATH = Setting(
    "GREENLM_DBT_TARGET_PATH", "target", "dbt's target folder (per checkout or session)"
)
LIVE = Setting("GREENLM_LIVE", None, "1: live sources (leaderboard, GPU prices) and live-only assets")
HF_BASE_URL = Setting("GREENLM_HF_BASE_URL", "https://huggingface.co", "base URL of the live leaderboard")
RAY_ADDRESS = Setting(
    "GREENLM_RAY_ADDRESS", None, "Ray job server URL that campaigns run on (unset: local subprocess)"
)
CAMPAIGNS = Setting(
    "GREENLM_CAMPAIGNS", None, "1: measurement campaigns runnable without Ray (local subprocesses)"
)
CAMPAIGNS_DIR = Setting("GREENLM_CAMPAIGNS_DIR", "jobs/campaigns", "campaign definition files (*.yaml)")
CAMPAIGN_RUNS_DIR = Setting(
    "GREENLM_CAMPAIGN_RUNS_DIR",
    None,  # beside the DuckDB file: see campaign_runs_dir()
    "where campaign steps append each cell's rows (default <DuckDB dir>/campaign_runs)",
)

SETTINGS: tuple[Setting, ...] = (
    DUCKDB_PATH,
    SNAPSHOTS_DIR,
    CHARTS_DIR,
    REPORT_DIR,
    MEASUREMENTS_DIR,
    SERVING_DIR,
    QUALITY_DIR,
    BENCH_FRESH_FILE,
    DBT_TARGET_PATH,
    LIVE,
    HF_BASE_URL,
    RAY_ADDRESS,
    CAMPAIGNS,
    CAMPAIGNS_DIR,
    CAMPAIGN_RUNS_DIR,
)


def duckdb_path() -> Path:
    return DUCKDB_PATH.path()


def bench_fresh_file() -> Path:
    """Where the Pipes run writes; beside the DuckDB file, so each platform (and each test) has its own."""
    if BENCH_FRESH_FILE.is_set():
        return BENCH_FRESH_FILE.path()
    return (duckdb_path().parent / "benchmark_runs_fresh" / "latest.jsonl").resolve()


def ray_address() -> str | None:
    """The Ray job server campaigns run on, or None (run each cell in a local subprocess)."""
    return (RAY_ADDRESS.value() or "").strip() or None


def campaigns_enabled() -> bool:
    """Measurement campaigns are materializable: a Ray job server is configured, live mode is on, or
    ``GREENLM_CAMPAIGNS=1`` (cells in local subprocesses). Otherwise ``measurements/campaign_runs`` is an external
    asset, so that "Materialize all" on an offline machine is one run, not a backfill of campaign cells."""
    return ray_address() is not None or live() or (CAMPAIGNS.value() or "").strip() == "1"


def with_campaigns_enabled() -> dict[str, str]:
    """This process's environment with ``GREENLM_CAMPAIGNS=1``: for the runs ``greenlm campaign launch`` starts."""
    return {**os.environ, CAMPAIGNS.name: "1"}


def campaigns_dir() -> Path:
    return CAMPAIGNS_DIR.path()


def campaign_runs_dir() -> Path:
    """Where campaign steps append their rows; beside the DuckDB file unless set."""
    if CAMPAIGN_RUNS_DIR.is_set():
        return CAMPAIGN_RUNS_DIR.path()
    return (duckdb_path().parent / "campaign_runs").resolve()


def live() -> bool:
    """Live mode: ``GREENLM_LIVE=1`` (surrounding blanks ignored)."""
    return (LIVE.value() or "").strip() == "1"


def hf_base_url() -> str:
    value = HF_BASE_URL.value()
    assert value is not None  # has a default
    return value


def secret(name: str) -> str | None:
    """The value of the variable ``name`` that a resource's config names for a credential (e.g. ``HF_TOKEN``);
    the config holds the variable's name, never the secret."""
    return os.environ.get(name) or None


def python_path_with(root: Path) -> str:
    """``PYTHONPATH`` for a subprocess: ``root`` first, then this process's ``PYTHONPATH``."""
    return str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")


def prepend_to_path(folder: Path) -> None:
    """Put ``folder`` first on this process's ``PATH`` (for tools that run a plain ``dbt``)."""
    os.environ["PATH"] = os.pathsep.join([str(folder), os.environ.get("PATH", "")])
