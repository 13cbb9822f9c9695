"""dbt model contracts on the marts: every mart declares ``contract: {enforced: true}`` and a ``data_type`` per column
(models/marts/<domain>/_<domain>__models.yml), so a change of a column's type fails ``dbt build`` instead of reaching
the charts, the report, the CLI and the curated queries that read the marts.

The declarations come from a fresh ``dbt parse`` of the YAML; the failure case is real dbt on a copy of the project and
of the DuckDB file the ``platform`` fixture materializes, with one mart's SQL casting a contracted column.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import repo_root

DBT = Path(sys.executable).parent / "dbt"
# Where Python and the curated SQL name a mart: chart and report assets, the CLI, the harness, sql/queries/*.sql.
READERS = ("greenlm_assets", "jobs", "sql/queries")
MART_REF = re.compile(r"\bmarts\.([a-z_0-9]+)\b")


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    from dbt.cli.main import dbtRunner

    project = repo_root() / "dbt_project"
    target = tmp_path_factory.mktemp("dbt_parse_contracts")
    result = dbtRunner().invoke(
        ["parse", "--project-dir", str(project), "--profiles-dir", str(project), "--target-path", str(target)]
    )
    assert result.success, f"dbt parse failed: {result.exception}"
    manifest = json.loads((target / "manifest.json").read_text())
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["fqn"][1] == "marts"
    }


def _marts_read_by_python() -> dict[str, list[str]]:
    """Mart name -> the files (relative to the repository) that name it as ``marts.<name>``."""
    root = repo_root()
    readers: dict[str, list[str]] = {}
    for folder in READERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in {".py", ".sql"}:
                continue
            for name in set(MART_REF.findall(path.read_text())):
                readers.setdefault(name, []).append(str(path.relative_to(root)))
    return readers


def test_every_mart_has_an_enforced_contract_with_a_type_per_column(marts: dict[str, dict]) -> None:
    assert len(marts) >= 30, f"expected the marts in the manifest, found {len(marts)}"
    problems = []
    for name, node in sorted(marts.items()):
        if not node["config"].get("contract", {}).get("enforced"):
            problems.append(f"{name}: contract not enforced")
        if not node["columns"]:
            problems.append(f"{name}: no columns declared")
        problems += [
            f"{name}.{col}: no data_type"
            for col, spec in node["columns"].items()
            if not spec.get("data_type")
        ]
    assert not problems, "\n".join(problems)


def test_every_mart_python_reads_is_a_contracted_model(marts: dict[str, dict]) -> None:
    readers = _marts_read_by_python()
    # The report, the charts and the curated queries read most marts; a regex that found none would pass anything.
    assert len(readers) >= 20, sorted(readers)
    unknown = {name: files for name, files in readers.items() if name not in marts}
    assert not unknown, f"marts.<name> read by code but not a dbt mart: {unknown}"
    uncontracted = [name for name in readers if not marts[name]["config"]["contract"]["enforced"]]
    assert not uncontracted, uncontracted


def test_built_marts_have_the_contracted_types(platform: dict, marts: dict[str, dict]) -> None:
    """The types Python reads from DuckDB are the declared ones, column for column and in the declared order."""
    con = duckdb.connect(str(platform["db"]), read_only=True)
    try:
        problems = []
        for name, node in sorted(marts.items()):
            real = con.execute(
                "select column_name, lower(data_type) from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [name],
            ).fetchall()
            declared = [(col, spec["data_type"].lower()) for col, spec in node["columns"].items()]
            if real != declared:
                problems.append(f"marts.{name}: built {real} != declared {declared}")
    finally:
        con.close()
    assert not problems, "\n".join(problems)


def _dbt_run(project: Path, db: Path, target: Path, select: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GREENLM_DUCKDB_PATH": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(
        [str(DBT), "run", "--profiles-dir", ".", "--target-path", str(target), "--select", select],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_type_change_in_a_contracted_mart_fails_the_build(platform: dict, tmp_path: Path) -> None:
    """marts.fct_size_class_comparison.n_slm is contracted as bigint (the report reads the table): the same model
    builds on a copy of the project, and fails naming the model and the column once its SQL casts n_slm to varchar."""
    project = tmp_path / "dbt_project"
    shutil.copytree(
        repo_root() / "dbt_project", project, ignore=shutil.ignore_patterns("target*", "logs", "dbt_packages")
    )
    db = tmp_path / "greenlm.duckdb"
    shutil.copyfile(platform["db"], db)
    model = "fct_size_class_comparison"

    kept = _dbt_run(project, db, tmp_path / "target_kept", model)
    assert kept.returncode == 0, kept.stdout[-3000:]

    sql = project / "models" / "marts" / "training" / f"{model}.sql"
    text = sql.read_text()
    assert text.rstrip().endswith("select * from final"), "the model's last select changed: update this test"
    sql.write_text(
        text.rstrip().removesuffix("select * from final")
        + "select * replace (n_slm::varchar as n_slm) from final\n"
    )
    changed = _dbt_run(project, db, tmp_path / "target_changed", model)
    assert changed.returncode != 0, changed.stdout[-3000:]
    out = changed.stdout
    assert "contract" in out.lower() and model in out, out[-3000:]
    # dbt's mismatch table: | column_name | definition_type | contract_type | mismatch_reason |
    assert re.search(r"\|\s*n_slm\s*\|\s*VARCHAR\s*\|\s*BIGINT\s*\|\s*data type mismatch", out), out[-3000:]
    # The failed build left the contracted table as it was.
    with duckdb.connect(str(db), read_only=True) as con:
        kind = con.execute(
            "select data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = ? and column_name = 'n_slm'",
            [model],
        ).fetchone()
    assert kind == ("BIGINT",)
