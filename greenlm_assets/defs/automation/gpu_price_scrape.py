"""Schedule ``gpu_price_scrape``: scrape today's GPU rental prices once a day (live platforms only)."""

from datetime import UTC, datetime

import dagster as dg

from greenlm_assets.defs.ingest.gpu_prices import SCRAPE_KEY
from greenlm_assets.lib import settings

gpu_price_scrape_job = dg.define_asset_job(
    "gpu_price_scrape_job",
    selection=dg.AssetSelection.assets(SCRAPE_KEY),
    description="Scrape RunPod, Azure, AWS, Vast.ai and Lambda prices into today's partition.",
)


@dg.schedule(
    name="gpu_price_scrape",
    job=gpu_price_scrape_job,
    cron_schedule="15 6 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description=(
        "Live mode only (GREENLM_LIVE=1; offline the schedule and raw/gpu_price_scrape are not materializable): "
        "daily 06:15 UTC scrape of today's GPU rental prices into today's partition; the price models and charts "
        "then follow through the automation sensor."
    ),
)
def gpu_price_scrape(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    if not settings.live():
        return dg.SkipReason("GREENLM_LIVE is not 1: offline platforms do not scrape live prices")
    when = context.scheduled_execution_time or datetime.now(UTC)
    day = when.astimezone(UTC).date().isoformat()
    return dg.RunRequest(run_key=f"gpu_price_scrape:{day}", partition_key=day)
