"""No "(unserializable)" metadata on the asset pages except dagster-dbt's own.

Dagster sends an asset's definition metadata to the UI through its snapshot (``RepositorySnap``); a value it cannot
serialize becomes the text ``[ClassName] (unserializable)``. dagster-dbt (0.29) stores three Python objects in every
dbt asset's definition metadata, which it reads back in-process when the assets run: the parsed manifest
(``DbtManifestWrapper``), the translator and the ``DbtProject``. Those three, and nothing of GreenLM's, may show as
unserializable. Materialization and check metadata must be plain Dagster metadata values: the real run of the
session's ``platform`` fixture is checked, each value as the event log stores it.
"""

from __future__ import annotations

import dagster as dg
from dagster._core.remote_representation.external_data import RepositorySnap
from dagster._serdes import deserialize_value, serialize_value

from tests.conftest import load_defs

UNSERIALIZABLE = "(unserializable)"
# dagster-dbt's own definition metadata (dagster_dbt/asset_utils.py): key -> the class the UI names.
DAGSTER_DBT_OBJECTS = {
    "dagster_dbt/manifest": "DbtManifestWrapper",
    "dagster_dbt/dagster_dbt_translator": "GreenLMTranslator",
    "dagster_dbt/project": "DbtProject",
}


def unserializable(metadata: dict[str, dg.MetadataValue]) -> dict[str, str]:
    return {
        k: v.value
        for k, v in metadata.items()
        if isinstance(v, dg.TextMetadataValue) and UNSERIALIZABLE in v.value
    }


def test_definition_metadata_is_serializable_but_dagster_dbts_own_objects() -> None:
    snap = RepositorySnap.from_def(load_defs().get_repository_def())
    dbt_assets = 0
    for node in snap.asset_nodes:
        found = unserializable(dict(node.metadata))
        if "dagster/kind/dbt" in (node.tags or {}):
            dbt_assets += 1
            assert found == {k: f"[{cls}] {UNSERIALIZABLE}" for k, cls in DAGSTER_DBT_OBJECTS.items()}, (
                node.asset_key.to_user_string()
            )
        else:
            assert not found, f"{node.asset_key.to_user_string()}: {found}"
    assert dbt_assets > 60


def test_materialization_and_check_metadata_are_plain_values(platform: dict) -> None:
    result: dg.ExecuteInProcessResult = platform["result"]
    events = [
        e
        for e in result.all_events
        if e.is_step_materialization or e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert len(events) > 100
    for event in events:
        data = event.event_specific_data
        metadata = data.materialization.metadata if event.is_step_materialization else data.metadata
        assert not unserializable(dict(metadata)), event
        # What the event log stores and the UI reads back.
        assert deserialize_value(serialize_value(dict(metadata))) == dict(metadata)
