"""The project instance's event log (greenlm_assets/lib/event_log.py): Dagster's consolidated SQLite schema, one
pooled engine per process, WAL commits without fsync — and runs still record and read back every event."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import dagster as dg
import pytest

from greenlm_assets.lib.event_log import PooledSqliteEventLogStorage

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")  # the project's own settings
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as inst:
        yield inst


@dg.asset
def counted() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"n": 1})


@dg.asset_check(asset=counted)
def counted_ok() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def test_the_project_instance_uses_the_pooled_storage_and_records_runs(instance: dg.DagsterInstance) -> None:
    storage = instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage)
    for _ in range(2):
        assert dg.materialize([counted, counted_ok], instance=instance).success
    records = instance.fetch_materializations(dg.AssetKey("counted"), limit=10).records
    assert len(records) == 2 and records[0].asset_materialization.metadata["n"].value == 1
    planned = instance.get_records_for_run(
        records[0].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
    ).records
    assert len(planned) == 1
    # one engine per process, its connections kept; WAL on the file, commits without fsync (synchronous=NORMAL)
    engine = storage._pooled_engine()
    assert storage._pooled_engine() is engine
    with storage._connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1


def test_events_written_from_many_threads_are_all_kept(instance: dg.DagsterInstance) -> None:
    run = instance.create_run_for_job(dg.GraphDefinition(name="noop", node_defs=[]).to_job())
    errors: list[BaseException] = []

    def log(i: int) -> None:
        try:
            for j in range(20):
                instance.report_engine_event(f"thread {i} event {j}", run)
        except BaseException as exc:  # surfaced below, not swallowed by the thread
            errors.append(exc)

    threads = [threading.Thread(target=log, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    messages = {
        r.event_log_entry.message for r in instance.get_records_for_run(run.run_id, limit=1000).records
    }
    assert {f"thread {i} event {j}" for i in range(6) for j in range(20)} <= messages


def test_the_private_base_class_still_routes_every_connection_through_connect(
    instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pins the private Dagster API the pooled storage relies on; a Dagster upgrade that changes it fails here.

    PooledSqliteEventLogStorage subclasses ``ConsolidatedSqliteEventLogStorage`` (dagster._core, private) and
    overrides ``_connect`` and ``has_table``; that only works while the base class exists at that path, keeps ``_conn_string``, and
    reaches the database through ``_connect`` for run and index connections. If a new Dagster opened connections
    another way, the override would go silently inert (every event a new engine and an fsync again): the spy below
    counts the SQLAlchemy engines created while events are written.
    """
    import inspect

    import sqlalchemy
    from dagster._core.storage.event_log.sqlite import consolidated_sqlite_event_log as base_module
    from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS

    base = base_module.ConsolidatedSqliteEventLogStorage
    assert PooledSqliteEventLogStorage.__bases__ == (base,)
    for name, params in {
        "_connect": ["self"],
        "run_connection": ["self", "run_id"],
        "index_connection": ["self"],
        "dispose": ["self"],
        "has_table": ["self", "table_name"],
    }.items():
        assert list(inspect.signature(getattr(base, name)).parameters) == params, name
    for name in ("run_connection", "index_connection"):
        assert "self._connect()" in inspect.getsource(getattr(base, name)), name
    assert isinstance(SQLITE_BUSY_TIMEOUT_SECONDS, int | float)
    storage = instance.event_log_storage
    assert isinstance(storage._conn_string, str) and storage._conn_string.startswith("sqlite:///")

    storage._pooled_engine()  # the one engine of this process
    created: list[str] = []
    for module in (base_module, sqlalchemy):
        real = module.create_engine
        monkeypatch.setattr(
            module, "create_engine", lambda *a, _real=real, **k: created.append(str(a[:1])) or _real(*a, **k)
        )
    run = instance.create_run_for_job(dg.GraphDefinition(name="noop", node_defs=[]).to_job())
    for i in range(20):
        instance.report_engine_event(f"event {i}", run)
    assert dg.materialize([counted, counted_ok], instance=instance).success
    assert created == []
    assert len(instance.get_records_for_run(run.run_id, limit=100).records) >= 20
