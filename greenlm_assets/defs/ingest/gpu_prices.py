"""GPU market raw tables: rental price observations (shipped snapshots + daily live scrape), purchase prices,
and the Epoch spec names mapped to ``gpu_key``.

Two assets write ``raw.gpu_price_observations``, each only its own slice, so neither can erase the other's rows:
``raw/gpu_price_observations`` (unpartitioned, offline default) replaces the ``origin = 'snapshot'`` rows;
``raw/gpu_price_scrape`` (daily partitions, live only) replaces ``origin = 'scrape'`` rows of one day and one
provider at a time, and only after that provider's fetch and parse succeeded.
"""

import sys
from datetime import UTC, date, datetime

import dagster as dg
import duckdb
import httpx
import pandas as pd
from dagster_duckdb import DuckDBResource

from greenlm_assets.lib import raw_load
from greenlm_assets.lib.automation import DAILY_SOURCE_FRESHNESS
from greenlm_assets.lib.fingerprint import fingerprint
from greenlm_assets.lib.gpu_market import clients, names, observations, parsers, snapshots
from greenlm_assets.lib.gpu_market.clients import (
    DEFAULT_BASE_URLS,
    PROVIDERS,
    GpuMarketResource,
    SnapshotClient,
)
from greenlm_assets.lib.gpu_market.names import normalise_gpu_name
from greenlm_assets.lib.gpu_market.observations import finalise, unknown_names
from greenlm_assets.lib.gpu_market.parsers import ProviderParseError
from greenlm_assets.lib.raw_assets import DUCKDB_POOL, RawIngestConfig, md_preview, table_data_version
from greenlm_assets.lib.raw_load import RawLoadError, load_raw_table, quote_ident, read_ddl, unchanged_rows
from greenlm_assets.lib.sources import source_ref_for

TABLE = "gpu_price_observations"
OBSERVATIONS_KEY = dg.AssetKey(["raw", TABLE])
SCRAPE_KEY = dg.AssetKey(["raw", "gpu_price_scrape"])
# The rows one scrape of one provider on one day replaces (day and provider are bound as parameters).
SCRAPE_SLICE = "origin = 'scrape' AND scrape_date = ? AND price_source = ?"
PURCHASE_KEY = dg.AssetKey(["raw", "gpu_purchase_prices"])
NAME_MAP_KEY = dg.AssetKey(["raw", "gpu_name_map"])
MIN_KEY_COVERAGE = 0.9  # share of observations whose GPU name must normalise; the rest are reported by name

# Days start at UTC midnight; end_offset=1 makes today's partition exist so the schedule can fill it today.
SCRAPE_PARTITIONS = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1)


def _coverage_check(asset_key: dg.AssetKey, df: pd.DataFrame) -> dg.AssetCheckResult:
    coverage = float(df["gpu_key"].notna().mean()) if len(df) else 0.0
    return dg.AssetCheckResult(
        check_name="gpu_names_normalised",
        asset_key=asset_key,
        passed=coverage >= MIN_KEY_COVERAGE,
        metadata={
            "coverage": coverage,
            "min_coverage": MIN_KEY_COVERAGE,
            "unknown_gpu_names": dg.MetadataValue.json(unknown_names(df)),
        },
    )


def _input_fingerprint(folder: str, table: str) -> str | None:
    """sha256 of a snapshot folder's files, the GPU-market parsing code and the table's contract (before parsing)."""
    return fingerprint(
        [snapshots.gpu_prices_path(folder)],
        modules=[sys.modules[__name__], snapshots, clients, parsers, names, observations, raw_load],
        texts=[read_ddl(table)],
    )


