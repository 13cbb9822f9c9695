"""The dbt project as Dagster assets: models become assets, dbt tests become asset checks.

Re-runs follow Dagster's own data versions and code versions. Every raw asset reports a data version computed from
the whole rows of its table (``raw_load.content_version``); every dbt model and seed has a code version (its file
and the project files every model depends on: macros, tests, YAML properties, ``dbt_project.yml``). A model is
rebuilt when it is **stale** in Dagster's sense: never materialized, a new code version, or an input whose data
version differs from the one recorded in the model's last materialization (Dagster records those as its
provenance) — and, as GreenLM's own precaution, when its relation is missing from the DuckDB file or its last
materialization came from a dbt step that did not succeed. Stale models are built with ``dbt build`` (their tests
included); staleness propagates downstream. The others are reported as materialized again without running dbt:
Dagster then derives the same data version from the same code version and input versions, so the charts
downstream see nothing new.
"""

import functools
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource
from pydantic import Field

from greenlm_assets.lib.automation import follow_inputs
from greenlm_assets.lib.dbt_docs import model_description, raw_sql_metadata, test_description
from greenlm_assets.lib.dbt_events import release_dbt_adapter, with_described_columns
from greenlm_assets.lib.dbt_project import dbt_project
from greenlm_assets.lib.paths import DBT_PROJECT_DIR
from greenlm_assets.lib.raw_assets import DUCKDB_POOL

# Files every model's compiled SQL or tests may depend on: any change to one of them makes every model stale.
SHARED_PROJECT_INPUTS = ("macros", "tests", "dbt_project.yml", "profiles.yml", "packages.yml")
# Dagster's tag holding a materialization's data version (documented under "Asset versioning and caching").
DATA_VERSION_TAG = "dagster/data_version"
UNIQUE_ID_METADATA_KEY = "dagster_dbt/unique_id"  # set by dagster-dbt on every dbt asset


