"""The fleet's Dagster instance (deploy/fleet/dagster.yaml, dagster-postgres) against a real PostgreSQL server.

The test starts its own PostgreSQL 15 cluster (Debian's ``postgresql`` package; ``.ci/run`` installs it) on a free
loopback port as the ``postgres`` user (PostgreSQL refuses root), points a DagsterInstance at the committed
dagster.yaml through its environment variables, materializes an asset, and reads the run and its events back from a
second instance, as another machine of the fleet would.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import repo_root

PG_BIN = Path("/usr/lib/postgresql/15/bin")
FLEET_YAML = repo_root() / "deploy" / "fleet" / "dagster.yaml"


def _as_postgres(argv: list[str]) -> list[str]:
    return argv if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *argv]


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, str]]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL 15 binaries not installed ({PG_BIN}; apt-get install postgresql)")
    # not under pytest's temp root: that is private to root (0700), and the server runs as postgres
    root = Path(tempfile.mkdtemp(prefix="greenlm-pg-"))
    data = root / "data"
    data.mkdir()
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (data.parent, data):
            os.chown(path, user.pw_uid, user.pw_gid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
                   check=True, capture_output=True)  # fmt: skip
    ctl = str(PG_BIN / "pg_ctl")
    subprocess.run(
        _as_postgres([ctl, "-D", str(data), "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "-w",
                      "-l", str(data / "server.log"), "start"]),
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        subprocess.run(_as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                                     "postgres", "greenlm_dagster"]), check=True, capture_output=True)  # fmt: skip
        yield {"GREENLM_PG_HOST": "127.0.0.1", "GREENLM_PG_PORT": str(port), "GREENLM_PG_USER": "postgres",
               "GREENLM_PG_PASSWORD": "", "GREENLM_PG_DB": "greenlm_dagster"}  # fmt: skip
    finally:
        subprocess.run(_as_postgres([ctl, "-D", str(data), "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@dg.asset
def fleet_probe() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"answer": 42})


def test_fleet_instance_keeps_runs_and_events_in_postgres(
    postgres: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in postgres.items():
        monkeypatch.setenv(name, value)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(FLEET_YAML, home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        result = dg.materialize([fleet_probe], instance=instance)
        assert result.success
        run_id = result.run_id
    # another process of the fleet (a second instance on the same database, another DAGSTER_HOME) sees the run
    other = tmp_path / "other_home"
    other.mkdir()
    shutil.copy(FLEET_YAML, other / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(other)) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.is_success
        event = instance.get_latest_materialization_event(dg.AssetKey("fleet_probe"))
        assert event is not None and event.run_id == run_id
        assert event.asset_materialization.metadata["answer"].value == 42
    # and the rows are in PostgreSQL itself
    out = subprocess.run(
        _as_postgres([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", postgres["GREENLM_PG_PORT"], "-U", "postgres",
                      "-d", "greenlm_dagster", "-tA", "-v", f"rid={run_id}", "-f", "-"]),
        input="SELECT count(*) FROM runs WHERE run_id = :'rid';",  # a psql variable, quoted by psql: no interpolation
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert out.stdout.strip() == "1"
