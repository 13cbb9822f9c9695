"""GreenLM's serving sweeps: ``raw.serving_runs`` from the committed ``data/measurements/serving/*.jsonl``.

One row per level of a ``greenlm-bench serve`` sweep (jobs/serving): an OpenAI-compatible server under a
concurrency, its latencies (TTFT, ITL, TPOT, e2e), steady-state throughput and energy. These rows never enter
``raw.benchmark_runs`` (offline ``generate()`` loops): the two are never mixed in one median.
"""

import json
import sys
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from greenlm_assets.lib import raw_load, settings
from greenlm_assets.lib.fingerprint import fingerprint
from greenlm_assets.lib.paths import REPO_ROOT
from greenlm_assets.lib.raw_assets import DUCKDB_POOL, RawIngestConfig, md_preview
from greenlm_assets.lib.raw_load import (
    RawLoadError,
    load_raw_table,
    read_ddl,
    unchanged_rows,
)

TABLE = "serving_runs"
SERVING_DIR = settings.SERVING_DIR.default_path()
REQUIRED = ("run_id", "sweep_id", "config_hash", "timestamp_utc", "status", "level_kind", "model_key",
            "model_name", "server", "load_generator", "concurrency", "max_tokens", "device")  # fmt: skip
# What an ok row must carry: a figure without its window, tokens or energy label is not publishable.
OK_REQUIRED = ("window_s", "window_output_tokens", "output_tokens_per_s", "ttft_s_p90", "e2e_s_p90",
               "energy_source", "energy_scope")  # fmt: skip


def serving_dir() -> Path:
    return settings.SERVING_DIR.path()


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _ok_row_complete(rec: dict) -> str | None:
    if rec["status"] == "ok":
        gaps = [k for k in OK_REQUIRED if rec.get(k) in (None, "")]
        if gaps:
            return f"ok row without '{gaps[0]}'"
    return None


def read_serving_runs(files: list[Path]) -> pd.DataFrame:
    """Every row of every JSONL file, reindexed to the contract; a bad line raises naming file, line and field."""
    return raw_load.read_jsonl_rows(files, TABLE, REQUIRED, check=_ok_row_complete)


@dg.asset(
    key=["raw", TABLE],
    kinds={"duckdb", "python"},
    pool=DUCKDB_POOL,
    description="GreenLM's serving sweeps (greenlm-bench serve): committed data/measurements/serving/*.jsonl, "
    "one row per level of an OpenAI-compatible server under load (docs/MEASUREMENT.md 'Serving sweeps').",
    check_specs=[
        dg.AssetCheckSpec("run_id_unique", asset=dg.AssetKey(["raw", TABLE])),
        dg.AssetCheckSpec("window_inside_run", asset=dg.AssetKey(["raw", TABLE])),
    ],
    metadata={"dagster/table_name": f"raw.{TABLE}", "key_columns": ["run_id"]},
)
def serving_runs(
    context: dg.AssetExecutionContext, config: RawIngestConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    files = sorted(serving_dir().glob("*.jsonl"))
    if not files:
        raise RawLoadError(
            f"{serving_dir()}: no *.jsonl serving sweep files (see data/measurements/serving/README.md)"
        )
    ref = "; ".join(_rel(f) for f in files) + " (see data/measurements/serving/README.md)"
    sha = fingerprint(files, modules=[sys.modules[__name__], raw_load], texts=[ref, read_ddl(TABLE)])
    with duckdb.get_connection() as con:
        n = None if config.force or sha is None else unchanged_rows(con, TABLE, sha)
        skipped = n is not None
        if n is None:
            n = load_raw_table(
                con,
                TABLE,
                read_serving_runs(files),
                source="greenlm_bench_serve",
                source_ref=ref,
                source_file=", ".join(map(_rel, files)),
                key_columns=("run_id",),
                content_sha256=sha,
            )
        dupes = con.execute(f"SELECT count(*) - count(DISTINCT run_id) FROM raw.{TABLE}").fetchone()[0]
        # The steady-state window lies inside the level's run (offsets from the run's start, in seconds).
        outside = con.execute(
            f"SELECT count(*) FROM raw.{TABLE} WHERE status = 'ok' AND NOT (window_start_offset_s >= 0 "
            "AND window_end_offset_s <= run_s AND window_start_offset_s < window_end_offset_s)"
        ).fetchone()[0]
        by_status = dict(con.execute(f"SELECT status, count(*) FROM raw.{TABLE} GROUP BY 1").fetchall())
        preview = con.execute(
            f"SELECT model_key, server, level_kind, concurrency, round(output_tokens_per_s, 1) AS tok_s, "
            f"round(itl_s_p90 * 1000, 1) AS itl_p90_ms, round(j_per_output_token, 3) AS j_tok, energy_source "
            f"FROM raw.{TABLE} ORDER BY model_key, server, level_kind, concurrency LIMIT 12"
        ).df()
    context.log.info(
        f"raw.{TABLE}: {n} rows from {len(files)} file(s)" + (" (unchanged, not reloaded)" if skipped else "")
    )
    return dg.MaterializeResult(
        data_version=dg.DataVersion(sha) if sha else None,
        metadata={
            "dagster/row_count": n,
            "skipped_unchanged": skipped,
            "rows_by_status": json.dumps(by_status),
            "files": ref,
            "preview": md_preview(preview, 12),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="run_id_unique", passed=dupes == 0, metadata={"duplicates": dupes}
            ),
            dg.AssetCheckResult(
                check_name="window_inside_run", passed=outside == 0, metadata={"rows_outside": outside}
            ),
        ],
    )
