"""Parsers of the five providers' price responses into observation records.

Each parser takes the provider's response exactly as served (JSON document or HTML text) and raises
:class:`ProviderParseError` naming the provider and the field/selector when the format is not the expected one,
so a changed page fails that provider alone. Instance/SKU -> GPU tables are explicit: a SKU not in them is skipped
and counted, never guessed.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from greenlm_assets.lib.gpu_market.observations import segment_for


class ProviderParseError(ValueError):
    """A provider response that does not have the documented shape; names provider and field or selector."""

    def __init__(self, provider: str, where: str, detail: str = "") -> None:
        self.provider = provider
        self.where = where
        super().__init__(f"{provider}: unexpected response at {where}" + (f": {detail}" if detail else ""))


def load_json(provider: str, text: str) -> Any:
    """Decode a JSON body; a truncated/partial body is an error naming the provider, never an empty result."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProviderParseError(provider, "body", f"not valid JSON (partial response?): {exc}") from exc


def _need(provider: str, obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise ProviderParseError(provider, f"{where}.{key}", "missing")
    return obj[key]


def _obs(observed_at: datetime, source: str, **kw: Any) -> dict[str, Any]:
    provider = kw.pop("provider", source)
    name = kw.pop("provider_name", provider)
    return {
        "observed_at": observed_at,
        "price_source": source,
        "provider": provider,
        "provider_name": name,
        "segment": kw.pop("segment", None) or segment_for(provider, name),
        "price_stat": "list",
        "sample_size": 1,
        "sku": None,
        "region": None,
        "usd_per_hour": None,
        **kw,
    }


# --- RunPod: POST https://api.runpod.io/graphql  query { gpuTypes { id displayName memoryInGb securePrice communityPrice } }
RUNPOD_QUERY = "query GpuTypes { gpuTypes { id displayName memoryInGb securePrice communityPrice } }"


def parse_runpod(doc: Any, observed_at: datetime) -> list[dict[str, Any]]:
    if isinstance(doc, dict) and doc.get("errors"):
        raise ProviderParseError("runpod", "errors", str(doc["errors"])[:200])
    gpu_types = _need("runpod", _need("runpod", doc, "data", "$"), "gpuTypes", "$.data")
    if not isinstance(gpu_types, list):
        raise ProviderParseError("runpod", "$.data.gpuTypes", "not a list")
    out = []
    for i, g in enumerate(gpu_types):
        for field in ("id", "securePrice", "communityPrice"):
            _need("runpod", g, field, f"$.data.gpuTypes[{i}]")
        for field, name, segment in (
            ("securePrice", "RunPod Secure Cloud", "neocloud"),
            ("communityPrice", "RunPod Community Cloud", "marketplace"),
        ):
            price = g[field]
            out.append(
                _obs(
                    observed_at,
                    "runpod",
                    provider_name=name,
                    segment=segment,
                    pricing="on_demand",
                    gpu_name_raw=g["id"],  # the id is the full device name ("NVIDIA H100 80GB HBM3")
                    gpu_count=1,
                    usd_per_hour=price,
                    usd_per_gpu_hour=price,
                    sku=g.get("displayName"),
                )
            )
    return out


# --- Azure Retail Prices API: GET https://prices.azure.com/api/retail/prices?$filter=... (paged by NextPageLink)
AZURE_GPU_SKUS: dict[str, tuple[str, int]] = {
    "Standard_ND96isr_H100_v5": ("H100 SXM 80GB", 8),
    "Standard_ND96isr_H200_v5": ("H200 SXM 141GB", 8),
    "Standard_NC40ads_H100_v5": ("H100 NVL", 1),
    "Standard_NC80adis_H100_v5": ("H100 NVL", 2),
    "Standard_ND96asr_v4": ("A100 SXM 40GB", 8),
    "Standard_ND96amsr_A100_v4": ("A100 SXM 80GB", 8),
    "Standard_NC24ads_A100_v4": ("A100 PCIe 80GB", 1),
    "Standard_NC48ads_A100_v4": ("A100 PCIe 80GB", 2),
    "Standard_NC96ads_A100_v4": ("A100 PCIe 80GB", 4),
    "Standard_ND96isr_MI300X_v5": ("MI300X", 8),
    "Standard_NC4as_T4_v3": ("T4", 1),
    "Standard_NC8as_T4_v3": ("T4", 1),
    "Standard_NC16as_T4_v3": ("T4", 1),
    "Standard_NC64as_T4_v3": ("T4", 4),
    "Standard_NC6s_v3": ("V100 PCIe 16GB", 1),
    "Standard_NC12s_v3": ("V100 PCIe 16GB", 2),
    "Standard_NC24s_v3": ("V100 PCIe 16GB", 4),
}


def azure_filter(skus: list[str] | None = None) -> str:
    skus = skus or list(AZURE_GPU_SKUS)
    names = " or ".join(f"armSkuName eq '{s}'" for s in skus)
    return f"serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and ({names})"


def parse_azure_page(doc: Any, observed_at: datetime) -> tuple[list[dict[str, Any]], str | None]:
    """One page -> (observations, NextPageLink). Windows and Low Priority meters are not GPU rental list prices."""
    items = _need("azure", doc, "Items", "$")
    if not isinstance(items, list):
        raise ProviderParseError("azure", "$.Items", "not a list")
    out = []
    for i, it in enumerate(items):
        for field in ("armSkuName", "retailPrice", "armRegionName", "skuName", "productName"):
            _need("azure", it, field, f"$.Items[{i}]")
        if it.get("type", "Consumption") != "Consumption" or "Windows" in it["productName"]:
            continue
        if "Low Priority" in it["skuName"] or it["armSkuName"] not in AZURE_GPU_SKUS:
            continue
        gpu, count = AZURE_GPU_SKUS[it["armSkuName"]]
        price = float(it["retailPrice"])
        out.append(
            _obs(
                observed_at,
                "azure",
                provider_name="Microsoft Azure",
                pricing="spot" if it["skuName"].endswith("Spot") else "on_demand",
                gpu_name_raw=gpu,
                gpu_count=count,
                usd_per_hour=price,
                usd_per_gpu_hour=price / count,
                sku=it["armSkuName"],
                region=it["armRegionName"],
            )
        )
    next_link = doc.get("NextPageLink")
    return out, (next_link or None)


# --- AWS: GET .../ec2-ondemand-without-sec-sel/{Location}/Linux/index.json -> regions[loc][offer]{Instance Type, price}
AWS_GPU_INSTANCES: dict[str, tuple[str, int]] = {
    "p6-b300.48xlarge": ("B300", 8),
    "p6-b200.48xlarge": ("B200", 8),
    "p5en.48xlarge": ("H200", 8),
    "p5e.48xlarge": ("H200", 8),
    "p5.48xlarge": ("H100 SXM 80GB", 8),
    "p5.4xlarge": ("H100 SXM 80GB", 1),
    "p4de.24xlarge": ("A100 SXM 80GB", 8),
    "p4d.24xlarge": ("A100 SXM 40GB", 8),
    "p3.2xlarge": ("V100 SXM 16GB", 1),
    "p3.8xlarge": ("V100 SXM 16GB", 4),
    "p3.16xlarge": ("V100 SXM 16GB", 8),
    **{f"g6e.{s}": ("L40S", 1) for s in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")},
    "g6e.12xlarge": ("L40S", 4),
    "g6e.24xlarge": ("L40S", 4),
    "g6e.48xlarge": ("L40S", 8),
    **{f"g6.{s}": ("L4", 1) for s in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")},
    "g6.12xlarge": ("L4", 4),
    "g6.24xlarge": ("L4", 4),
    "g6.48xlarge": ("L4", 8),
    **{f"g5.{s}": ("A10G", 1) for s in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")},
    "g5.12xlarge": ("A10G", 4),
    "g5.24xlarge": ("A10G", 4),
    "g5.48xlarge": ("A10G", 8),
    **{f"g4dn.{s}": ("T4", 1) for s in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")},
    "g4dn.12xlarge": ("T4", 4),
    "g4dn.metal": ("T4", 8),
}


def parse_aws(doc: Any, observed_at: datetime) -> list[dict[str, Any]]:
    regions = _need("aws", doc, "regions", "$")
    if not isinstance(regions, dict):
        raise ProviderParseError("aws", "$.regions", "not an object")
    out = []
    for location, offers in regions.items():
        if not isinstance(offers, dict):
            raise ProviderParseError("aws", f"$.regions[{location!r}]", "not an object")
        for key, offer in offers.items():
            where = f"$.regions[{location!r}][{key!r}]"
            instance = _need("aws", offer, "Instance Type", where)
            if instance not in AWS_GPU_INSTANCES:
                continue  # not a GPU instance we price
            raw_price = _need("aws", offer, "price", where)
            try:
                price = float(raw_price)
            except (TypeError, ValueError) as exc:
                raise ProviderParseError("aws", f"{where}.price", f"{raw_price!r} is not a number") from exc
            gpu, count = AWS_GPU_INSTANCES[instance]
            out.append(
                _obs(
                    observed_at,
                    "aws",
                    provider_name="AWS",
                    pricing="on_demand",
                    gpu_name_raw=gpu,
                    gpu_count=count,
                    usd_per_hour=price,
                    usd_per_gpu_hour=price / count,
                    sku=instance,
                    region=location,
                )
            )
    return out


# --- Vast.ai: GET https://console.vast.ai/api/v0/bundles/?q={...} -> offers[].{gpu_name,num_gpus,gpu_ram,dph_total}
def parse_vast(doc: Any, observed_at: datetime) -> list[dict[str, Any]]:
    offers = _need("vast", doc, "offers", "$")
    if not isinstance(offers, list):
        raise ProviderParseError("vast", "$.offers", "not a list")
    out = []
    for i, o in enumerate(offers):
        for field in ("gpu_name", "num_gpus", "gpu_ram", "dph_total"):
            _need("vast", o, field, f"$.offers[{i}]")
        n = int(o["num_gpus"])
        ram_gb = round(float(o["gpu_ram"]) / 1024)  # MB per GPU
        out.append(
            _obs(
                observed_at,
                "vast",
                provider_name="Vast.ai",
                pricing="on_demand",
                price_stat="offer",
                gpu_name_raw=f"{o['gpu_name']} {ram_gb}GB",
                gpu_count=n,
                usd_per_hour=float(o["dph_total"]),
                usd_per_gpu_hour=float(o["dph_total"]) / n if n else None,
                sku=str(o.get("id", "")) or None,
                region=o.get("geolocation"),
            )
        )
    return out


# --- Lambda: https://lambda.ai/pricing  tr[data-plan] rows with td[data-label="VRAM/GPU"], td[data-label="PRICE/GPU/HR*"]
LAMBDA_ROW = "tr[data-plan]"
LAMBDA_PRICE = 'td[data-label="PRICE/GPU/HR*"]'
LAMBDA_VRAM = 'td[data-label="VRAM/GPU"]'
LAMBDA_TAB_COUNTS = (8, 4, 2, 1)  # the page's tabs, in order, when a row does not say "8x"
_PRICE = re.compile(r"\$\s*([0-9]+(?:\.[0-9]+)?)")


def parse_lambda(html: str, observed_at: datetime) -> list[dict[str, Any]]:
    if "</html>" not in html[-4096:].lower():
        # A body cut off before the end (connection closed early, no Content-Length) would parse into fewer rows.
        raise ProviderParseError("lambda", "</html>", "page is truncated (no closing </html>)")
    tree = LexborHTMLParser(html)
    tables = [t for t in tree.css("table") if t.css_first(LAMBDA_ROW)]
    if not tables:
        raise ProviderParseError("lambda", LAMBDA_ROW, "no pricing rows (page layout changed?)")
    out = []
    for t_index, table in enumerate(tables):
        for row in table.css(LAMBDA_ROW):
            plan = row.attributes.get("data-plan") or ""
            price_td, vram_td = row.css_first(LAMBDA_PRICE), row.css_first(LAMBDA_VRAM)
            if price_td is None:
                raise ProviderParseError(
                    "lambda", f"{LAMBDA_ROW}[data-plan={plan!r}] {LAMBDA_PRICE}", "missing"
                )
            if vram_td is None:
                raise ProviderParseError(
                    "lambda", f"{LAMBDA_ROW}[data-plan={plan!r}] {LAMBDA_VRAM}", "missing"
                )
            m = _PRICE.search(price_td.text())
            if not m:
                raise ProviderParseError(
                    "lambda", f"{LAMBDA_PRICE} of {plan!r}", f"no $ price in {price_td.text()!r}"
                )
            first = row.css_first("td")
            gpu_text = first.text(strip=True) if first is not None else plan
            count_m = re.match(r"\s*(\d+)\s*x\s*", gpu_text)
            count = int(count_m.group(1)) if count_m else LAMBDA_TAB_COUNTS[min(t_index, 3)]
            gpu = re.sub(r"^\s*\d+\s*x\s*", "", gpu_text)
            per_gpu = float(m.group(1))
            out.append(
                _obs(
                    observed_at,
                    "lambda",
                    provider_name="Lambda",
                    pricing="on_demand",
                    gpu_name_raw=f"{gpu} {vram_td.text(strip=True)}",
                    gpu_count=count,
                    usd_per_hour=per_gpu * count,
                    usd_per_gpu_hour=per_gpu,
                    sku=plan or None,
                )
            )
    return out
