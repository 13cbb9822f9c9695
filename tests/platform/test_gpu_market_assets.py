"""GPU market assets on a real DuckDB file: snapshot ingest, daily live scrape (against 127.0.0.1), bad input."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from greenlm_assets.defs.automation.gpu_price_scrape import gpu_price_scrape as scrape_schedule
from greenlm_assets.defs.ingest.epoch_ai import gpu_specs
from greenlm_assets.defs.ingest.gpu_prices import (
    gpu_name_map,
    gpu_price_observations,
    gpu_price_scrape,
    gpu_purchase_prices,
    write_scrape_day,
)
from greenlm_assets.defs.resources import GreenLMDuckDBResource
from greenlm_assets.lib.gpu_market.clients import GpuMarketResource, SnapshotClient
from tests.fixtures.recorded_http import GPU as FIXTURES
from tests.fixtures.recorded_http import Fault, RecordedServer

SNAPSHOTS = Path(__file__).resolve().parents[2] / "data" / "snapshots"
SNAPSHOT_ASSETS = [gpu_specs, gpu_price_observations, gpu_purchase_prices, gpu_name_map]


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "greenlm.duckdb"


@pytest.fixture()
def server() -> Iterator[RecordedServer]:
    with RecordedServer() as s:
        yield s


def _run(
    assets: list, db: Path, market: GpuMarketResource | None = None, **kw: object
) -> dg.ExecuteInProcessResult:
    resources = {
        "duckdb": GreenLMDuckDBResource(database=str(db)),
        "gpu_market": market or GpuMarketResource(),
    }
    return dg.materialize(assets, resources=resources, raise_on_error=False, **kw)


def _q(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _scraped(db: Path) -> dict[tuple[str, str], int]:
    rows = _q(
        db,
        "SELECT CAST(scrape_date AS VARCHAR), price_source, count(*) FROM raw.gpu_price_observations "
        "WHERE origin = 'scrape' GROUP BY ALL",
    )
    return {(d, p): n for d, p, n in rows}


def test_snapshot_assets_land_the_shipped_observations(db: Path) -> None:
    result = _run(SNAPSHOT_ASSETS, db)
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert checks and all(e.passed for e in checks)
    by_source = dict(_q(db, "SELECT price_source, count(*) FROM raw.gpu_price_observations GROUP BY ALL"))
    # ewyluda excerpt rows; PrimeIntellect snapshots x providers; FSDL rows (+ a spot row where listed)
    assert by_source == {
        "ewyluda_gpu_price_index": 194,
        "tugot17_primeintellect": 25956,
        "fsdl_cloud_gpus": 336,
    }
    assert _q(db, "SELECT count(*) FROM raw.gpu_purchase_prices")[0][0] == 12469
    assert _q(db, "SELECT count(*) FROM raw.gpu_name_map")[0][0] == 170
    assert _q(db, "SELECT gpu_key FROM raw.gpu_name_map WHERE gpu_name_raw = 'NVIDIA H100 SXM5 80GB'") == [
        ("h100-sxm-80gb",)
    ]
    (n_providers, n_keys) = _q(
        db, "SELECT count(DISTINCT provider), count(DISTINCT gpu_key) FROM raw.gpu_price_observations"
    )[0]
    assert n_providers >= 25 and n_keys >= 25
    # Scraped days survive a re-ingest of the snapshot (each writer owns its slice).
    with duckdb.connect(str(db)) as con:
        write_scrape_day(con, date(2026, 1, 2), "lambda", SnapshotClient("lambda").fetch(), "test")
    assert _run([gpu_price_observations], db).success
    assert _scraped(db) == {("2026-01-02", "lambda"): 15}


def test_daily_scrape_keeps_earlier_days_and_failed_providers_rows(db: Path, server: RecordedServer) -> None:
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    market = server.gpu_market()
    first = _run([gpu_price_scrape], db, market, partition_key=today.isoformat())
    assert first.success
    t = today.isoformat()
    expected = {(t, "runpod"): 96, (t, "azure"): 5, (t, "aws"): 4, (t, "vast"): 3, (t, "lambda"): 4}
    assert _scraped(db) == expected
    # an earlier day, written the same way the asset writes
    with duckdb.connect(str(db)) as con:
        write_scrape_day(con, yesterday, "azure", SnapshotClient("azure").fetch(), "earlier scrape")
    expected[(yesterday.isoformat(), "azure")] = 33

    # Azure answers 500 on every attempt and Lambda changed its page: both fail, the others land again.
    server.script["azure"] = [Fault("status", 500)] * 10
    changed = (FIXTURES / "lambda_pricing.html").read_text().replace("data-plan=", "data-sku=")
    server.script["lambda"] = [Fault("body", body=changed.encode())] * 10
    second = _run([gpu_price_scrape], db, market, partition_key=t)
    assert second.success
    status = (
        second.asset_materializations_for_node("raw__gpu_price_scrape")[0].metadata["provider_status"].value
    )
    assert {p: s["status"] for p, s in status.items()} == {
        "runpod": "ok",
        "azure": "failed",
        "aws": "ok",
        "vast": "ok",
        "lambda": "failed",
    }
    assert "tr[data-plan]" in status["lambda"]["error"] and "500" in status["azure"]["error"]
    checks = {e.check_name: e for e in second.get_asset_check_evaluations()}
    assert (
        not checks["all_providers_ok"].passed
        and checks["all_providers_ok"].severity == dg.AssetCheckSeverity.WARN
    )
    assert (
        _scraped(db) == expected
    )  # nothing erased: failed providers keep today's earlier rows, other days kept

    # Every provider failing fails the run and still erases nothing.
    for p in ("runpod", "azure", "aws", "vast", "lambda"):
        server.script[p] = [Fault("status", 503)] * 10
    third = _run([gpu_price_scrape], db, market, partition_key=t)
    assert not third.success
    assert _scraped(db) == expected


def test_scrape_refuses_offline_mode_and_other_days(db: Path, server: RecordedServer, monkeypatch) -> None:
    monkeypatch.delenv("GREENLM_LIVE", raising=False)
    today = datetime.now(UTC).date()
    offline = _run([gpu_price_scrape], db, GpuMarketResource(), partition_key=today.isoformat())
    assert not offline.success
    assert "GREENLM_LIVE" in str(offline.all_events)
    past = _run(
        [gpu_price_scrape], db, server.gpu_market(), partition_key=(today - timedelta(days=3)).isoformat()
    )
    assert not past.success
    assert "cannot be scraped for another day" in str(past.all_events)
    assert server.requests == []  # refused before any request


def test_schedule_runs_todays_partition_only_when_live(monkeypatch: pytest.MonkeyPatch) -> None:
    when = datetime(2026, 11, 30, 6, 15, tzinfo=UTC)
    monkeypatch.delenv("GREENLM_LIVE", raising=False)
    assert isinstance(
        scrape_schedule(dg.build_schedule_context(scheduled_execution_time=when)), dg.SkipReason
    )
    monkeypatch.setenv("GREENLM_LIVE", "1")
    request = scrape_schedule(dg.build_schedule_context(scheduled_execution_time=when))
    assert isinstance(request, dg.RunRequest) and request.partition_key == "2026-11-30"


# ---------------------------------------------------------------- bad snapshot input
@pytest.fixture()
def snapshots_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS / "gpu_prices", root / "gpu_prices")
    shutil.copytree(SNAPSHOTS / "epoch_ai", root / "epoch_ai")
    monkeypatch.setenv("GREENLM_SNAPSHOTS_DIR", str(root))
    return root / "gpu_prices"


def test_bad_snapshot_input_fails_naming_the_place_and_keeps_data(db: Path, snapshots_copy: Path) -> None:
    assert _run(SNAPSHOT_ASSETS, db).success
    before = _q(db, "SELECT count(*) FROM raw.gpu_price_observations")[0][0]

    jsonl = snapshots_copy / "tugot17_primeintellect_summary" / "H200_141GB.jsonl"
    lines = jsonl.read_text().splitlines()
    lines[4] = lines[4][: len(lines[4]) // 2]  # a truncated record
    jsonl.write_text("\n".join(lines) + "\n")
    bad = _run([gpu_price_observations], db)
    assert not bad.success
    assert "H200_141GB.jsonl: line 5: not valid JSON" in str(bad.all_events)
    assert _q(db, "SELECT count(*) FROM raw.gpu_price_observations")[0][0] == before

    card = snapshots_copy / "united_compute_amazon_purchase_prices" / "NVIDIA_L4.json"
    doc = json.loads(card.read_text())
    doc["prices"][next(iter(doc["prices"]))] = -5
    card.write_text(json.dumps(doc))
    bad = _run([gpu_purchase_prices], db)
    assert not bad.success
    assert "NVIDIA_L4.json: price at" in str(bad.all_events)
    assert _q(db, "SELECT count(*) FROM raw.gpu_purchase_prices")[0][0] == 12469


def test_implausible_prices_are_quarantined_and_unknown_names_reported(
    db: Path, snapshots_copy: Path
) -> None:
    csv = snapshots_copy / "ewyluda_gpu_price_index_excerpt" / "observations_2026-10-10_excerpt.csv"
    lines = csv.read_text().splitlines()
    fields = lines[1].split(",")
    fields[12] = "250.0"  # usd_per_gpu_hour
    lines[1] = ",".join(fields)
    fields = lines[2].split(",")
    fields[6] = "Mystery-X9"  # gpu_model
    lines[2] = ",".join(fields)
    csv.write_text("\n".join(lines) + "\n")
    result = _run([gpu_price_observations], db)
    assert result.success
    (reason,) = _q(
        db, "SELECT quarantine_reason FROM raw.gpu_price_observations WHERE usd_per_gpu_hour = 250"
    )[0]
    assert "> 200" in reason
    assert _q(db, "SELECT gpu_key FROM raw.gpu_price_observations WHERE gpu_name_raw = 'Mystery-X9'") == [
        (None,)
    ]
    check = result.get_asset_check_evaluations()[0]
    assert check.metadata["unknown_gpu_names"].value == {"Mystery-X9": 1}
