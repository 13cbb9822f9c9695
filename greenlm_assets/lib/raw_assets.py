"""The one factory of file-backed raw ingest assets: read a source, check its contract, load it atomically.

Every source goes through :mod:`greenlm_assets.lib.raw_load` (one validator, one loader, one shrink guard) and
gets the same skip-when-unchanged fingerprint, data version, preview and key check. A source with
``quarantine=True`` (the catalog's third-party tables) sets duplicate keys and rows its :class:`Rule` s reject aside
in ``raw.catalog_quarantine`` instead of failing, reports their counts and gets the ``quarantine_below_1pct`` check;
otherwise a duplicate key fails the load naming both rows.
"""

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource
from pydantic import Field

from greenlm_assets.lib import raw_load
from greenlm_assets.lib.fingerprint import fingerprint
from greenlm_assets.lib.raw_load import (
    QUARANTINE_TABLE,
    LoadSummary,
    Rule,
    content_version,
    load_raw_table,
    load_with_quarantine,
    previous_summary,
    read_ddl,
    record_ingest,
    unchanged_rows,
)

# Every asset that opens the DuckDB file runs in this pool; its limit is 1 (dagster.yaml), because DuckDB
# allows a single writer process at a time.
DUCKDB_POOL = "greenlm_duckdb"

KEY_CHECK = "key_is_unique_and_present"
QUARANTINE_CHECK = "quarantine_below_1pct"
MAX_QUARANTINE_SHARE = 0.01


@dataclass(frozen=True)
class RawSource:
    """What one raw ingest asset needs: its table, how to read the data, how to cite it, and whether bad rows are
    quarantined (with ``rules``) or fail the load."""

    table: str
    source: str
    description: str
    read: Callable[[], pd.DataFrame]
    source_ref: Callable[[], str]
    source_file: Callable[[], str]  # the file (or folder) read, as named in error messages
    key_columns: tuple[str, ...]
    quarantine: bool = False
    rules: Sequence[Rule] = ()

    def __post_init__(self) -> None:
        if self.rules and not self.quarantine:
            raise ValueError(f"raw.{self.table}: quarantine rules need quarantine=True")


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
    """sha256 of what determines the table (and its quarantine slice): the input file's bytes (every file of an
    input folder), the DDL contract(s), the key, the rules and the reader's and loader's source code. Taken before
    parsing.

    None when the input is absent, so the reader runs and raises its own precise error.
    """
    return fingerprint(
        [Path(spec.source_file())],
        modules=[inspect.getmodule(spec.read), raw_load],
        texts=[
            read_ddl(spec.table),
            *([read_ddl(QUARANTINE_TABLE)] if spec.quarantine else []),
            repr(spec.key_columns),
            *(f"{r.condition} -> {r.reason}" for r in spec.rules),
        ],
    )


def md_preview(df: pd.DataFrame, rows: int = 5) -> dg.MetadataValue:
    return dg.MetadataValue.md(df.head(rows).to_markdown(index=False))


def raw_check_specs(table: str, quarantine: bool) -> list[dg.AssetCheckSpec]:
    """The checks of a raw table: its key, and (quarantined sources) the share of rows set aside."""
    key = dg.AssetKey(["raw", table])
    specs = [dg.AssetCheckSpec(KEY_CHECK, asset=key)]
    if quarantine:
        specs.append(
            dg.AssetCheckSpec(
                QUARANTINE_CHECK,
                asset=key,
                description="Fewer than 1% of the source rows were set aside in raw.catalog_quarantine.",
            )
        )
    return specs


