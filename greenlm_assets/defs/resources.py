"""Resources shared by every asset: the one DuckDB file and the dbt CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential

from greenlm_assets.lib import settings
from greenlm_assets.lib.catalog.leaderboard import leaderboard_client_from_env
from greenlm_assets.lib.dbt_project import dbt_executable, dbt_project
from greenlm_assets.lib.gpu_market.clients import GpuMarketResource


class GreenLMDuckDBResource(DuckDBResource):
    """DuckDBResource that always closes its connection.

    Upstream's ``get_connection`` does not close when the asset body raises, which in a long-lived process keeps
    DuckDB's single-writer lock. Opening retries while another process holds the lock.
    """

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = _connect(self.database, {"custom_user_agent": "greenlm", **self.connection_config})
        try:
            yield conn
        finally:
            conn.close()


@retry(
    retry=retry_if_exception_type(duckdb.IOException),
    wait=wait_exponential(multiplier=0.2, max=5),
    stop=stop_after_delay(120),
    reraise=True,
)
def _connect(database: str, config: dict) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(database, read_only=False, config=config)


def duckdb_database() -> str | dg.EnvVar:
    """The ``database`` of the ``duckdb`` resource: ``dg.EnvVar("GREENLM_DUCKDB_PATH")`` when the variable is
    set (Dagster reads it when a run starts; the UI shows the variable), else the default file."""
    if settings.DUCKDB_PATH.is_set():
        return dg.EnvVar(settings.DUCKDB_PATH.name)
    return str(settings.duckdb_path())


def build_resources() -> dict[str, dg.ConfigurableResource]:
    """Resources bound to the DuckDB file named by ``GREENLM_DUCKDB_PATH`` (lib/settings.py)."""
    settings.duckdb_path().parent.mkdir(parents=True, exist_ok=True)
    return {
        "duckdb": GreenLMDuckDBResource(database=duckdb_database()),
        # dbt's profile reads the same variable, so Dagster and dbt share one file.
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            # The dbt beside this interpreter, so it works without an activated venv.
            dbt_executable=dbt_executable(),
            global_config_flags=["--no-use-colors"],
        ),
        # Model catalog: shipped leaderboard snapshot, or the live HF dataset when GREENLM_LIVE=1.
        "leaderboard_client": leaderboard_client_from_env(),
        # GPU price clients: shipped snapshot, or live scrapers when GREENLM_LIVE=1 (raw/gpu_price_scrape).
        "gpu_market": GpuMarketResource(),
        # Launches jobs/ (greenlm-bench) in a subprocess through Dagster Pipes (ingest/benchmark_runs.py).
        "pipes_subprocess_client": dg.PipesSubprocessClient(),
    }


@dg.definitions
def resources() -> dg.Definitions:
    # In-process steps: every asset touches the single-writer DuckDB file, so they run one at a time anyway
    # (pool greenlm_duckdb), and a subprocess per step would cost seconds of imports each.
    return dg.Definitions(resources=build_resources(), executor=dg.in_process_executor)
