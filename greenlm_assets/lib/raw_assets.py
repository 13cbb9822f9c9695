"""Factory for the spine's raw ingest assets: read a source, check its contract, load it atomically."""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource
from pydantic import Field

from greenlm_assets.lib import raw_load
from greenlm_assets.lib.fingerprint import fingerprint
from greenlm_assets.lib.raw_load import content_version, load_raw_table, read_ddl, unchanged_rows

# Every asset that opens the DuckDB file runs in this pool; its limit is 1 (dagster.yaml), because DuckDB
# allows a single writer process at a time.
DUCKDB_POOL = "greenlm_duckdb"


@dataclass(frozen=True)
class RawSource:
    """What one raw ingest asset needs: its table, how to read the data, and how to cite it."""

    table: str
    source: str
    description: str
    read: Callable[[], pd.DataFrame]
    source_ref: Callable[[], str]
    source_file: Callable[[], str]  # the file read, as named in error messages
    key_columns: tuple[str, ...]


class RawIngestConfig(dg.Config):
    """Run config of every raw ingest asset."""

    force: bool = Field(
        default=False,
        description=(
            "Reload even when the input is unchanged since the last load, and accept a load that keeps fewer than "
            "half of the previous rows (held back otherwise, as a likely partial download)."
        ),
    )


def table_data_version(
    con: duckdb.DuckDBPyConnection, table: str, where: str | None = None, params: list | None = None
) -> dg.DataVersion:
    """The Dagster data version of a raw table (or of one asset's slice of it): a hash of its whole rows
    (:func:`raw_load.content_version`), so anything downstream is stale exactly when a value changed."""
    return dg.DataVersion(content_version(con, table, where, params))


def input_fingerprint(spec: RawSource) -> str | None:
    """sha256 of what determines the table: the input file's bytes (every file of an input folder), the DDL
    contract, the key and the reader's and loader's source code. Taken before parsing.

    None when the input is absent, so the reader runs and raises its own precise error.
    """
    return fingerprint(
        [Path(spec.source_file())],
        modules=[inspect.getmodule(spec.read), raw_load],
        texts=[read_ddl(spec.table), repr(spec.key_columns)],
    )


def md_preview(df: pd.DataFrame, rows: int = 5) -> dg.MetadataValue:
    return dg.MetadataValue.md(df.head(rows).to_markdown(index=False))


def build_raw_asset(spec: RawSource) -> dg.AssetsDefinition:
    @dg.asset(
        name=spec.table,
        key_prefix=["raw"],
        kinds={"duckdb", "python"},
        pool=DUCKDB_POOL,
        description=spec.description,
        check_specs=[dg.AssetCheckSpec("key_is_unique_and_present", asset=dg.AssetKey(["raw", spec.table]))],
        metadata={"dagster/table_name": f"raw.{spec.table}", "key_columns": list(spec.key_columns)},
    )
    def _raw_asset(
        context: dg.AssetExecutionContext, config: RawIngestConfig, duckdb: DuckDBResource
    ) -> dg.MaterializeResult:
        ref = spec.source_ref()
        sha = input_fingerprint(spec)
        with duckdb.get_connection() as con:
            # Unchanged input since the last good load: no ingest work (re-runs stay fast).
            n = None if config.force or sha is None else unchanged_rows(con, spec.table, sha)
            skipped = n is not None
            if n is None:
                n = load_raw_table(
                    con,
                    spec.table,
                    spec.read(),
                    source=spec.source,
                    source_ref=ref,
                    source_file=spec.source_file(),
                    content_sha256=sha,
                    key_columns=spec.key_columns,
                    allow_shrink=config.force,
                )
            keys = ", ".join(spec.key_columns)
            dupes, null_keys = con.execute(
                f"SELECT (SELECT count(*) FROM (SELECT {keys} FROM raw.{spec.table} GROUP BY ALL "
                f"HAVING count(*) > 1)), (SELECT count(*) FROM raw.{spec.table} WHERE "
                + " OR ".join(f"{k} IS NULL" for k in spec.key_columns)
                + ")"
            ).fetchone()
            preview = con.execute(f"SELECT * EXCLUDE (_source_ref) FROM raw.{spec.table} LIMIT 5").df()
            version = table_data_version(con, spec.table)
        context.log.info(
            f"raw.{spec.table}: {n} rows from {ref}" + (" (unchanged, not reloaded)" if skipped else "")
        )
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": n,
                "skipped_unchanged": skipped,
                "content_sha256": sha or "",
                "source": spec.source,
                "source_ref": ref,
                "preview": md_preview(preview),
            },
            data_version=version,
            check_results=[
                dg.AssetCheckResult(
                    check_name="key_is_unique_and_present",
                    passed=dupes == 0 and null_keys == 0,
                    metadata={"duplicate_keys": dupes, "null_keys": null_keys, "key": keys},
                )
            ],
        )

    return _raw_asset