def raw_checks(
    con: duckdb.DuckDBPyConnection,
    table: str,
    key_columns: Sequence[str],
    summary: LoadSummary,
    quarantine: bool,
) -> list[dg.AssetCheckResult]:
    """The results of :func:`raw_check_specs` for the table as loaded."""
    keys = ", ".join(key_columns)
    dupes, null_keys = con.execute(
        f"SELECT (SELECT count(*) FROM (SELECT {keys} FROM raw.{table} GROUP BY ALL HAVING count(*) > 1)), "
        f"(SELECT count(*) FROM raw.{table} WHERE " + " OR ".join(f"{k} IS NULL" for k in key_columns) + ")"
    ).fetchone()
    results = [
        dg.AssetCheckResult(
            check_name=KEY_CHECK,
            passed=dupes == 0 and null_keys == 0,
            metadata={"duplicate_keys": dupes, "null_keys": null_keys, "key": keys},
        )
    ]
    if quarantine:
        share = summary.quarantined / max(summary.rows + summary.quarantined, 1)
        results.append(
            dg.AssetCheckResult(
                check_name=QUARANTINE_CHECK,
                passed=share < MAX_QUARANTINE_SHARE,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "quarantined_rows": summary.quarantined,
                    "share": round(share, 4),
                    **summary.reasons,
                },
            )
        )
    return results


def summary_metadata(summary: LoadSummary, quarantine: bool) -> dict[str, object]:
    """Row count, plus the quarantine counts for a quarantined source."""
    return summary.metadata() if quarantine else {"dagster/row_count": summary.rows}


def load_source(
    con: duckdb.DuckDBPyConnection, spec: RawSource, source_ref: str, allow_shrink: bool
) -> LoadSummary:
    """Read ``spec`` and load it through :mod:`raw_load` (with its quarantine when ``spec.quarantine``)."""
    frame, source_file = spec.read(), spec.source_file()
    if spec.quarantine:
        return load_with_quarantine(
            con,
            spec.table,
            frame,
            key_columns=spec.key_columns,
            rules=spec.rules,
            source=spec.source,
            source_ref=source_ref,
            source_file=source_file,
            allow_shrink=allow_shrink,
        )
    rows = load_raw_table(
        con,
        spec.table,
        frame,
        key_columns=spec.key_columns,
        source=spec.source,
        source_ref=source_ref,
        source_file=source_file,
        allow_shrink=allow_shrink,
    )
    return LoadSummary(spec.table, rows, 0)


def build_raw_asset(spec: RawSource) -> dg.AssetsDefinition:
    @dg.asset(
        name=spec.table,
        key_prefix=["raw"],
        kinds={"duckdb", "python"},
        pool=DUCKDB_POOL,
        description=spec.description,
        check_specs=raw_check_specs(spec.table, spec.quarantine),
        metadata={"dagster/table_name": f"raw.{spec.table}", "key_columns": list(spec.key_columns)},
    )
    def _raw_asset(
        context: dg.AssetExecutionContext, config: RawIngestConfig, duckdb: DuckDBResource
    ) -> dg.MaterializeResult:
        ref = spec.source_ref()
        sha = input_fingerprint(spec)
        with duckdb.get_connection() as con:
            # Unchanged input files and code since the last complete load: nothing is parsed or written.
            n = None if config.force or sha is None else unchanged_rows(con, spec.table, sha)
            skipped = n is not None
            if n is not None:
                summary = (
                    previous_summary(con, spec.table, n) if spec.quarantine else LoadSummary(spec.table, n, 0)
                )
            else:
                summary = load_source(con, spec, ref, allow_shrink=config.force)
                if sha is not None:
                    # After the table (and its quarantine slice) committed: a failure in between leaves no claim.
                    record_ingest(con, spec.table, sha, summary.rows, ref)
            checks = raw_checks(con, spec.table, spec.key_columns, summary, spec.quarantine)
            preview = con.execute(f"SELECT * EXCLUDE (_source_ref) FROM raw.{spec.table} LIMIT 5").df()
            version = table_data_version(con, spec.table)
        quarantined = f", {summary.quarantined} quarantined," if spec.quarantine else ""
        context.log.info(
            f"raw.{spec.table}: {summary.rows} rows{quarantined} from {ref}"
            + (" (unchanged, not reloaded)" if skipped else "")
        )
        return dg.MaterializeResult(
            metadata={
                **summary_metadata(summary, spec.quarantine),
                "skipped_unchanged": skipped,
                "content_sha256": sha or "",
                "source": spec.source,
                "source_ref": ref,
                "preview": md_preview(preview),
            },
            data_version=version,
            check_results=checks,
        )

    return _raw_asset
