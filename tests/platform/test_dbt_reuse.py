"""The versions dbt's reuse rests on: raw data versions hash whole rows; code versions follow the project's files.

Whole-pipeline behaviour (unchanged re-run reuses everything, a swapped or edited value rebuilds what reads it) is
in tests/platform/test_stale_marts.py and tests/platform/test_incremental.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from greenlm_assets.defs.transform.dbt import greenlm_dbt_models, node_code_version, shared_project_sha
from greenlm_assets.lib.paths import DBT_PROJECT_DIR
from greenlm_assets.lib.raw_load import RawLoadError, content_version


def test_content_version_hashes_whole_rows(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "v.duckdb")) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.t (model VARCHAR, co2_t DOUBLE, n INT, _ingested_at TIMESTAMP)")
        con.execute("INSERT INTO raw.t VALUES ('a', 31.22, 1, '2026-01-01'), ('b', 291.42, 2, '2026-01-01')")
        base = content_version(con, "t")
        assert content_version(con, "t") == base
        # A reload of the same rows (new load time, other physical order) is the same version.
        con.execute(
            "CREATE TABLE raw.u AS SELECT * REPLACE (TIMESTAMP '2026-02-01' AS _ingested_at) FROM raw.t"
        )
        con.execute("DELETE FROM raw.t")
        con.execute("INSERT INTO raw.t SELECT * FROM raw.u ORDER BY model DESC")
        assert content_version(con, "t") == base
        # Swapping one column's values between two rows keeps every column's multiset of values: still a change.
        con.execute("UPDATE raw.t SET co2_t = CASE model WHEN 'a' THEN 291.42 ELSE 31.22 END")
        swapped = content_version(con, "t")
        assert swapped != base
        con.execute("UPDATE raw.t SET co2_t = CASE model WHEN 'a' THEN 31.22 ELSE 291.42 END")
        assert content_version(con, "t") == base
        # A duplicated row counts (an xor of row hashes alone would cancel a pair), as does a changed cell.
        con.execute("INSERT INTO raw.t SELECT * FROM raw.u")
        con.execute("INSERT INTO raw.t SELECT * FROM raw.u")
        doubled = content_version(con, "t")
        assert doubled != base
        con.execute("UPDATE raw.t SET n = n + 1 WHERE model = 'a'")
        assert len({base, swapped, doubled, content_version(con, "t")}) == 4
        # A slice is versioned on its own; a missing table is an error, not an empty version.
        assert content_version(con, "t", "model = ?", ["b"]) != content_version(con, "t", "model = ?", ["a"])
        with pytest.raises(RawLoadError, match="raw.nope does not exist"):
            content_version(con, "nope")


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return copy


def test_code_versions_follow_the_files(project_copy: Path) -> None:
    fct = {"original_file_path": "models/marts/training/fct_training_footprint.sql"}
    seed = {"original_file_path": "seeds/reference/precision_bytes.csv"}

    def versions() -> tuple[str, str]:
        shared = shared_project_sha(project_copy)
        return node_code_version(fct, shared, project_copy), node_code_version(seed, shared, project_copy)

    base = versions()
    assert versions() == base
    # A model's own SQL changes its version only; a seed's CSV changes the seed's.
    (project_copy / fct["original_file_path"]).write_text(
        (project_copy / fct["original_file_path"]).read_text() + "\n-- edited\n"
    )
    edited = versions()
    assert edited[0] != base[0] and edited[1] == base[1]
    with (project_copy / seed["original_file_path"]).open("a") as fh:
        fh.write("\n")
    assert versions()[1] != edited[1]
    # A macro, a generic test, a YAML properties file or the project file changes every version.
    for shared_file in [
        "macros/catalog.sql",
        "tests/generic",
        "models/marts/training/_training__models.yml",
        "dbt_project.yml",
    ]:
        before = versions()
        path = project_copy / shared_file
        if path.is_dir():
            path = next(p for p in sorted(path.iterdir()) if p.is_file())
        path.write_text(path.read_text() + "\n")
        after = versions()
        assert after[0] != before[0] and after[1] != before[1], shared_file


def test_every_dbt_asset_carries_the_code_version_of_its_file() -> None:
    versions = greenlm_dbt_models.code_versions_by_key
    assert len(versions) > 50 and all(versions.values())
    assert len(set(versions.values())) == len(versions)  # one per model/seed, not one for the project
