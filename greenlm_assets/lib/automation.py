"""Declarative automation shared by the dbt models, the charts and the report, and the freshness of live sources.

The models and everything published from them follow their inputs: once a raw input is re-materialized (the
daily ``leaderboard_refresh`` schedule, a live scrape, a hand-run of an ingest asset), the automation sensor
requests the models and charts downstream of it, nothing else. Nothing runs while an input is still missing or
in progress, and an asset updated by the same run as its inputs (``make run``, "Materialize all") is not requested
again.
"""

from datetime import timedelta

import dagster as dg

from greenlm_assets.lib.live import LIVE_ONLY_ASSETS, MEASURE_ONLY_ASSETS

AC = dg.AutomationCondition

FOLLOW_INPUTS_LABEL = "follows its inputs"


def follow_inputs() -> dg.AutomationCondition:
    """Dagster's ``eager()`` without its "materialize when missing" half, and with live-only inputs that were never
    scraped (offline) not counting as missing dependencies (the GPU price staging view reads the shipped snapshot
    too and must not wait for them).

    A fresh instance is not filled by the sensor behind the user's back (dbt seeds, having no inputs, would start
    at once): the first build is the user's "Materialize all" or ``make run``; from then on the assets follow.
    """
    live_only = dg.AssetSelection.assets(
        *LIVE_ONLY_ASSETS, *MEASURE_ONLY_ASSETS
    )  # and unmeasured campaign cells
    return (
        AC.in_latest_time_window()
        & AC.any_deps_updated().since_last_handled()
        & ~AC.any_deps_missing().ignore(live_only)
        & ~AC.any_deps_in_progress()
        & ~AC.in_progress()
    ).with_label(FOLLOW_INPUTS_LABEL)


# A live source whose latest fetch is older than this is shown as stale (warn) and then failing (fail) in the UI.
# Both are refreshed once a day (leaderboard_refresh 04:17 UTC, gpu_price_scrape 06:15 UTC).
DAILY_SOURCE_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=48), warn_window=timedelta(hours=26)
)