def _loaded(
    con: duckdb.DuckDBPyConnection, table: str, columns: str, where: str = "true"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The columns the metadata and checks need, and a preview, read back from the table (loaded or kept)."""
    rows = con.execute(f"SELECT {columns} FROM raw.{quote_ident(table)} WHERE {where}").df()
    preview = con.execute(
        f"SELECT * EXCLUDE (_source_ref) FROM raw.{quote_ident(table)} WHERE {where} LIMIT 5"
    ).df()
    return rows, preview


def _quarantine_summary(df: pd.DataFrame) -> dict[str, int]:
    reasons = df["quarantine_reason"].dropna().str.replace(r"^usd_per_gpu_hour \S+ ", "", regex=True)
    return {str(k): int(v) for k, v in reasons.value_counts().items()}


# ---------------------------------------------------------------- shipped snapshot observations (offline default)
def read_snapshot_observations() -> pd.DataFrame:
    """The three shipped price datasets as one observation frame (origin 'snapshot')."""
    # The five scraped providers' rows come through their Snapshot clients (the offline side of the interface);
    # the index's other providers (GCP, Oracle, CoreWeave, ...) have no live client here and are read directly.
    records = [r for p in PROVIDERS for r in SnapshotClient(p).fetch()]
    records += [r for r in snapshots.read_ewyluda() if r["provider"] not in PROVIDERS]
    records += snapshots.read_tugot17()
    records += snapshots.read_fsdl()
    df = finalise(records)
    df["origin"] = "snapshot"
    df["scrape_date"] = df["observed_at"].dt.date
    return df


def _snapshot_ref() -> str:
    files = [snapshots.EWYLUDA_FILE, snapshots.TUGOT17_DIR + "/*.jsonl", snapshots.FSDL_FILE]
    return "; ".join(f"data/snapshots/{snapshots.GPU_PRICES_DIR}/{f}" for f in files) + (
        f" (see data/snapshots/{snapshots.GPU_PRICES_DIR}/SOURCE.txt)"
    )


@dg.asset(
    key=OBSERVATIONS_KEY,
    kinds={"duckdb", "python"},
    pool=DUCKDB_POOL,
    description=(
        "GPU rental prices ($/GPU-hour) from the shipped snapshots: ewyluda price index (10 providers, 2026-10-10), "
        "Prime Intellect marketplace stats (half-hourly, 2025-10/11), FSDL cloud GPU table (2023-10-30)."
    ),
    check_specs=[dg.AssetCheckSpec("gpu_names_normalised", asset=OBSERVATIONS_KEY)],
    metadata={"dagster/table_name": f"raw.{TABLE}"},
)
def gpu_price_observations(
    context: dg.AssetExecutionContext, config: RawIngestConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    # The whole gpu_prices folder counts (a purchase-price edit reloads this too: cheap, and never stale).
    sha = _input_fingerprint("", TABLE)
    log_key = f"{TABLE}:snapshot"
    with duckdb.get_connection() as con:
        n = (
            None
            if config.force or sha is None
            else unchanged_rows(con, TABLE, sha, log_key=log_key, where="origin = 'snapshot'")
        )
        skipped = n is not None
        if n is None:
            n = load_raw_table(
                con,
                TABLE,
                read_snapshot_observations(),
                source="gpu_prices_snapshots",
                source_ref=_snapshot_ref(),
                source_file=str(snapshots.gpu_prices_path("")),
                replace_where="origin = 'snapshot'",
                content_sha256=sha,
                log_key=log_key,
                allow_shrink=config.force,
            )
        df, preview = _loaded(
            con,
            TABLE,
            "price_source, provider, gpu_key, gpu_name_raw, quarantine_reason",
            "origin = 'snapshot'",
        )
        version = table_data_version(con, TABLE, "origin = 'snapshot'")
    by_source = df.groupby("price_source").size().to_dict()
    context.log.info(
        f"raw.{TABLE}: {n} snapshot rows {by_source}" + (" (unchanged, not reloaded)" if skipped else "")
    )
    return dg.MaterializeResult(
        data_version=version,
        metadata={
            "dagster/row_count": n,
            "skipped_unchanged": skipped,
            "rows_by_price_source": dg.MetadataValue.json({k: int(v) for k, v in by_source.items()}),
            "quarantined": dg.MetadataValue.json(_quarantine_summary(df)),
            "providers": len(df["provider"].unique()),
            "gpu_keys": int(df["gpu_key"].nunique()),
            "preview": md_preview(preview),
        },
        check_results=[_coverage_check(OBSERVATIONS_KEY, df)],
    )


# ---------------------------------------------------------------- daily live scrape
def write_scrape_day(con, day: date, provider: str, records: list[dict], source_ref: str) -> pd.DataFrame:
    """Replace one provider's scraped rows of one day, atomically; other days and providers are untouched.

    An empty or invalid result raises (RawLoadError) before anything is deleted, so a bad scrape never wipes
    the rows an earlier run of the same day wrote.
    """
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}")
    df = finalise(records)
    df["origin"] = "scrape"
    df["scrape_date"] = day
    df["price_source"] = provider  # the slice key: a re-run of this day replaces exactly these rows
    load_raw_table(
        con,
        TABLE,
        df,
        source=f"live:{provider}",
        source_ref=source_ref,
        source_file=f"{provider} response ({source_ref})",
        replace_where=SCRAPE_SLICE,
        replace_params=[day, provider],
    )
    return df


@dg.asset(
    key=SCRAPE_KEY,
    kinds={"duckdb", "python"},
    pool=DUCKDB_POOL,
    partitions_def=SCRAPE_PARTITIONS,
    freshness_policy=DAILY_SOURCE_FRESHNESS,  # live mode: stale when the daily scrape stops landing
    description=(
        "Daily live scrape of RunPod, Azure, AWS, Vast.ai and Lambda prices into raw.gpu_price_observations "
        "(origin 'scrape', one partition per UTC day). Needs GREENLM_LIVE=1 or gpu_market.live=true. "
        "A provider that fails is reported in metadata and keeps its earlier rows; the others still land."
    ),
    check_specs=[
        dg.AssetCheckSpec("all_providers_ok", asset=SCRAPE_KEY),
        dg.AssetCheckSpec("gpu_names_normalised", asset=SCRAPE_KEY),
    ],
    metadata={"dagster/table_name": f"raw.{TABLE}"},
)
def gpu_price_scrape(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, gpu_market: GpuMarketResource
) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    if not gpu_market.is_live():
        raise dg.Failure(
            "raw/gpu_price_scrape reads live prices: set GREENLM_LIVE=1 (or resource gpu_market.live=true). "
            "The offline default is raw/gpu_price_observations (shipped snapshots)."
        )
    today = datetime.now(UTC).date()
    if day != today:
        raise dg.Failure(
            f"partition {day} is not today ({today} UTC): live prices cannot be scraped for another day"
        )
    status: dict[str, dict] = {}
    frames: list[pd.DataFrame] = []
    with duckdb.get_connection() as con:
        for client in gpu_market.clients():
            p = client.provider
            ref = f"{gpu_market.base_urls.get(p, DEFAULT_BASE_URLS[p])} @ {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"
            try:
                df = write_scrape_day(con, day, p, client.fetch(), ref)
            except (httpx.HTTPError, ProviderParseError, RawLoadError) as exc:
                context.log.error(f"gpu price scrape: {p} failed, its earlier rows are kept: {exc}")
                status[p] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:500]}
                continue
            frames.append(df)
            status[p] = {
                "status": "ok",
                "rows": len(df),
                "quarantined": int(df["quarantine_reason"].notna().sum()),
                "unknown_gpu_names": unknown_names(df),
            }
    failed = sorted(p for p, s in status.items() if s["status"] != "ok")
    if not frames:
        raise dg.Failure(
            f"every GPU price provider failed for {day}: {failed}",
            metadata={"provider_status": dg.MetadataValue.json(status)},
        )
    all_rows = pd.concat(frames, ignore_index=True)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(all_rows),
            "provider_status": dg.MetadataValue.json(status),
            "providers_failed": dg.MetadataValue.json(failed),
            "partition": day.isoformat(),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="all_providers_ok",
                asset_key=SCRAPE_KEY,
                passed=not failed,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"failed": dg.MetadataValue.json(failed)},
            ),
            _coverage_check(SCRAPE_KEY, all_rows),
        ],
    )


# ---------------------------------------------------------------- purchase prices and spec names
@dg.asset(
    key=PURCHASE_KEY,
    kinds={"duckdb", "python"},
    pool=DUCKDB_POOL,
    description="GPU card street prices over time (Amazon/Keepa histories via United-Compute/gpu-price-tracker).",
    check_specs=[dg.AssetCheckSpec("gpu_names_normalised", asset=PURCHASE_KEY)],
    metadata={"dagster/table_name": "raw.gpu_purchase_prices"},
)
def gpu_purchase_prices(
    context: dg.AssetExecutionContext, config: RawIngestConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    table = "gpu_purchase_prices"
    folder = snapshots.gpu_prices_path(snapshots.PURCHASE_DIR)
    sha = _input_fingerprint(snapshots.PURCHASE_DIR, table)
    with duckdb.get_connection() as con:
        n = None if config.force or sha is None else unchanged_rows(con, table, sha)
        skipped = n is not None
        if n is None:
            df = snapshots.read_purchase_prices(folder)
            df["observed_at"] = pd.to_datetime(df["observed_at"], errors="coerce")
            n = load_raw_table(
                con,
                table,
                df,
                source="united_compute_amazon_purchase_prices",
                source_ref=source_ref_for(folder / "_file_commits.txt").replace(
                    "/_file_commits.txt", "/*.json"
                ),
                source_file=str(folder),
                content_sha256=sha,
                allow_shrink=config.force,
            )
        df, preview = _loaded(con, table, "gpu_name_raw, gpu_key")
        version = table_data_version(con, table)
    context.log.info(f"raw.{table}: {n} rows" + (" (unchanged, not reloaded)" if skipped else ""))
    return dg.MaterializeResult(
        data_version=version,
        metadata={
            "dagster/row_count": n,
            "skipped_unchanged": skipped,
            "gpu_cards": int(df["gpu_name_raw"].nunique()),
            "preview": md_preview(preview),
        },
        check_results=[_coverage_check(PURCHASE_KEY, df)],
    )


@dg.asset(
    key=NAME_MAP_KEY,
    kinds={"duckdb", "python"},
    pool=DUCKDB_POOL,
    deps=[dg.AssetKey(["raw", "gpu_specs"])],
    description="Every accelerator name of raw.gpu_specs (Epoch AI) with its gpu_key from normalise_gpu_name.",
    metadata={"dagster/table_name": "raw.gpu_name_map"},
)
def gpu_name_map(
    context: dg.AssetExecutionContext, config: RawIngestConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    table = "gpu_name_map"
    with duckdb.get_connection() as con:
        spec_names = [
            r[0]
            for r in con.execute("SELECT DISTINCT hardware_name FROM raw.gpu_specs ORDER BY 1").fetchall()
        ]
        df = pd.DataFrame(
            {
                "name_source": "epoch_ai",
                "gpu_name_raw": spec_names,
                "gpu_key": [normalise_gpu_name(n) for n in spec_names],
            }
        )
        # The map is a function of the spec names and the normaliser: unchanged both, the table is kept.
        sha = fingerprint([], modules=[names, raw_load], texts=["\n".join(spec_names), read_ddl(table)])
        assert sha is not None
        n = None if config.force else unchanged_rows(con, table, sha)
        skipped = n is not None
        if n is None:
            n = load_raw_table(
                con,
                table,
                df,
                source="normalise_gpu_name",
                source_ref="raw.gpu_specs.hardware_name",
                content_sha256=sha,
                allow_shrink=config.force,
            )
        version = table_data_version(con, table)
    context.log.info(f"raw.{table}: {n} rows" + (" (unchanged, not reloaded)" if skipped else ""))
    return dg.MaterializeResult(
        data_version=version,
        metadata={
            "dagster/row_count": n,
            "skipped_unchanged": skipped,
            "mapped": int(df["gpu_key"].notna().sum()),
            "not_gpu_models": dg.MetadataValue.json(sorted(df.loc[df["gpu_key"].isna(), "gpu_name_raw"])),
        },
    )
