"""Factory for the catalog's raw assets: read, quarantine bad rows, load atomically, check, report counts."""

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource

from greenlm_assets.lib import raw_load
from greenlm_assets.lib.catalog import frames, loading
from greenlm_assets.lib.catalog.frames import QUARANTINE_TABLE, Rule
from greenlm_assets.lib.catalog.loading import LoadSummary, load_with_quarantine, previous_summary
from greenlm_assets.lib.fingerprint import fingerprint
from greenlm_assets.lib.raw_assets import DUCKDB_POOL, RawIngestConfig, md_preview, table_data_version
from greenlm_assets.lib.raw_load import read_ddl, record_ingest, unchanged_rows

MAX_QUARANTINE_SHARE = 0.01


def catalog_check_specs(table: str) -> list[dg.AssetCheckSpec]:
    key = dg.AssetKey(["raw", table])
    return [
        dg.AssetCheckSpec("key_is_unique_and_present", asset=key),
        dg.AssetCheckSpec(
            "quarantine_below_1pct",
            asset=key,
            description="Fewer than 1% of the source rows were set aside in raw.catalog_quarantine.",
        ),
    ]


def catalog_checks(
    con: duckdb.DuckDBPyConnection, table: str, key_columns: Sequence[str], summary: LoadSummary
) -> list[dg.AssetCheckResult]:
    keys = ", ".join(key_columns)
    dupes, null_keys = con.execute(
        f"SELECT (SELECT count(*) FROM (SELECT {keys} FROM raw.{table} GROUP BY ALL HAVING count(*) > 1)), "
        f"(SELECT count(*) FROM raw.{table} WHERE " + " OR ".join(f"{k} IS NULL" for k in key_columns) + ")"
    ).fetchone()
    share = summary.quarantined / max(summary.rows + summary.quarantined, 1)
    return [
        dg.AssetCheckResult(
            check_name="key_is_unique_and_present",
            passed=dupes == 0 and null_keys == 0,
            metadata={"duplicate_keys": dupes, "null_keys": null_keys, "key": keys},
        ),
        dg.AssetCheckResult(
            check_name="quarantine_below_1pct",
            passed=share < MAX_QUARANTINE_SHARE,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"quarantined_rows": summary.quarantined, "share": round(share, 4), **summary.reasons},
        ),
    ]


@dataclass(frozen=True)
class CatalogSource:
    table: str
    source: str
    description: str
    read: Callable[[], pd.DataFrame]
    source_ref: Callable[[], str]
    source_file: Callable[[], str]
    key_columns: tuple[str, ...]
    rules: Sequence[Rule] = field(default_factory=tuple)


def catalog_fingerprint(spec: CatalogSource) -> str | None:
    """What determines the table and its quarantine slice: the input file(s), the reader, loader, rules and DDL.

    Taken before parsing; None when the input is missing (the reader then raises its precise error).
    """
    return fingerprint(
        [Path(spec.source_file())],
        modules=[inspect.getmodule(spec.read), frames, loading, raw_load],
        texts=[
            read_ddl(spec.table),
            read_ddl(QUARANTINE_TABLE),
            repr(spec.key_columns),
            *(f"{r.condition} -> {r.reason}" for r in spec.rules),
        ],
    )


def build_catalog_asset(spec: CatalogSource) -> dg.AssetsDefinition:
    @dg.asset(
        name=spec.table,
        key_prefix=["raw"],
        kinds={"duckdb", "python"},
        pool=DUCKDB_POOL,
        description=spec.description,
        check_specs=catalog_check_specs(spec.table),
        metadata={"dagster/table_name": f"raw.{spec.table}", "key_columns": list(spec.key_columns)},
    )
    def _asset(
        context: dg.AssetExecutionContext, config: RawIngestConfig, duckdb: DuckDBResource
    ) -> dg.MaterializeResult:
        ref = spec.source_ref()
        sha = catalog_fingerprint(spec)
        with duckdb.get_connection() as con:
            # Unchanged input files and code since the last complete load: nothing is parsed or written.
            n = None if config.force or sha is None else unchanged_rows(con, spec.table, sha)
            skipped = n is not None
            if n is not None:
                summary = previous_summary(con, spec.table, n)
            else:
                summary, _ = load_with_quarantine(
                    con,
                    spec.table,
                    spec.read(),
                    key_columns=spec.key_columns,
                    rules=spec.rules,
                    source=spec.source,
                    source_ref=ref,
                    source_file=spec.source_file(),
                    allow_shrink=config.force,
                )
                if sha is not None:
                    record_ingest(con, spec.table, sha, summary.rows, ref)
            checks = catalog_checks(con, spec.table, spec.key_columns, summary)
            preview = con.execute(f"SELECT * EXCLUDE (_source_ref) FROM raw.{spec.table} LIMIT 5").df()
            version = table_data_version(con, spec.table)
        context.log.info(
            f"raw.{spec.table}: {summary.rows} rows, {summary.quarantined} quarantined, from {ref}"
            + (" (unchanged, not reloaded)" if skipped else "")
        )
        return dg.MaterializeResult(
            metadata={
                **summary.metadata(),
                "skipped_unchanged": skipped,
                "content_sha256": sha or "",
                "source": spec.source,
                "source_ref": ref,
                "preview": md_preview(preview),
            },
            check_results=checks,
            data_version=version,
        )

    return _asset
