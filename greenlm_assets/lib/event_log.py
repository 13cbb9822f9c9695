"""The project instance's event log: Dagster's consolidated SQLite storage with one pooled engine per process.

Why: an unchanged re-run writes ~770 events (~410 planned asset/check events before the first step), and Dagster's
SQLite storage builds a new SQLAlchemy engine and a new SQLite connection for every one of them and commits each with
an fsync of the WAL (``NullPool``, ``synchronous=FULL``). Profiled, that was the largest single cost of the re-run.
Here the engine is built once per process and keeps its connections (SQLAlchemy's queue pool: one connection per
thread at a time, so threads never share one), and WAL commits skip the fsync (``synchronous=NORMAL``): after an
application crash nothing is lost; after a power loss the last events can be — an acceptable trade for a local
development instance's log of runs, never for the data (the DuckDB file does not go through here).

It subclasses a private Dagster class and overrides ``_connect`` and ``has_table``: tests/platform/test_event_log.py pins
that API (and counts engines created while events are written), so a Dagster upgrade that changes it fails there.
Kept because the gain survives against Dagster's public configuration (numbers in ``.dagster_home/dagster.yaml``).

Configured in ``.dagster_home/dagster.yaml`` (``event_log_storage``); same schema and file as
``ConsolidatedSqliteEventLogStorage``, so an instance can switch back and forth.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log import (
    ConsolidatedSqliteEventLogStorage,
)
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS


def _fast_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL mode is set on the file by Dagster when it creates it
    cursor.close()


class PooledSqliteEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """``ConsolidatedSqliteEventLogStorage`` whose connections come from one engine per process and commit
    without an fsync."""

    _engine: sa.engine.Engine | None = None

    def _pooled_engine(self) -> sa.engine.Engine:
        if self._engine is None:
            engine = sa.create_engine(
                self._conn_string,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
                pool_size=2,
                max_overflow=8,
            )
            sa.event.listen(engine, "connect", _fast_pragmas)
            self._engine = engine
        return self._engine

    @contextmanager
    def _connect(self) -> Iterator[sa.engine.Connection]:
        with self._pooled_engine().connect() as conn, conn.begin():
            yield conn

    def has_table(self, table_name: str) -> bool:
        # The base class builds a new engine here too, and every asset-check event asks (supports_asset_checks).
        engine = self._pooled_engine()
        with engine.connect() as conn:
            return bool(engine.dialect.has_table(conn, table_name))

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        super().dispose()
