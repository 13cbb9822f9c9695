"""Exposure: the documented UI commands bind 127.0.0.1, no secret is committed or logged, and live clients read
credentials only from the environment."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from greenlm_assets.defs.ingest.open_llm_leaderboard import open_llm_leaderboard_v2
from greenlm_assets.defs.resources import GreenLMDuckDBResource
from greenlm_assets.lib.catalog.leaderboard import LiveLeaderboardClient
from greenlm_assets.lib.gpu_market.clients import GpuMarketResource
from tests.faults.helpers import REPO
from tests.fixtures.recorded_http import Fault, RecordedServer

SECRET_PATTERNS = {
    "Hugging Face token": re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
    "bearer token": re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{20,}=*"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "OpenAI-style key": re.compile(r"\bsk-[A-Za-z0-9]{32,}\b"),
}
UI_COMMAND = re.compile(r"(dagster dev|dg dev|dagster-webserver)[^`\n]*")
DOCS = [
    "README.md",
    "Makefile",
    "workspace.yaml",
    *[str(p.relative_to(REPO)) for p in (REPO / "docs").glob("*.md")],
]


def find_secrets(text: str) -> list[str]:
    return [
        f"{kind}: {m.group(0)[:12]}..." for kind, rx in SECRET_PATTERNS.items() for m in rx.finditer(text)
    ]


@pytest.mark.fault("exposure")
def test_documented_ui_commands_bind_localhost() -> None:
    from dagster._cli.dev import dev_command
    from dagster_webserver.cli import dagster_webserver

    # `dagster dev` passes no host of its own, so the webserver's default applies: 127.0.0.1.
    assert next(p for p in dagster_webserver.params if p.name == "host").default == "127.0.0.1"
    assert not isinstance(next(p for p in dev_command.params if p.name == "host").default, str)
    commands = []
    for doc in DOCS:
        text = (REPO / doc).read_text()
        assert "0.0.0.0" not in text, f"{doc} binds every interface"
        commands += [m.group(0) for m in UI_COMMAND.finditer(text)]
    assert any("-h 127.0.0.1" in c for c in commands), commands
    for command in commands:
        host = re.search(r"(?:-h|--host)[ =](\S+)", command)
        assert host is None or host.group(1) == "127.0.0.1", command


@pytest.mark.fault("exposure")
def test_no_secret_is_committed() -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    hits = []
    for rel in filter(None, files.decode().split("\0")):
        path = REPO / rel
        if not path.is_file() or path.stat().st_size > 20_000_000:
            continue
        data = path.read_bytes()
        if b"\0" in data[:4096]:  # binary (parquet, png, duckdb)
            continue
        hits += [f"{rel}: {h}" for h in find_secrets(data.decode("utf-8", "replace"))]
    assert not hits, hits


@pytest.mark.fault("exposure")
def test_hf_token_is_read_from_env_and_never_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    token = "hf_" + "FaultSuiteFakeToken" * 2  # built at run time: never committed
    monkeypatch.setenv("HF_TOKEN", token)
    duck = GreenLMDuckDBResource(database=str(tmp_path / "greenlm.duckdb"))
    with RecordedServer() as server:
        client = LiveLeaderboardClient(base_url=server.url, backoff_s=0.01, max_attempts=2, timeout_s=2.0)
        ok = dg.materialize(
            [open_llm_leaderboard_v2], resources={"duckdb": duck, "leaderboard_client": client}
        )
        server.script["hf"] = [Fault("status", 401)]
        bad = dg.materialize(
            [open_llm_leaderboard_v2],
            resources={"duckdb": duck, "leaderboard_client": client},
            raise_on_error=False,
        )
    assert ok.success and not bad.success
    assert {r.headers.get("Authorization") for r in server.requests} == {
        f"Bearer {token}"
    }  # sent, from the env
    logs = "\n".join(str(e) for e in [*ok.all_events, *bad.all_events]) + "".join(capfd.readouterr())
    assert "HTTP 401" in logs  # the failure is there ...
    assert token not in logs and not find_secrets(logs)  # ... the token is not


@pytest.mark.fault("exposure")
def test_live_clients_take_no_credential_as_config() -> None:
    """Secrets come from the environment only: config fields may name an env var, never hold a secret."""
    secretish = re.compile(r"token|secret|password|api_key|apikey|credential", re.I)
    for resource in (LiveLeaderboardClient, GpuMarketResource):
        for name, info in resource.model_fields.items():
            if secretish.search(name):
                assert name.endswith("_env") and re.fullmatch(r"[A-Z][A-Z0-9_]*", str(info.default)), name
    assert LiveLeaderboardClient().hf_token_env == "HF_TOKEN"
