"""The project instance's event log (greenlm_assets/lib/event_log.py): Dagster's consolidated SQLite schema, one
pooled engine per process, WAL commits without fsync — and runs still record and read back every event."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import dagster as dg
import pytest

from greenlm_assets.lib.event_log import PooledSqliteEventLogStorage

REPO = Path(__file__).resolve().parents[1]


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
