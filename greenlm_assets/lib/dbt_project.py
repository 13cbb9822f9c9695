"""The dbt project handle, kept apart from the assets so `dagster-dbt project prepare-and-package` can import it
before a manifest exists."""

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from greenlm_assets.lib import settings
from greenlm_assets.lib.paths import DBT_PROJECT_DIR

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    # Separate target folders let several checkouts/sessions parse the project at once without clobbering.
    target_path=settings.DBT_TARGET_PATH.value() or "target",
)


_BESIDE_PYTHON = Path(sys.executable).parent / "dbt"


def dbt_executable() -> str:
    """The dbt on PATH, else the one installed beside this interpreter (``.venv/bin/dagster dev`` without an
    activated venv)."""
    return shutil.which("dbt") or str(_BESIDE_PYTHON)


if shutil.which("dbt") is None and _BESIDE_PYTHON.exists():
    # dagster-dbt's dev-time preparation runs a plain `dbt` from PATH (it takes no executable): put ours there.
    settings.prepend_to_path(_BESIDE_PYTHON.parent)
# Under `dagster dev` this re-parses the project on load; elsewhere `make prepare` has built the manifest.
dbt_project.prepare_if_dev()
