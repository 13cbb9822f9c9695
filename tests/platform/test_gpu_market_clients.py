"""Live GPU price clients against recorded provider responses served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from greenlm_assets.lib.gpu_market.clients import PROVIDERS, GpuMarketResource, SnapshotClient
from greenlm_assets.lib.gpu_market.observations import finalise
from greenlm_assets.lib.gpu_market.parsers import ProviderParseError, parse_lambda
from tests.fixtures.recorded_http import GPU as FIXTURES
from tests.fixtures.recorded_http import Fault, RecordedServer


@pytest.fixture()
def server() -> Iterator[RecordedServer]:
    with RecordedServer() as s:
        yield s


def _fetch(server: RecordedServer, provider: str, **overrides: object) -> list[dict]:
    (client,) = server.gpu_market(providers=[provider], **overrides).clients()
    return client.fetch()


def test_runpod_graphql_gpu_types(server: RecordedServer) -> None:
    df = finalise(_fetch(server, "runpod"))
    assert len(df) == 2 * 48  # secure + community price per GPU type in the recording
    h100 = df[(df.gpu_name_raw == "NVIDIA H100 80GB HBM3") & (df.segment == "neocloud")].iloc[0]
    assert (h100.gpu_key, h100.usd_per_gpu_hour, h100.provider) == ("h100-sxm-80gb", 3.49, "runpod")
    l4 = df[df.gpu_key == "l4-24gb"].set_index("segment").usd_per_gpu_hour.to_dict()
    assert l4 == {"neocloud": 0.49, "marketplace": 0.44}
    # RunPod quotes 0 for a configuration it does not offer: kept, quarantined with a reason.
    zero = df[(df.gpu_name_raw == "NVIDIA A100-SXM4-40GB") & (df.segment == "neocloud")].iloc[0]
    assert "<= 0" in zero.quarantine_reason
    # MIG slices and the placeholder "unknown" type are kept with no gpu_key, not dropped.
    assert df.gpu_key.isna().sum() == 2 * 3
    assert server.user_agents("runpod")[0].startswith("GreenLM-gpu-market/")


def test_azure_retail_prices_follows_next_page_link(server: RecordedServer) -> None:
    rows = _fetch(server, "azure")
    assert [r.path for r in server.requests if r.route == "azure"][1].endswith("$skip=5")
    # page 1: H100 on-demand + spot (Windows and Low Priority meters skipped); page 2: H100 NVL, H200
    assert [(r["sku"], r["pricing"]) for r in rows] == [
        ("Standard_ND96isr_H100_v5", "on_demand"),
        ("Standard_ND96isr_H100_v5", "spot"),
        ("Standard_NC24ads_A100_v4", "on_demand"),
        ("Standard_NC40ads_H100_v5", "on_demand"),
        ("Standard_ND96isr_H200_v5", "on_demand"),
    ]
    df = finalise(rows)
    assert df.gpu_key.tolist() == [
        "h100-sxm-80gb",
        "h100-sxm-80gb",
        "a100-pcie-80gb",
        "h100-nvl-94gb",
        "h200-sxm-141gb",
    ]
    assert df.usd_per_gpu_hour.iloc[0] == pytest.approx(98.32 / 8)


def test_aws_pricing_json_per_location(server: RecordedServer) -> None:
    df = finalise(_fetch(server, "aws"))
    assert set(df.region) == {"US East (N. Virginia)", "US West (Oregon)"}
    assert "m7i.large" not in set(df.sku)  # not a GPU instance
    p5 = df[df.sku == "p5.48xlarge"].iloc[0]
    assert (p5.gpu_key, p5.gpu_count, p5.usd_per_gpu_hour) == ("h100-sxm-80gb", 8, pytest.approx(6.88))
    assert df.set_index("sku").gpu_key.to_dict()["g6e.xlarge"] == "l40s-48gb"


def test_vast_bundles_offers(server: RecordedServer) -> None:
    df = finalise(_fetch(server, "vast"))
    assert server.count("vast") == 2  # one search per configured GPU name
    assert df.gpu_key.tolist() == ["h100-sxm-80gb"] * 3
    assert df.usd_per_gpu_hour.tolist()[:2] == [pytest.approx(1.9), pytest.approx(1.87)]
    assert df.quarantine_reason.notna().tolist() == [False, False, True]  # the 0 USD offer


def test_lambda_pricing_html(server: RecordedServer) -> None:
    df = finalise(_fetch(server, "lambda"))
    got = df.set_index("sku")[["gpu_key", "gpu_count", "usd_per_gpu_hour"]].to_dict("index")
    assert got["gpu_8x_h100_sxm5"] == {"gpu_key": "h100-sxm-80gb", "gpu_count": 8, "usd_per_gpu_hour": 2.99}
    assert got["gpu_1x_h100_pcie"]["gpu_key"] == "h100-pcie-80gb"
    assert got["gpu_8x_b200_sxm6"]["gpu_key"] == "b200-180gb"
    assert got["gpu_1x_a10"]["usd_per_gpu_hour"] == 0.75


def test_retries_429_and_5xx_then_succeeds(server: RecordedServer) -> None:
    server.script["runpod"] = [Fault("status", 429), Fault("status", 503)]
    rows = _fetch(server, "runpod")
    assert len(rows) == 96
    assert server.count("runpod") == 3


def test_gives_up_after_max_attempts_and_does_not_retry_4xx(server: RecordedServer) -> None:
    server.script["lambda"] = [Fault("status", 500)] * 3
    with pytest.raises(httpx.HTTPStatusError, match="500"):
        _fetch(server, "lambda")
    assert server.count("lambda") == 3
    server.script["azure"] = [Fault("status", 404)]
    with pytest.raises(httpx.HTTPStatusError, match="404"):
        _fetch(server, "azure")
    assert server.count("azure") == 1


def test_partial_json_is_an_error_naming_the_provider(server: RecordedServer) -> None:
    full = (FIXTURES / "runpod_gpuTypes.json").read_text()
    server.script["runpod"] = [Fault("body", body=full[: len(full) // 2].encode())]
    with pytest.raises(ProviderParseError, match="runpod: .*not valid JSON"):
        _fetch(server, "runpod")
    server.script["aws"] = [Fault("body", body=b'{"manifest": {}}')]
    with pytest.raises(ProviderParseError, match=r"aws: .*\$\.regions"):
        _fetch(server, "aws")


def test_changed_lambda_layout_names_provider_and_selector(server: RecordedServer) -> None:
    html = (FIXTURES / "lambda_pricing.html").read_text()
    server.script["lambda"] = [Fault("body", body=html.replace("data-plan=", "data-sku=").encode())]
    with pytest.raises(ProviderParseError, match=r"lambda: .*tr\[data-plan\]"):
        _fetch(server, "lambda")
    with pytest.raises(ProviderParseError, match=r'lambda: .*td\[data-label="PRICE/GPU/HR\*"\]'):
        parse_lambda(html.replace('data-label="PRICE/GPU/HR*"', 'data-label="PRICE"'), observed_at=None)


def test_snapshot_clients_are_the_offline_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GREENLM_LIVE", raising=False)
    clients = GpuMarketResource().clients()
    assert [type(c) for c in clients] == [SnapshotClient] * len(PROVIDERS)
    rows = {c.provider: len(c.fetch()) for c in clients}
    assert rows == {
        "runpod": 23,
        "azure": 33,
        "aws": 51,
        "vast": 8,
        "lambda": 15,
    }  # rows per source in the CSV
    monkeypatch.setenv("GREENLM_LIVE", "1")
    assert GpuMarketResource().is_live()
    with pytest.raises(ValueError, match="unknown GPU price providers"):
        GpuMarketResource(providers=["nope"]).clients()
