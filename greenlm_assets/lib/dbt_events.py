"""dbt CLI events with the table metadata the Dagster UI shows on every model's page."""

from collections.abc import Iterator, Sequence
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource


def dbt_events_with_table_metadata(
    dbt: DbtCliResource, context: dg.AssetExecutionContext, args: Sequence[str]
) -> Iterator[Any]:
    """``dbt <args>`` streamed to Dagster, each model's materialization carrying ``dagster/row_count`` and
    ``dagster/column_schema`` (names, types, dbt descriptions) from dagster-dbt's own fetchers.

    With dbt-duckdb, dagster-dbt waits for the dbt process to exit (DuckDB has one writer) and then queries the
    file through the dbt adapter in this process. That adapter keeps its DuckDB instance open, and DuckDB refuses a
    second connection with another configuration in the same process (the next asset's ``duckdb`` resource, run
    by the in-process executor), so its connections are released when the stream ends.
    """
    invocation = dbt.cli(list(args), context=context)
    try:
        for event in invocation.stream().fetch_row_counts().fetch_column_metadata():
            yield with_described_columns(context, event)
    finally:
        release_dbt_adapter(invocation)


def release_dbt_adapter(invocation: Any) -> None:
    """Close the dbt adapter's DuckDB connections in this process (see ``dbt_events_with_table_metadata``)."""
    if invocation.adapter is not None:
        invocation.adapter.cleanup_connections()
    _close_duckdb_environment()


SCHEMA_KEY = "dagster/column_schema"


def with_described_columns(context: dg.AssetExecutionContext, event: Any) -> Any:
    """The fetched column schema has the database's types but no descriptions; the model's YAML descriptions
    (the asset definition's column schema, from the manifest) are put back on each column."""
    if not isinstance(event, dg.Output | dg.AssetMaterialization) or SCHEMA_KEY not in (event.metadata or {}):
        return event
    key = event.asset_key if isinstance(event, dg.AssetMaterialization) else None
    spec = context.assets_def.specs_by_key.get(key or context.asset_key_for_output(event.output_name))
    declared = spec.metadata.get(SCHEMA_KEY) if spec else None
    if declared is None:
        return event
    declared_schema = declared.value if isinstance(declared, dg.TableSchemaMetadataValue) else declared
    described = {c.name: c.description for c in declared_schema.columns}
    fetched = event.metadata[SCHEMA_KEY].value
    columns = [
        dg.TableColumn(
            name=c.name,
            type=c.type,
            description=c.description or described.get(c.name),
            constraints=c.constraints,
            tags=c.tags,
        )
        for c in fetched.columns
    ]
    return event.with_metadata(
        {**event.metadata, SCHEMA_KEY: dg.TableSchema(columns=columns, constraints=fetched.constraints)}
    )


def _close_duckdb_environment() -> None:
    """dbt-duckdb keeps one DuckDB instance per process (``DuckDBConnectionManager._ENV``) open while any of its
    handles is referenced; closing the adapter's connections does not always drop it, so it is closed here (dbt
    creates a new one on its next use)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = getattr(DuckDBConnectionManager, "_ENV", None)
    if env is not None:
        env.close()
        DuckDBConnectionManager._ENV = None
