"""Readers of the shipped GPU price snapshots (``data/snapshots/gpu_prices/``, see its SOURCE.txt).

Rental prices become observation records (:mod:`observations`); purchase prices become one row per listed price.
Unreadable input raises :class:`RawLoadError` naming the file, the line/record and the field.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from greenlm_assets.lib.gpu_market.names import normalise_gpu_name
from greenlm_assets.lib.gpu_market.observations import provider_slug, segment_for
from greenlm_assets.lib.paths import snapshot_dir
from greenlm_assets.lib.raw_load import ROW_COLUMN, RawLoadError, read_csv_strict

GPU_PRICES_DIR = "gpu_prices"
EWYLUDA_FILE = "ewyluda_gpu_price_index_excerpt/observations_2026-10-10_excerpt.csv"
RUNPOD_FIXTURE_FILE = "ewyluda_gpu_price_index_excerpt/runpod_graphql_gpuTypes_fixture.csv"
TUGOT17_DIR = "tugot17_primeintellect_summary"
FSDL_FILE = "fsdl_cloud_gpus/cloud-gpus.csv"
FSDL_OBSERVED_AT = datetime(2023, 10, 30)  # the page says "Updated October 30, 2023"
PURCHASE_DIR = "united_compute_amazon_purchase_prices"


def gpu_prices_path(relative: str) -> Path:
    return snapshot_dir() / GPU_PRICES_DIR / relative


def _float(value: Any, where: str, field: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise RawLoadError(f"{where}: field '{field}' = {value!r} is not a number") from exc


def read_ewyluda(path: Path | None = None, source: str | None = None) -> list[dict[str, Any]]:
    """ewyluda/gpu-price-index daily observations (already one row per SKU, region and pricing)."""
    path = path or gpu_prices_path(EWYLUDA_FILE)
    cols = ["collected_at", "source", "provider", "segment", "pricing", "gpu_model", "sku", "region"]
    df = read_csv_strict(
        path, required=[*cols, "gpu_count", "usd_per_hour", "usd_per_gpu_hour", "sample_size"]
    )
    if source is not None:
        df = df[df["source"] == source]
    records = []
    for row in df.to_dict("records"):
        where = f"{path}: row {row[ROW_COLUMN]}"
        provider = provider_slug(row["source"] or row["provider"] or "")
        records.append(
            {
                "observed_at": row["collected_at"],
                "price_source": "ewyluda_gpu_price_index",
                "provider": provider,
                "provider_name": row["provider"],
                "segment": row["segment"],
                "pricing": row["pricing"],
                "price_stat": "list",
                "gpu_name_raw": row["gpu_model"],
                "gpu_count": row["gpu_count"],
                "usd_per_hour": _float(row["usd_per_hour"], where, "usd_per_hour"),
                "usd_per_gpu_hour": _float(row["usd_per_gpu_hour"], where, "usd_per_gpu_hour"),
                "sample_size": row["sample_size"],
                "sku": row["sku"],
                "region": row["region"],
                ROW_COLUMN: row[ROW_COLUMN],
            }
        )
    return records


def read_tugot17(folder: Path | None = None) -> list[dict[str, Any]]:
    """Prime Intellect marketplace stats (half-hourly): one observation per snapshot x provider (its average)."""
    folder = folder or gpu_prices_path(TUGOT17_DIR)
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise RawLoadError(f"{folder}: no *.jsonl files")
    records: list[dict[str, Any]] = []
    for path in files:
        with path.open() as fh:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                where = f"{path}: line {line_no}"
                try:
                    snap = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise RawLoadError(
                        f"{where}: not valid JSON (truncated or partial record?): {exc}"
                    ) from exc
                for field in ("timestamp", "gpu_type", "by_provider"):
                    if field not in snap:
                        raise RawLoadError(f"{where}: missing field '{field}'")
                gpu = f"{snap['gpu_type']} {snap.get('socket_type') or ''}".strip()
                for name, stats in (snap["by_provider"] or {}).items():
                    if not isinstance(stats, dict) or "avg" not in stats:
                        raise RawLoadError(f"{where}: field 'by_provider.{name}.avg' missing")
                    provider = provider_slug(name)
                    records.append(
                        {
                            "observed_at": snap["timestamp"],
                            "price_source": "tugot17_primeintellect",
                            "provider": provider,
                            "provider_name": name,
                            "segment": segment_for(provider, name),
                            "pricing": "on_demand",
                            "price_stat": "provider_avg",
                            "gpu_name_raw": gpu,
                            "gpu_count": None,  # averaged over 1x..Nx configurations
                            "usd_per_hour": None,
                            "usd_per_gpu_hour": _float(stats["avg"], where, f"by_provider.{name}.avg"),
                            "sample_size": stats.get("count"),
                            "sku": None,
                            "region": None,
                            ROW_COLUMN: f"{path.name}:{line_no}",
                        }
                    )
    return records


def read_fsdl(path: Path | None = None) -> list[dict[str, Any]]:
    """Full Stack Deep Learning cloud GPU table (2023): on-demand and, where listed, spot per instance."""
    path = path or gpu_prices_path(FSDL_FILE)
    df = read_csv_strict(path, required=["Cloud", "GPU Type", "GPUs", "On-demand", "Per-GPU", "Spot", "Name"])
    records = []
    for row in df.to_dict("records"):
        where = f"{path}: row {row[ROW_COLUMN]}"
        provider = provider_slug(row["Cloud"])
        gpus = _float(row["GPUs"], where, "GPUs")
        on_demand = _float(row["On-demand"], where, "On-demand")
        spot = _float(row["Spot"], where, "Spot")
        base = {
            "observed_at": FSDL_OBSERVED_AT,
            "price_source": "fsdl_cloud_gpus",
            "provider": provider,
            "provider_name": row["Cloud"],
            "segment": segment_for(provider, row["Cloud"]),
            "price_stat": "list",
            "gpu_name_raw": row["GPU Type"],
            "gpu_count": gpus,
            "sample_size": 1,
            "sku": row["Name"],
            "region": None,
            ROW_COLUMN: row[ROW_COLUMN],
        }
        per_gpu = _float(row["Per-GPU"], where, "Per-GPU")
        records.append(
            {**base, "pricing": "on_demand", "usd_per_hour": on_demand, "usd_per_gpu_hour": per_gpu}
        )
        if spot is not None:
            per_gpu_spot = spot / gpus if gpus else None
            records.append(
                {**base, "pricing": "spot", "usd_per_hour": spot, "usd_per_gpu_hour": per_gpu_spot}
            )
    return records


def read_runpod_fixture(path: Path | None = None) -> dict[str, Any]:
    """The shipped RunPod ``gpuTypes`` fixture (CSV transcription) back in its GraphQL response shape."""
    path = path or gpu_prices_path(RUNPOD_FIXTURE_FILE)
    df = read_csv_strict(path, required=["id", "displayName", "memoryInGb", "securePrice", "communityPrice"])
    gpu_types = [
        {
            "id": r["id"],
            "displayName": r["displayName"],
            "memoryInGb": int(float(r["memoryInGb"])),
            "securePrice": float(r["securePrice"]),
            "communityPrice": float(r["communityPrice"]),
        }
        for r in df.to_dict("records")
    ]
    return {"data": {"gpuTypes": gpu_types}}


def read_purchase_prices(folder: Path | None = None) -> pd.DataFrame:
    """Amazon street-price histories (Keepa), one row per GPU card x timestamp."""
    folder = folder or gpu_prices_path(PURCHASE_DIR)
    files = sorted(folder.glob("*.json"))
    if not files:
        raise RawLoadError(f"{folder}: no *.json price histories")
    rows: list[dict[str, Any]] = []
    for path in files:
        try:
            doc = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise RawLoadError(f"{path}: not valid JSON (truncated or partial file?): {exc}") from exc
        if not isinstance(doc, dict) or "gpu_name" not in doc or not isinstance(doc.get("prices"), dict):
            raise RawLoadError(f"{path}: expected {{'gpu_name': str, 'prices': {{timestamp: usd}}}}")
        for ts, usd in doc["prices"].items():
            price = _float(usd, f"{path}: price at {ts}", "prices")
            if price is None or price <= 0:
                raise RawLoadError(
                    f"{path}: price at {ts}: field 'prices' = {usd!r} is not a positive USD price"
                )
            rows.append(
                {
                    "gpu_name_raw": doc["gpu_name"],
                    "gpu_key": normalise_gpu_name(doc["gpu_name"]),
                    "observed_at": ts,
                    "price_usd": price,
                    "price_kind": "street",
                    "retailer": "amazon",
                    "source_file": path.name,
                    ROW_COLUMN: f"{path.name}:{ts}",
                }
            )
    return pd.DataFrame(rows)
