"""Settings are read in one place: ``greenlm_assets/lib/settings.py`` lists every environment variable the code
location reads (name, default, meaning); the harness ``jobs/`` lists its own in jobs/README.md."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import pytest

from greenlm_assets.defs.resources import build_resources
from greenlm_assets.lib import paths, settings
from tests.conftest import repo_root

PACKAGE = repo_root() / "greenlm_assets"
SETTINGS_FILE = PACKAGE / "lib" / "settings.py"
# Any way of reaching the process environment: os.environ / os.getenv / os.putenv / `from os import environ`.
ENV_ACCESS = re.compile(
    r"\bos\s*\.\s*(environ|getenv|putenv|unsetenv)\b|\bfrom\s+os\s+import\b[^\n]*\b(environ|getenv)\b"
)
VARIABLE = re.compile(r"\bGREENLM_[A-Z0-9_]+\b")


def _sources(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_environment_access_outside_settings() -> None:
    found = [
        f"{path.relative_to(repo_root())}:{n}: {line.strip()}"
        for path in _sources(PACKAGE)
        if path != SETTINGS_FILE
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if ENV_ACCESS.search(line)
    ]
    assert not found, "read the environment through greenlm_assets/lib/settings.py:\n" + "\n".join(found)


def test_settings_lists_every_variable_the_package_names() -> None:
    listed = {s.name for s in settings.SETTINGS}
    named = {v for path in _sources(PACKAGE) for v in VARIABLE.findall(path.read_text())}
    named |= set(VARIABLE.findall((repo_root() / "dbt_project" / "profiles.yml").read_text()))
    assert named <= listed, f"not in settings.SETTINGS: {sorted(named - listed)}"
    table = settings.__doc__ or ""
    for setting in settings.SETTINGS:  # the docstring table documents each one
        assert re.search(rf"^{setting.name}\s", table, re.M), setting.name
        assert setting.meaning


def test_jobs_readme_lists_the_harness_variables() -> None:
    readme = (repo_root() / "jobs" / "README.md").read_text()
    named = {v for path in _sources(repo_root() / "jobs") for v in VARIABLE.findall(path.read_text())}
    missing = sorted(v for v in named if f"`{v}`" not in readme)
    assert not missing, f"jobs/README.md's settings table lacks {missing}"


def test_settings_are_read_at_call_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GREENLM_DUCKDB_PATH", raising=False)
    assert paths.duckdb_path() == (settings.REPO_ROOT / "data" / "greenlm.duckdb").resolve()
    assert build_resources()["duckdb"].database == str(paths.duckdb_path())
    monkeypatch.setenv("GREENLM_DUCKDB_PATH", str(tmp_path / "x" / "g.duckdb"))
    assert paths.duckdb_path() == tmp_path / "x" / "g.duckdb"
    # What Dagster reads is passed as an EnvVar: resolved when a run starts, shown as the variable in the UI.
    database = build_resources()["duckdb"].database
    assert isinstance(database, dg.EnvVar) and database.env_var_name == "GREENLM_DUCKDB_PATH"
    assert (tmp_path / "x").is_dir()
    monkeypatch.setenv("GREENLM_LIVE", " 1 ")
    assert settings.live()
    monkeypatch.setenv("GREENLM_LIVE", "0")
    assert not settings.live()
    monkeypatch.setenv("GREENLM_SNAPSHOTS_DIR", "rel/snaps")
    assert (
        paths.snapshot_dir() == (Path.cwd() / "rel" / "snaps").resolve()
    )  # relative to the working directory
