"""Live mode: what needs the network, and how a user turns it on.

GreenLM runs offline by default (shipped snapshots). ``GREENLM_LIVE=1`` in the environment of ``make dev`` /
``dagster dev`` switches the leaderboard and GPU price clients to their live sources and makes the live-only assets
below materializable; offline they appear in the UI as external assets that say how to enable them.
"""

import dagster as dg

ENABLE_HINT = (
    "To enable it, start the UI with live mode on: `GREENLM_LIVE=1 make dev` (or set GREENLM_LIVE=1 in the "
    "environment of `dagster dev` and the daemon), then materialize today's partition or turn on its schedule."
)

# Assets that can only run with the network, and what the user reads on their page when offline.
LIVE_ONLY_ASSETS: dict[dg.AssetKey, str] = {
    dg.AssetKey(["raw", "gpu_price_scrape"]): (
        "Scrapes today's GPU rental prices from RunPod, Azure, AWS, Vast.ai and Lambda into "
        "raw.gpu_price_observations (origin 'scrape'); the offline price history is raw/gpu_price_observations "
        "(shipped snapshots). " + ENABLE_HINT
    ),
}
# Schedules and jobs that only target live-only assets (defs/automation/gpu_price_scrape.py).
LIVE_ONLY_SCHEDULES = frozenset({"gpu_price_scrape"})
LIVE_ONLY_JOBS = frozenset({"gpu_price_scrape_job"})

# Assets that measure (a campaign cell is a benchmark on a device): external unless campaigns are enabled
# (settings.campaigns_enabled: GREENLM_RAY_ADDRESS, GREENLM_LIVE=1 or GREENLM_CAMPAIGNS=1). Partitioned by
# campaign cell, they would otherwise turn "Materialize all" into a backfill of every cell.
CAMPAIGN_HINT = (
    "To enable it, start the UI with a Ray job server configured (`GREENLM_RAY_ADDRESS=http://HEAD_IP:8265 make dev`) "
    "or with `GREENLM_CAMPAIGNS=1` to measure cells in local subprocesses; see docs/fleet.md."
)
MEASURE_ONLY_ASSETS: dict[dg.AssetKey, str] = {
    dg.AssetKey(["measurements", "campaign_runs"]): (
        "Measures one campaign cell (jobs/campaigns/*.yaml) per partition and appends its rows for "
        "raw/benchmark_runs. " + CAMPAIGN_HINT
    ),
}