def shared_project_sha(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """sha256 of the project files every model depends on: macros, tests, every YAML properties file under
    ``models/`` and ``seeds/`` (tests, contracts, column types) and the project/profile files."""
    digest = hashlib.sha256()
    paths: list[Path] = []
    for entry in SHARED_PROJECT_INPUTS:
        root = project_dir / entry
        paths += [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    for folder in ("models", "seeds"):
        paths += sorted(p for p in (project_dir / folder).rglob("*") if p.suffix in (".yml", ".yaml"))
    for path in paths:
        digest.update(f"\0{path.relative_to(project_dir)}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def node_code_version(props: Mapping[str, Any], shared_sha: str, project_dir: Path = DBT_PROJECT_DIR) -> str:
    """A model's or seed's code version: its own file (SQL or CSV, read from disk, not from a possibly older
    manifest) and :func:`shared_project_sha`."""
    digest = hashlib.sha256(shared_sha.encode())
    path = props.get("original_file_path")
    if path and (project_dir / path).is_file():
        digest.update(f"\0{path}\0".encode())
        digest.update((project_dir / path).read_bytes())
    else:  # not a file of this project: fall back to what dbt recorded
        digest.update(repr(props.get("raw_code") or props.get("checksum")).encode())
    return digest.hexdigest()[:24]


@functools.cache
def _shared_sha_at_load() -> str:
    return shared_project_sha()


class GreenLMTranslator(DagsterDbtTranslator):
    """Asset keys ``<layer>/<model>`` (staging/stg_x, marts/fct_x); groups and owners are dagster-dbt's default, the
    dbt group of each node (GreenLM's domains: dbt_project/models/_groups.yml); code versions from the files."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        layer = dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else "models"
        return dg.AssetKey([layer, dbt_resource_props["name"]])

    def get_code_version(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return node_code_version(dbt_resource_props, _shared_sha_at_load())

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


TRANSLATOR = GreenLMTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class DbtBuildConfig(dg.Config):
    """Run config of the dbt assets."""

    force: bool = Field(default=False, description="Rebuild every selected model, stale or not.")


@dataclass
class BuildPlan:
    """Which selected dbt assets are stale (and why) and which are reused, in dbt's dependency order."""

    order: list[dg.AssetKey]
    stale: dict[dg.AssetKey, str] = field(default_factory=dict)
    built_in_run: dict[dg.AssetKey, str] = field(default_factory=dict)  # reused key -> run that last built it

    @property
    def reused(self) -> list[dg.AssetKey]:
        return [k for k in self.order if k not in self.stale]


@functools.cache
def _manifest_nodes() -> dict[str, Mapping[str, Any]]:
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return {**manifest["nodes"], **manifest.get("sources", {})}


def _node(assets_def: dg.AssetsDefinition, key: dg.AssetKey) -> Mapping[str, Any]:
    unique_id = assets_def.specs_by_key[key].metadata[UNIQUE_ID_METADATA_KEY]
    return _manifest_nodes()[unique_id]


def _data_version(record: dg.EventLogRecord | None) -> dg.DataVersion | None:
    value = (record.event_log_entry.tags or {}).get(DATA_VERSION_TAG) if record else None
    return dg.DataVersion(value) if value else None


def plan_build(context: dg.AssetExecutionContext, existing: set[tuple[str, str]], force: bool) -> BuildPlan:
    """Decide, from Dagster's event log, which selected dbt assets must be rebuilt.

    ``existing``: the (schema, name) of every relation in the DuckDB file. An input counts as unchanged when the
    model's provenance points at the input's latest materialization, or records the same data version as it has
    now (a raw table reloaded with identical rows); never materialized then and now also counts as unchanged.
    """
    assets_def = context.assets_def
    selected = set(context.selected_asset_keys)
    deps = assets_def.asset_deps
    order = list(TopologicalSorter({k: deps.get(k, set()) & selected for k in selected}).static_order())
    plan = BuildPlan(order=order)
    keys = sorted(selected | {d for k in selected for d in deps.get(k, set())}, key=lambda k: k.path)
    latest = {
        r.asset_entry.asset_key: r.asset_entry.last_materialization_record
        for r in context.instance.get_asset_records(keys)
    }
    shared = shared_project_sha()
    step_key = str(context.op_handle)
    step_ok: dict[str, bool] = {}

    def dbt_step_succeeded(run_id: str) -> bool:
        if run_id not in step_ok:
            successes = context.instance.get_records_for_run(
                run_id, of_type=dg.DagsterEventType.STEP_SUCCESS, limit=1000
            ).records
            step_ok[run_id] = any(r.event_log_entry.step_key == step_key for r in successes)
        return step_ok[run_id]

    for key in order:
        node = _node(assets_def, key)
        last = latest.get(key)
        provenance = dg.DataProvenance.from_tags(last.event_log_entry.tags or {}) if last else None
        if force:
            plan.stale[key] = "forced"
        elif last is None or provenance is None:
            plan.stale[key] = "no earlier materialization with provenance"
        elif node["config"].get("materialized") != "ephemeral" and (
            (node["schema"], node.get("alias") or node["name"]) not in existing
        ):
            plan.stale[key] = "relation missing from the DuckDB file"
        elif provenance.code_version != node_code_version(node, shared):
            plan.stale[key] = "new code version"
        elif not dbt_step_succeeded(last.run_id):
            plan.stale[key] = f"last materialized by run {last.run_id[:8]}, whose dbt step did not succeed"
        else:
            for dep in sorted(deps.get(key, set()), key=lambda k: k.path):
                if dep in plan.stale:
                    plan.stale[key] = f"upstream {dep.to_user_string()} is rebuilt"
                    break
                if not provenance.has_input_asset(dep):
                    plan.stale[key] = f"new dependency {dep.to_user_string()}"
                    break
                dep_last = latest.get(dep)
                if dep_last is None:
                    unchanged = provenance.input_storage_ids[dep] is None
                else:
                    unchanged = provenance.input_storage_ids[dep] == dep_last.storage_id or (
                        provenance.input_data_versions[dep] == _data_version(dep_last)
                    )
                if not unchanged:
                    plan.stale[key] = f"new data version of {dep.to_user_string()}"
                    break
        if key not in plan.stale and last is not None:
            built = (
                last.asset_materialization.metadata.get("built_in_run")
                if last.asset_materialization
                else None
            )
            plan.built_in_run[key] = str(built.value) if built is not None else last.run_id
    return plan


def _selector(node: Mapping[str, Any]) -> str:
    return ".".join(node["fqn"])


def _as_asset_events(
    context: dg.AssetExecutionContext, event: Any, stale: Mapping[dg.AssetKey, str]
) -> Iterator[Any]:
    """dagster-dbt's op-style events (dbt run without an asset context) as this multi-asset's results."""
    if isinstance(event, dg.AssetMaterialization):
        yield dg.MaterializeResult(
            asset_key=event.asset_key,
            metadata={
                **event.metadata,
                "dbt_rebuilt": True,
                "stale_cause": stale.get(event.asset_key, ""),
                "built_in_run": context.run_id,
            },
        )
    elif isinstance(event, dg.AssetCheckEvaluation):
        check_key = dg.AssetCheckKey(event.asset_key, event.check_name)
        if check_key in context.selected_asset_check_keys:
            yield dg.AssetCheckResult(
                asset_key=event.asset_key,
                check_name=event.check_name,
                passed=event.passed,
                severity=event.severity,
                metadata=event.metadata,
            )
    else:  # AssetObservation of a dbt test that is not an asset check
        yield event


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    pool=DUCKDB_POOL,
)
def greenlm_dbt_models(
    context: dg.AssetExecutionContext, config: DbtBuildConfig, dbt: DbtCliResource, duckdb: DuckDBResource
) -> Iterator[Any]:
    """`dbt build` of the stale selected models with their data tests, streamed to Dagster as assets and checks.

    Unit tests check SQL logic, not data, so they run in `make test` / plain `dbt build`, not on every
    materialization. Models that are not stale (see the module docstring) are not rebuilt and their checks not
    re-evaluated: Dagster shows those checks as not executed in this run, their latest evaluation being the one of
    the build that made the model. Re-reporting ~300 passes would cost ~600 event-log writes.
    """
    with duckdb.get_connection() as con:
        existing = set(
            con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
        )
    plan = plan_build(context, existing, config.force)
    # Reused models first: none of them depends on a stale one (staleness propagates downstream), and a
    # multi-asset must report its assets in dependency order.
    for key in plan.reused:
        yield dg.MaterializeResult(
            asset_key=key, metadata={"dbt_rebuilt": False, "built_in_run": plan.built_in_run.get(key, "")}
        )
    if plan.stale:
        causes = "; ".join(f"{k.to_user_string()}: {c}" for k, c in plan.stale.items())
        context.log.info(f"dbt: rebuilding {len(plan.stale)} of {len(plan.order)} stale model(s) ({causes})")
        selectors = [_selector(_node(context.assets_def, k)) for k in plan.order if k in plan.stale]
        # Run without the asset context, which would make dagster-dbt select every model of the step; the
        # events come back op-style (materializations, check evaluations) and are re-issued as this step's.
        invocation = dbt.cli(
            ["build", "--select", " ".join(selectors), "--exclude-resource-type", "unit_test"],
            manifest=dbt_project.manifest_path,
            dagster_dbt_translator=TRANSLATOR,
        )
        try:
            # Row counts and column schemas on every rebuilt model's page (dagster-dbt's own fetchers).
            for event in invocation.stream().fetch_row_counts().fetch_column_metadata():
                yield from _as_asset_events(context, with_described_columns(context, event), plan.stale)
        finally:
            release_dbt_adapter(invocation)
    else:
        # "dbt inputs unchanged" is what benchmarks/bench_pipeline.py looks for.
        context.log.info(
            f"dbt inputs unchanged: none of the {len(plan.order)} selected models is stale (same code versions, "
            "same data versions of their inputs as at their last build): dbt not run"
        )
