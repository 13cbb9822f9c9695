"""Loaded at start-up by every Python process that has this folder on its PYTHONPATH (the concurrency fault tests
start their Dagster, dbt and ingest processes so): a ``duckdb.connect`` refused because another process holds the
file's write lock prints ``DUCKDB_LOCKED <pid>`` on stdout before the caller sees the error (and retries). The test
waits for that line: proof that the racing process really met the lock, instead of a sleep that makes it likely.
"""

from __future__ import annotations

import os

try:
    import duckdb
except ImportError:  # a process without DuckDB: nothing to watch
    duckdb = None

if duckdb is not None:
    _connect = duckdb.connect

    def _watched_connect(*args, **kwargs):
        try:
            return _connect(*args, **kwargs)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                print(f"DUCKDB_LOCKED {os.getpid()}", flush=True)
            raise

    duckdb.connect = _watched_connect
