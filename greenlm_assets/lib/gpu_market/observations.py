"""The common shape of a GPU rental price observation, and the rules every source's rows pass through.

One observation = one quoted price of one GPU configuration at one provider at one time. Each source (shipped
snapshot reader or live client) returns records with :data:`OBSERVATION_FIELDS`; :func:`finalise` adds the
normalised ``gpu_key`` and the quarantine reason, so that the rules live in one place:

- a price <= 0 or > :data:`MAX_USD_PER_GPU_HOUR` is kept but quarantined, with the reason, never used in marts;
- a GPU name the normaliser does not know keeps ``gpu_key = NULL`` and is reported, never dropped.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from greenlm_assets.lib.gpu_market.names import normalise_gpu_name

MAX_USD_PER_GPU_HOUR = 200.0

OBSERVATION_FIELDS = (
    "observed_at",  # when the price was read (UTC)
    "price_source",  # collector: runpod, azure, aws, vast, lambda, ewyluda_gpu_price_index, tugot17_primeintellect, ...
    "provider",  # canonical provider slug (aws, azure, gcp, lambda, runpod, vast, nebius, ...)
    "provider_name",  # provider as the source spells it
    "segment",  # hyperscaler | neocloud | marketplace
    "pricing",  # on_demand | spot
    "price_stat",  # list (a price-list entry) | offer (one marketplace listing) | provider_avg | provider_min
    "gpu_name_raw",
    "gpu_count",
    "usd_per_hour",
    "usd_per_gpu_hour",
    "sample_size",
    "sku",
    "region",
)

_HYPERSCALERS = {"aws", "azure", "gcp", "oracle"}
_MARKETPLACES = {"vast", "primecompute", "tensordock", "dc_roan", "runpod_community"}

# Spellings of one provider across the sources -> one slug.
_PROVIDER_ALIASES = {
    "amazon web services": "aws",
    "microsoft azure": "azure",
    "google cloud": "gcp",
    "oracle cloud": "oracle",
    "lambdalabs": "lambda",
    "lambda labs": "lambda",
    "vast.ai": "vast",
    "runpod secure cloud": "runpod",
    "runpod community cloud": "runpod",
    "datacrunch": "datacrunch",
    "ovhcloud": "ovh",
}


def provider_slug(name: str) -> str:
    n = name.strip().lower()
    return _PROVIDER_ALIASES.get(n, re.sub(r"[^a-z0-9]+", "_", n).strip("_"))


def segment_for(provider: str, provider_name: str = "") -> str:
    """hyperscaler | neocloud | marketplace; RunPod's Community Cloud is a marketplace, its Secure Cloud is not."""
    if provider in _HYPERSCALERS:
        return "hyperscaler"
    if provider in _MARKETPLACES or "community" in provider_name.lower():
        return "marketplace"
    return "neocloud"


def quarantine_reason(usd_per_gpu_hour: Any) -> str | None:
    try:
        price = float(usd_per_gpu_hour)
    except (TypeError, ValueError):
        return f"usd_per_gpu_hour {usd_per_gpu_hour!r} is not a number"
    if price != price:  # NaN
        return "usd_per_gpu_hour is missing"
    if price <= 0:
        return f"usd_per_gpu_hour {price} <= 0 (not offered or bad data)"
    if price > MAX_USD_PER_GPU_HOUR:
        return f"usd_per_gpu_hour {price} > {MAX_USD_PER_GPU_HOUR:g} (implausible for one GPU-hour)"
    return None


def finalise(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Records -> frame with every observation column, ``gpu_key`` and ``quarantine_reason`` filled in."""
    df = pd.DataFrame.from_records(records, columns=[*OBSERVATION_FIELDS, "_row"])
    if df["_row"].isna().all():
        df["_row"] = range(1, len(df) + 1)
    # Naive UTC timestamps; an unparsable one becomes NULL and is then named by the raw contract's NOT NULL check.
    df["observed_at"] = pd.to_datetime(
        df["observed_at"], utc=True, errors="coerce", format="mixed"
    ).dt.tz_convert(None)
    df["gpu_name_raw"] = df["gpu_name_raw"].where(df["gpu_name_raw"].notna(), None)
    df["gpu_key"] = df["gpu_name_raw"].map(normalise_gpu_name)
    df["quarantine_reason"] = df["usd_per_gpu_hour"].map(quarantine_reason)
    return df


def unknown_names(df: pd.DataFrame) -> dict[str, int]:
    """GPU names the normaliser did not map, with their row counts (reported in asset metadata)."""
    unknown = df.loc[df["gpu_key"].isna(), "gpu_name_raw"].fillna("<empty>")
    return {str(k): int(v) for k, v in unknown.value_counts().sort_index().items()}
