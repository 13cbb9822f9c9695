"""Network faults for every live client, served by a real HTTP server on 127.0.0.1 (no patching).

Each client runs inside its real asset (``raw/open_llm_leaderboard_v2`` for the Hugging Face client,
``raw/gpu_price_scrape`` for RunPod, Azure, AWS, Vast.ai and Lambda) against a DB that already holds a good fetch.
The fault hits the client's LAST request (Azure's second page, AWS's second region, Vast's second search), so a
client that loaded what it had so far would show up as a partial load. Retries are bounded (3 attempts, tiny
backoff, 0.5 s timeout); transient faults end in the same rows as the good fetch, persistent ones fail the asset
naming the source, with the previous rows byte-for-byte unchanged.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from greenlm_assets.defs.ingest.gpu_prices import gpu_price_scrape
from greenlm_assets.defs.ingest.open_llm_leaderboard import open_llm_leaderboard_v2
from greenlm_assets.defs.resources import GreenLMDuckDBResource
from greenlm_assets.lib.catalog.leaderboard import LiveLeaderboardClient
from greenlm_assets.lib.gpu_market.clients import GpuMarketResource
from greenlm_assets.lib.raw_load import quote_ident
from tests.faults.helpers import duplicate_rows, failure_message, table_state
from tests.fixtures.recorded_http import FIXTURES, Fault, RecordedServer

ATTEMPTS = 3
TIMEOUT_S = 0.5
REQUESTS = {"hf": 1, "runpod": 1, "azure": 2, "aws": 2, "vast": 2, "lambda": 1}  # per fetch, when all is well
GPU_KEYS = (
    "price_source",
    "provider_name",
    "sku",
    "region",
    "pricing",
    "gpu_name_raw",
    "gpu_count",
    "usd_per_hour",
)
HTML_ERROR = b"<html><body><h1>Checking your browser...</h1></body></html>"


def _last(n: int, *faults: Fault | None) -> list[Fault | None]:
    return [None] * (n - 1) + list(faults)


# fault -> (script for a client making n requests, expected outcome, text the failure names)
FAULTS: dict[str, tuple[Callable[[str, int], list[Fault | None]], str]] = {
    "429_retry_after": (lambda c, n: _last(n, Fault("status", 429, {"Retry-After": "1"})), "ok"),
    "500_persistent": (lambda c, n: _last(n, *[Fault("status", 500)] * ATTEMPTS), "fail"),
    "503_then_ok": (lambda c, n: _last(n, Fault("status", 503)), "ok"),
    "slow_beyond_timeout": (lambda c, n: _last(n, *[Fault("slow")] * ATTEMPTS), "fail"),
    "connection_reset": (lambda c, n: _last(n, Fault("reset")), "ok"),
    "truncated_body": (lambda c, n: _last(n, *[Fault("truncate")] * ATTEMPTS), "fail"),
    "wrong_content_type": (
        lambda c, n: _last(
            n,
            Fault("body", body=b'{"message": "moved"}', content_type="application/json")
            if c == "lambda"
            else Fault("body", body=HTML_ERROR, content_type="text/html"),
        ),
        "fail",
    ),
    "pagination_loop": (
        lambda c, n: [Fault("loop")] * 200,
        "fail",
    ),  # Azure NextPageLink / HF redirect to itself
}
PAGED = {"azure", "hf"}  # the clients that follow links (pages or redirects)
NETWORK_CASES = [(c, f) for c in REQUESTS for f in FAULTS if f != "pagination_loop" or c in PAGED]


def _parquet_without(column: str, dest: Path) -> bytes:
    src = FIXTURES / "catalog" / "contents_sample.parquet"
    rel = duckdb.sql(f"SELECT * EXCLUDE ({quote_ident(column)}) FROM read_parquet(?)", params=[str(src)])
    rel.write_parquet(str(dest))
    return dest.read_bytes()


def _lambda_html(edit: Callable[[str], str]) -> bytes:
    return edit((FIXTURES / "gpu_market" / "lambda_pricing.html").read_text()).encode()


# bad payloads for each live parser: (client, fault factory, text the failure names)
PAYLOADS: dict[str, tuple[str, Callable[[Path], Fault], str]] = {
    "runpod_graphql_errors": (
        "runpod",
        lambda tmp: Fault("body", body=b'{"errors": [{"message": "Too many requests"}], "data": null}'),
        "runpod: unexpected response at errors",
    ),
    "azure_items_not_a_list": ("azure", lambda tmp: Fault("body", body=b'{"Items": {"a": 1}}'), "$.Items"),
    "aws_price_not_a_number": (
        "aws",
        lambda tmp: Fault(
            "body",
            body=b'{"regions": {"US West (Oregon)": {"x": {"Instance Type": "p5.48xlarge", "price": "N/A"}}}}',
        ),
        "'N/A' is not a number",
    ),
    "vast_offer_without_price": (
        "vast",
        lambda tmp: Fault("body", body=b'{"offers": [{"gpu_name": "L4", "num_gpus": 1, "gpu_ram": 23034}]}'),
        "dph_total",
    ),
    "lambda_price_without_currency": (
        "lambda",
        lambda tmp: Fault("body", body=_lambda_html(lambda h: h.replace("$", "USD "))),
        "no $ price",
    ),
    "lambda_page_cut_off": ("lambda", lambda tmp: Fault("truncate_eof"), "truncated"),
    "hf_parquet_missing_column": (
        "hf",
        lambda tmp: Fault("body", body=_parquet_without("#Params (B)", tmp / "x.parquet")),
        "missing required column(s) ['#Params (B)']",
    ),
    "hf_empty_body": ("hf", lambda tmp: Fault("body", body=b""), "empty response body"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[RecordedServer]:
    with RecordedServer(slow_s=1.5) as s:
        yield s


def _run(client: str, db: Path, server: RecordedServer) -> dg.ExecuteInProcessResult:
    duck = GreenLMDuckDBResource(database=str(db))
    if client == "hf":
        live = LiveLeaderboardClient(
            base_url=server.url, backoff_s=0.01, max_attempts=ATTEMPTS, timeout_s=TIMEOUT_S
        )
        return dg.materialize(
            [open_llm_leaderboard_v2],
            resources={"duckdb": duck, "leaderboard_client": live},
            raise_on_error=False,
        )
    market = GpuMarketResource(
        live=True,
        providers=[client],
        base_urls={client: server.url},
        backoff_s=0.01,
        max_attempts=ATTEMPTS,
        timeout_s=TIMEOUT_S,
        vast_gpu_names=["H100 SXM", "L4"],
    )
    return dg.materialize(
        [gpu_price_scrape],
        partition_key=datetime.now(UTC).date().isoformat(),
        resources={"duckdb": duck, "gpu_market": market},
        raise_on_error=False,
    )


def _slice(client: str) -> tuple[str, str, list[str], tuple[str, ...]]:
    """The rows a client's asset writes: table, predicate, its bound parameters, key columns."""
    if client == "hf":
        return "open_llm_leaderboard_v2", "true", [], ("id",)
    return "gpu_price_observations", "origin = 'scrape' AND price_source = ?", [client], GPU_KEYS


