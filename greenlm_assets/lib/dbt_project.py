"""The dbt project handle, kept apart from the assets so `dagster-dbt project prepare-and-package` can import it
before a manifest exists."""

import os

from dagster_dbt import DbtProject

from greenlm_assets.lib.paths import DBT_PROJECT_DIR

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    # Separate target folders let several checkouts/sessions parse the project at once without clobbering.
    target_path=os.environ.get("GREENLM_DBT_TARGET_PATH", "target"),
)
# Under `dagster dev` this re-parses the project on load; elsewhere `make prepare` has built the manifest.
dbt_project.prepare_if_dev()
