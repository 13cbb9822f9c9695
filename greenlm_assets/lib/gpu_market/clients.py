"""GPU price clients: one interface, a Live (HTTP) and a Snapshot (shipped file) implementation per provider.

``PriceClient.fetch()`` returns observation records (see :mod:`observations`). Live clients use httpx with a
timeout and a User-Agent, retry 429/5xx and transport errors with exponential backoff (tenacity), follow paging,
and raise :class:`ProviderParseError` / ``httpx.HTTPError`` for that provider alone. Which implementation runs is
chosen by :class:`GpuMarketResource` (``live`` config or ``GREENLM_LIVE=1``); tests point ``base_urls`` at a
local server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import dagster as dg
import httpx
from pydantic import Field
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from greenlm_assets.lib import settings
from greenlm_assets.lib.gpu_market import parsers, snapshots
from greenlm_assets.lib.http_retry import wait_retry_after

PROVIDERS = ("runpod", "azure", "aws", "vast", "lambda")
DEFAULT_BASE_URLS = {
    "runpod": "https://api.runpod.io",
    "azure": "https://prices.azure.com",
    "aws": "https://b0.p.awsstatic.com",
    "vast": "https://console.vast.ai",
    "lambda": "https://lambda.ai",
}
USER_AGENT = "GreenLM-gpu-market/0.1 (+https://github.com/greenlm; open data research)"
AWS_LOCATIONS = ("US East (N. Virginia)", "US West (Oregon)")
VAST_GPU_NAMES = ("H100 SXM", "H100 PCIE", "H200", "A100 SXM4", "A100 PCIE", "L40S", "L4", "RTX 4090", "B200")
MAX_PAGES = 50  # Azure paging guard: a NextPageLink loop must not run forever


class PriceClient(Protocol):
    """A source of GPU rental price observations for one provider."""

    provider: str

    def fetch(self) -> list[dict[str, Any]]: ...


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError)


@dataclass
class HttpSettings:
    timeout_s: float = 20.0
    max_attempts: int = 4
    backoff_s: float = 1.0
    user_agent: str = USER_AGENT


@dataclass
class LiveClient:
    """Shared HTTP plumbing of the live clients."""

    provider: str
    base_url: str
    http: HttpSettings = field(default_factory=HttpSettings)
    now: Callable[[], datetime] = lambda: datetime.now(UTC).replace(tzinfo=None)

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            timeout=self.http.timeout_s,
            headers={"User-Agent": self.http.user_agent, "Accept": "application/json, text/html"},
            follow_redirects=True,
        )

    def _request(self, client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
        for attempt in Retrying(
            retry=retry_if_exception(_retryable),
            wait=wait_retry_after(
                wait_exponential(multiplier=self.http.backoff_s, max=30 * self.http.backoff_s)
            ),
            stop=stop_after_attempt(self.http.max_attempts),
            reraise=True,
        ):
            with attempt:
                response = client.request(method, url, **kw)
                response.raise_for_status()
        return response

    def fetch(self) -> list[dict[str, Any]]:
        with self._client() as client:
            return self._fetch(client, self.now())

    def _fetch(self, client: httpx.Client, observed_at: datetime) -> list[dict[str, Any]]:
        raise NotImplementedError


class RunPodLive(LiveClient):
    def _fetch(self, client: httpx.Client, observed_at: datetime) -> list[dict[str, Any]]:
        r = self._request(client, "POST", "/graphql", json={"query": parsers.RUNPOD_QUERY})
        return parsers.parse_runpod(parsers.load_json("runpod", r.text), observed_at)


class AzureLive(LiveClient):
    def _fetch(self, client: httpx.Client, observed_at: datetime) -> list[dict[str, Any]]:
        url: str | None = "/api/retail/prices"
        params: dict[str, str] | None = {"currencyCode": "USD", "$filter": parsers.azure_filter()}
        out: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            if url is None:
                return out
            r = self._request(client, "GET", url, params=params)
            rows, url = parsers.parse_azure_page(parsers.load_json("azure", r.text), observed_at)
            params = None  # NextPageLink already carries the query
            out.extend(rows)
        raise parsers.ProviderParseError("azure", "NextPageLink", f"more than {MAX_PAGES} pages")


@dataclass
class AwsLive(LiveClient):
    locations: tuple[str, ...] = AWS_LOCATIONS

    def _fetch(self, client: httpx.Client, observed_at: datetime) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for location in self.locations:
            path = (
                "/pricing/2.0/meteredUnitMaps/ec2/USD/current/ec2-ondemand-without-sec-sel/"
                f"{location}/Linux/index.json"
            )
            r = self._request(client, "GET", path)
            out.extend(parsers.parse_aws(parsers.load_json("aws", r.text), observed_at))
        return out


@dataclass
class VastLive(LiveClient):
    gpu_names: tuple[str, ...] = VAST_GPU_NAMES

    def _fetch(self, client: httpx.Client, observed_at: datetime) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for name in self.gpu_names:
            q = {"rentable": {"eq": True}, "type": "on-demand", "gpu_name": {"eq": name}, "limit": 500}
            r = self._request(client, "GET", "/api/v0/bundles/", params={"q": json.dumps(q)})
            out.extend(parsers.parse_vast(parsers.load_json("vast", r.text), observed_at))
        return out


class LambdaLive(LiveClient):
    def _fetch(self, client: httpx.Client, observed_at: datetime) -> list[dict[str, Any]]:
        r = self._request(client, "GET", "/pricing")
        return parsers.parse_lambda(r.text, observed_at)


LIVE_CLIENTS: dict[str, type[LiveClient]] = {
    "runpod": RunPodLive,
    "azure": AzureLive,
    "aws": AwsLive,
    "vast": VastLive,
    "lambda": LambdaLive,
}


@dataclass
class SnapshotClient:
    """The same provider read from the shipped snapshot: its rows of the ewyluda price index (2026-10-10)."""

    provider: str

    def fetch(self) -> list[dict[str, Any]]:
        return snapshots.read_ewyluda(source=self.provider)


class GpuMarketResource(dg.ConfigurableResource):
    """Chooses Live or Snapshot price clients. Live when ``live`` is true or ``GREENLM_LIVE=1``."""

    live: bool = Field(
        default=False, description="Use the live HTTP clients (also enabled by GREENLM_LIVE=1)."
    )
    providers: list[str] = Field(default=list(PROVIDERS), description="Providers to scrape.")
    base_urls: dict[str, str] = Field(
        default={}, description="Per-provider base URL overrides (tests, proxies)."
    )
    timeout_s: float = 20.0
    max_attempts: int = 4
    backoff_s: float = 1.0
    user_agent: str = USER_AGENT
    aws_locations: list[str] = Field(default=list(AWS_LOCATIONS))
    vast_gpu_names: list[str] = Field(default=list(VAST_GPU_NAMES))

    def is_live(self) -> bool:
        return self.live or settings.live()

    def clients(self) -> list[PriceClient]:
        unknown = sorted(set(self.providers) - set(PROVIDERS))
        if unknown:
            raise ValueError(f"unknown GPU price providers {unknown}; known: {list(PROVIDERS)}")
        if not self.is_live():
            return [SnapshotClient(p) for p in self.providers]
        http = HttpSettings(self.timeout_s, self.max_attempts, self.backoff_s, self.user_agent)
        out: list[PriceClient] = []
        for p in self.providers:
            base = self.base_urls.get(p, DEFAULT_BASE_URLS[p])
            if p == "aws":
                out.append(AwsLive(p, base, http, locations=tuple(self.aws_locations)))
            elif p == "vast":
                out.append(VastLive(p, base, http, gpu_names=tuple(self.vast_gpu_names)))
            else:
                out.append(LIVE_CLIENTS[p](p, base, http))
        return out
