"""The live leaderboard client against recorded responses served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from greenlm_assets.defs.ingest.open_llm_leaderboard import open_llm_leaderboard_v2
from greenlm_assets.defs.resources import GreenLMDuckDBResource
from greenlm_assets.lib.catalog.leaderboard import LiveLeaderboardClient, leaderboard_client_from_env
from greenlm_assets.lib.raw_load import RawLoadError
from tests.fixtures.recorded_http import FIXTURES, Fault, RecordedServer

FIXTURE = FIXTURES / "catalog" / "contents_sample.parquet"
SNAPSHOT_V2 = (
    Path(__file__).parents[2]
    / "data"
    / "snapshots"
    / "open_llm_leaderboard"
    / "open_llm_leaderboard_v2_2025-03-21.csv"
)


@pytest.fixture()
def server() -> Iterator[RecordedServer]:
    with RecordedServer() as s:
        yield s


def test_live_client_maps_hf_columns_and_retries_429(server: RecordedServer) -> None:
    server.script["hf"] = [Fault("status", 429), Fault("status", 503)]
    client = LiveLeaderboardClient(base_url=server.url, backoff_s=0.01, max_attempts=4)
    fetch = client.fetch("v2")
    agents = server.user_agents("hf")
    assert len(agents) == 3 and all(ua.startswith("greenlm/") for ua in agents)  # 429, 503, then 200
    expected = duckdb.sql(
        "SELECT count(*), list(_expected_id ORDER BY _expected_id) FROM read_parquet(?)",
        params=[str(FIXTURE)],
    ).fetchone()
    assert fetch.mode == "live" and len(fetch.frame) == expected[0]
    assert sorted(fetch.frame["id"]) == expected[1]  # ids rebuilt exactly as the Space API spells them
    row = fetch.frame.set_index("model_name").loc["meta-llama/Llama-3.1-8B-Instruct"]
    assert row["evaluations_math_name"] == "MATH Level 5"
    assert float(row["metadata_params_billions"]) == pytest.approx(8.03, abs=0.01)
    assert fetch.fetch_id == fetch.content_sha256[:16] and server.url in fetch.location
    # The emoji type labels map back to the Space API spelling of the shipped snapshot, row for row.
    snapshot = (
        duckdb.sql("SELECT id, model_type FROM read_csv(?) ORDER BY id", params=[str(SNAPSHOT_V2)])
        .df()
        .set_index("id")["model_type"]
    )
    live_types = fetch.frame.set_index("id")["model_type"].astype(str)
    assert live_types.to_dict() == snapshot.loc[live_types.index].to_dict()


def test_live_client_gives_up_naming_source_on_500_and_timeout(server: RecordedServer) -> None:
    client = LiveLeaderboardClient(base_url=server.url, backoff_s=0.01, max_attempts=3)
    server.script["hf"] = [Fault("status", 500)] * 3
    with pytest.raises(
        RawLoadError, match=r"Open LLM Leaderboard live fetch failed after 3 attempts: HTTP 500"
    ):
        client.fetch("v2")
    assert server.count("hf") == 3
    server.reset()
    server.script["hf"] = [Fault("slow")] * 2  # held 1 s, the client waits 0.2 s
    slow = LiveLeaderboardClient(base_url=server.url, timeout_s=0.2, backoff_s=0.01, max_attempts=2)
    with pytest.raises(RawLoadError, match=r"127\.0\.0\.1.*after 2 attempts: timeout"):
        slow.fetch("v2")
    assert server.count("hf") == 2
    missing = LiveLeaderboardClient(base_url=f"{server.url}/nowhere", backoff_s=0.01, max_attempts=3)
    with pytest.raises(RawLoadError, match="HTTP 404"):  # 4xx other than 429: no retry
        missing.fetch("v2")
    assert server.count("unknown") == 1


def test_live_mode_is_chosen_by_env_only(monkeypatch: pytest.MonkeyPatch, server: RecordedServer) -> None:
    monkeypatch.delenv("GREENLM_LIVE", raising=False)
    assert type(leaderboard_client_from_env()).__name__ == "SnapshotLeaderboardClient"
    monkeypatch.setenv("GREENLM_LIVE", "1")
    monkeypatch.setenv("GREENLM_HF_BASE_URL", server.url)
    client = leaderboard_client_from_env()
    assert isinstance(client, LiveLeaderboardClient) and client.base_url == server.url


def test_live_fetch_materializes_and_failed_fetch_keeps_previous_rows(
    server: RecordedServer, tmp_path: Path
) -> None:
    db = tmp_path / "live.duckdb"
    resources = {"duckdb": GreenLMDuckDBResource(database=str(db))}
    live = LiveLeaderboardClient(base_url=server.url, backoff_s=0.01, max_attempts=2)
    assert dg.materialize(
        [open_llm_leaderboard_v2], resources={**resources, "leaderboard_client": live}
    ).success
    server.script["hf"] = [Fault("status", 500)] * 2
    failed = dg.materialize(
        [open_llm_leaderboard_v2], resources={**resources, "leaderboard_client": live}, raise_on_error=False
    )
    assert not failed.success
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.open_llm_leaderboard_v2").fetchone()[0] == 14
        assert con.execute("SELECT mode, row_count FROM raw.open_llm_leaderboard_fetches").fetchall() == [
            ("live", 14)
        ]
