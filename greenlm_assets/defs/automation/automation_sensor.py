"""The automation sensor, running by default: it evaluates every asset's ``AutomationCondition`` (the models,
charts and report follow their inputs; greenlm_assets/lib/automation.py) every 30 seconds while the daemon runs
(`make dev`). `make run` has no daemon and is not affected."""

import dagster as dg

default_automation_condition_sensor = dg.AutomationConditionSensorDefinition(
    "default_automation_condition_sensor",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Keeps the dbt models, charts and report in step with their raw inputs: after the daily "
        "leaderboard_refresh (or a live GPU price scrape, or a hand-run of any ingest asset) it requests the "
        "assets downstream of what changed. Offline and live alike; it never fetches anything itself."
    ),
)
