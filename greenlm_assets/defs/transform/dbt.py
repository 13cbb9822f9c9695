"""The dbt project as Dagster assets: models become assets, dbt tests become asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from greenlm_assets.lib.dbt_project import dbt_project
from greenlm_assets.lib.raw_assets import DUCKDB_POOL


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


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=GreenLMTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    pool=DUCKDB_POOL,
)
def greenlm_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build`: runs every model and its data and unit tests, streaming results to Dagster."""
    yield from dbt.cli(["build"], context=context).stream()