@pytest.fixture(scope="module")
def baselines(server: RecordedServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Per client, a DB holding one good fetch through its asset."""
    root = tmp_path_factory.mktemp("net_baselines")
    out = {}
    for client in REQUESTS:
        server.reset()
        out[client] = root / f"{client}.duckdb"
        assert _run(client, out[client], server).success
        assert server.count(client) == REQUESTS[client]
    return out


def _prepare(client: str, baselines: dict[str, Path], tmp_path: Path, server: RecordedServer):
    db = tmp_path / "greenlm.duckdb"
    shutil.copy(baselines[client], db)
    server.reset()
    table, where, params, _ = _slice(client)
    return db, table_state(db, table, where, params)


def _check_unchanged(client: str, db: Path, before, result, says: str, measured) -> None:
    table, where, params, keys = _slice(client)
    after = table_state(db, table, where, params)
    measured(rows_lost=before.rows_lost_to(after), duplicates=duplicate_rows(db, table, keys, where, params))
    assert not result.success
    message = failure_message(result) + str([e.message for e in result.all_events if e.message])
    assert says in message, message
    assert after == before  # byte-for-byte: nothing partial was written


@pytest.mark.fault("network")
@pytest.mark.parametrize(("client", "fault"), NETWORK_CASES, ids=[f"{c}-{f}" for c, f in NETWORK_CASES])
def test_network_fault(
    client: str, fault: str, baselines, server: RecordedServer, tmp_path: Path, measured
) -> None:
    db, before = _prepare(client, baselines, tmp_path, server)
    script, expected = FAULTS[fault]
    server.script[client] = script(client, REQUESTS[client])
    result = _run(client, db, server)
    table, where, params, keys = _slice(client)
    if expected == "fail":
        _check_unchanged(client, db, before, result, server.url if client == "hf" else client, measured)
        # Bounded: at most ATTEMPTS tries per request (a page loop stops at the client's page/redirect limit).
        assert server.count(client) <= (REQUESTS[client] - 1 + ATTEMPTS if fault != "pagination_loop" else 60)
        return
    assert result.success, failure_message(result)
    after = table_state(db, table, where, params)
    dupes = duplicate_rows(db, table, keys, where, params)
    measured(rows_lost=max(0, before.rows - after.rows), duplicates=dupes)
    assert after.rows == before.rows and dupes == 0  # the same fetch again: same rows, replaced, not appended
    assert server.count(client) == REQUESTS[client] + 1  # exactly one retry
    if fault == "429_retry_after":
        times = server.times(client)
        assert times[-1] - times[-2] >= 0.95  # waited the server's Retry-After: 1, not the 0.01 s backoff


@pytest.mark.fault("bad_input")
@pytest.mark.parametrize("case", sorted(PAYLOADS))
def test_bad_payload(case: str, baselines, server: RecordedServer, tmp_path: Path, measured) -> None:
    client, fault, says = PAYLOADS[case]
    db, before = _prepare(client, baselines, tmp_path, server)
    server.script[client] = _last(REQUESTS[client], fault(tmp_path))
    result = _run(client, db, server)
    _check_unchanged(client, db, before, result, says, measured)
