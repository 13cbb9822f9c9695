"""The dbt project as Dagster assets: models become assets, dbt tests become asset checks."""

import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from graphlib import TopologicalSorter
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource
from pydantic import Field

from greenlm_assets.lib.automation import follow_inputs
from greenlm_assets.lib.dbt_docs import model_description, raw_sql_metadata, test_description
from greenlm_assets.lib.dbt_events import dbt_events_with_table_metadata
from greenlm_assets.lib.dbt_project import dbt_project
from greenlm_assets.lib.paths import DBT_PROJECT_DIR
from greenlm_assets.lib.raw_assets import DUCKDB_POOL
from greenlm_assets.lib.raw_load import quote_ident

BUILD_LOG_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.dbt_build_log (
    selection_sha256 VARCHAR PRIMARY KEY,
    inputs_sha256 VARCHAR NOT NULL,
    built_at TIMESTAMP NOT NULL
);
"""
# What a dbt build's result depends on besides the raw data (vars live in dbt_project.yml).
PROJECT_INPUTS = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")


class GreenLMTranslator(DagsterDbtTranslator):
    """Asset keys ``<layer>/<model>`` (staging/stg_x, marts/fct_x) and groups by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        layer = dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else "models"
        return dg.AssetKey([layer, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "transform"

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return model_description(dbt_resource_props)

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**super().get_metadata(dbt_resource_props), **raw_sql_metadata(dbt_resource_props)}

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):  # type: ignore[no-untyped-def]
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        test = manifest.get("nodes", {}).get(unique_id, {}) if isinstance(manifest, dict) else {}
        if spec is None or spec.description or not test:
            return spec
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=test_description(test, asset_spec.key.to_user_string()),
            additional_deps=spec.additional_deps,
            blocking=spec.blocking,
            metadata=spec.metadata,
            automation_condition=spec.automation_condition,
        )

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> dg.AutomationCondition | None:
        return follow_inputs()  # models follow their raw inputs (the automation sensor, `make dev`)


class DbtBuildConfig(dg.Config):
    """Run config of the dbt assets."""

    force: bool = Field(default=False, description="Run dbt even when nothing it reads has changed.")


def dbt_source_tables() -> list[str] | None:
    """The raw tables dbt reads (its sources in the manifest); None when there is no manifest to read."""
    try:
        manifest = json.loads(dbt_project.manifest_path.read_text())
    except (OSError, ValueError):
        return None
    return sorted({s["identifier"] for s in manifest.get("sources", {}).values() if s.get("schema") == "raw"})


def build_inputs_fingerprint(con: duckdb.DuckDBPyConnection, tables_read: list[str] | None = None) -> str:
    """sha256 over the CONTENT of the raw tables dbt reads (all raw tables if unknown) and the project's files.

    Load timestamps are left out, so a raw asset that reloads identical data does not force a rebuild, and raw
    tables no dbt source reads (fetch logs, quarantine) do not either.
    """
    digest = hashlib.sha256()
    tables = [
        row
        for row in con.execute(
            "SELECT t.table_name, bool_or(c.column_name = '_ingested_at') FROM information_schema.tables t "
            "JOIN information_schema.columns c USING (table_schema, table_name) "
            "WHERE t.table_schema = 'raw' GROUP BY 1 ORDER BY 1"
        ).fetchall()
        if tables_read is None or row[0] in tables_read
    ]
    for name, has_ingested_at in tables:
        cols = "COLUMNS(* EXCLUDE (_ingested_at))" if has_ingested_at else "COLUMNS(*)"
        # Order-independent content summary: row count and, per column, the sum of value hashes.
        summary = con.execute(
            f"SELECT count(*), sum(hash({cols})::HUGEINT) FROM raw.{quote_ident(name)}"
        ).fetchone()
        digest.update(repr((name, summary)).encode())
    for entry in PROJECT_INPUTS:
        root = DBT_PROJECT_DIR / entry
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _selection_sha(context: dg.AssetExecutionContext) -> str:
    keys = sorted(k.to_user_string() for k in context.selected_asset_keys)
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()


def _relations_exist(con: duckdb.DuckDBPyConnection, keys: set[dg.AssetKey]) -> bool:
    present = set(con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall())
    return all(tuple(k.path[-2:]) in present for k in keys)


def _reuse_previous_build(
    context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection, inputs_sha: str
) -> datetime | None:
    """When the same selection was built from the same inputs and its relations exist, when that build was."""
    con.execute(BUILD_LOG_DDL)
    row = con.execute(
        "SELECT built_at FROM meta.dbt_build_log WHERE selection_sha256 = ? AND inputs_sha256 = ?",
        [_selection_sha(context), inputs_sha],
    ).fetchone()
    return row[0] if row and _relations_exist(con, set(context.selected_asset_keys)) else None


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=GreenLMTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    pool=DUCKDB_POOL,
)
def greenlm_dbt_models(
    context: dg.AssetExecutionContext, config: DbtBuildConfig, dbt: DbtCliResource, duckdb: DuckDBResource
) -> Iterator[Any]:
    """`dbt build` of the selected models with their data tests, streamed to Dagster as assets and checks.

    Unit tests check SQL logic, not data, so they run in `make test` / plain `dbt build`, not on every
    materialization. When nothing dbt reads has changed since the last successful build of the same selection
    (the content of the raw tables, the project's files) dbt is not run again: the models are reported as
    materialized with ``reused_build_at`` (so the charts downstream still run and decide for themselves), and the
    checks are not re-evaluated: Dagster shows them as not executed in this run, their latest evaluation being the
    passing one of the reused build. Re-reporting ~300 passes would cost ~600 event-log writes, the bulk of an
    unchanged re-run.
    """
    with duckdb.get_connection() as con:
        inputs_sha = build_inputs_fingerprint(con, dbt_source_tables())
        previous = None if config.force else _reuse_previous_build(context, con, inputs_sha)
    if previous is not None:
        context.log.info(
            f"dbt inputs unchanged since the build of {previous:%Y-%m-%d %H:%M:%S} UTC: not rebuilt"
        )
        meta = {
            "reused_build_at": str(previous),
            "inputs_sha256": inputs_sha,
            "checks_not_rerun": len(context.selected_asset_check_keys),
        }
        selected = set(context.selected_asset_keys)
        deps = context.assets_def.asset_deps
        # A multi-asset must report its assets upstream first.
        order = TopologicalSorter({k: deps.get(k, set()) & selected for k in selected}).static_order()
        for key in order:
            yield dg.MaterializeResult(asset_key=key, metadata=meta, data_version=dg.DataVersion(inputs_sha))
        return
    # Every model's data version is the fingerprint of what it was built from, on a build as on a reuse, so
    # Dagster's lineage sees an unchanged input as the same version.
    version = dg.DataVersion(inputs_sha)
    # Row counts and column schemas on every model's page (dagster-dbt's fetch_row_counts/fetch_column_metadata).
    for event in dbt_events_with_table_metadata(
        dbt, context, ["build", "--exclude-resource-type", "unit_test"]
    ):
        if isinstance(event, dg.Output):
            event = dg.Output(
                value=event.value,
                output_name=event.output_name,
                metadata=event.metadata,
                data_version=version,
                tags=event.tags,
            )
        yield event
    # Reached only when every model built and every test passed (dagster-dbt raises otherwise).
    with duckdb.get_connection() as con:
        con.execute(BUILD_LOG_DDL)
        con.execute(
            "INSERT OR REPLACE INTO meta.dbt_build_log VALUES (?, ?, ?)",
            [_selection_sha(context), inputs_sha, datetime.now(UTC).replace(tzinfo=None)],
        )
