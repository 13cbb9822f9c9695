"""Documentation coverage: every column of every mart has a description, every intermediate model a description.

The documented columns come from a fresh ``dbt parse`` of the YAML (not a possibly stale ``target/``); the real
columns from the DuckDB file the ``platform`` fixture materializes (information_schema.columns of schema marts).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import repo_root


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from dbt.cli.main import dbtRunner

    project = repo_root() / "dbt_project"
    target = tmp_path_factory.mktemp("dbt_parse_target")
    result = dbtRunner().invoke(
        ["parse", "--project-dir", str(project), "--profiles-dir", str(project), "--target-path", str(target)]
    )
    assert result.success, f"dbt parse failed: {result.exception}"
    return json.loads((Path(target) / "manifest.json").read_text())


def _models(manifest: dict, layer: str) -> list[dict]:
    return sorted(
        (n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["fqn"][1] == layer),
        key=lambda n: n["name"],
    )


def test_every_mart_column_has_a_description(platform: dict, manifest: dict) -> None:
    marts = _models(manifest, "marts")
    assert len(marts) >= 30, f"expected the marts in the manifest, found {len(marts)}"
    con = duckdb.connect(str(platform["db"]), read_only=True)
    try:
        problems = []
        for node in marts:
            real = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [node["name"]],
                ).fetchall()
            ]
            if not real:
                problems.append(f"marts.{node['name']}: table not built, its columns cannot be checked")
                continue
            described = {
                name for name, col in node["columns"].items() if (col.get("description") or "").strip()
            }
            missing = [c for c in real if c not in described]
            if missing:
                problems.append(f"marts.{node['name']}: no description for {', '.join(missing)}")
    finally:
        con.close()
    assert not problems, "mart columns without a description:\n" + "\n".join(problems)


def test_every_intermediate_model_has_a_description(manifest: dict) -> None:
    intermediates = _models(manifest, "intermediate")
    assert intermediates, "no intermediate models in the manifest"
    undocumented = [n["name"] for n in intermediates if not (n.get("description") or "").strip()]
    assert not undocumented, f"intermediate models without a description: {', '.join(undocumented)}"
