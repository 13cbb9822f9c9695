"""``greenlm-bench serve``: energy per token of an OpenAI-compatible server under load, one JSONL row per level.

Measure your own endpoint (run it on the host that serves, so the meters read that host's counters)::

    OPENAI_API_KEY=... greenlm-bench serve --url http://127.0.0.1:8000 --model-name Qwen/Qwen2.5-0.5B-Instruct \\
        --model-key qwen2.5-0.5b-instruct --server vllm --server-version 0.11.0 --gpus 0 \\
        --concurrency 1,2,4,8,16 --out data/measurements/serving/my_server.jsonl

Or let it start llama.cpp's server on the real SmolLM2-135M-Instruct weights (Q4_1 GGUF) on this CPU::

    greenlm-bench serve --local-llama-cpp --concurrency 1,2 --requests 12 --max-tokens 32
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console(stderr=True)


def _ints(value: str, least: int = 1) -> list[int]:
    """Comma-separated integers, each at least ``least`` (concurrency levels >= 1; GPU indices >= 0)."""
    try:
        out = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        out = []
    if not out or any(v < least for v in out):
        what = "positive integers" if least == 1 else f"integers >= {least}"
        raise typer.BadParameter(f"expected {what}, comma-separated: {value!r}")
    return out


def serve(
    url: Annotated[
        str | None,
        typer.Option(help="base URL of an OpenAI-compatible server (its /v1 routes hang under it)"),
    ] = None,
    model_name: Annotated[
        str | None, typer.Option(help="the model name the server serves (required with --url)")
    ] = None,
    api_key_env: Annotated[
        str | None, typer.Option(help="NAME of the environment variable holding the API key (never the key)")
    ] = None,
    server: Annotated[
        str, typer.Option(help="server label for the rows (with --url): vllm, transformers serve, ...")
    ] = "unknown",
    server_version: Annotated[
        str | None, typer.Option(help="server version for the rows (with --url)")
    ] = None,
    server_settings: Annotated[
        str, typer.Option(help="server settings for the rows, JSON (max batch, KV cache, precision, ...)")
    ] = "{}",
    local_llama_cpp: Annotated[
        bool,
        typer.Option(help="start llama.cpp's server (llama-cpp-python) on the shipped SmolLM2 GGUF here"),
    ] = False,
    gguf: Annotated[
        Path | None, typer.Option(help="GGUF file for --local-llama-cpp (default: the shipped one)")
    ] = None,
    n_threads: Annotated[int, typer.Option(help="llama.cpp threads (--local-llama-cpp)")] = 2,
    model_key: Annotated[
        str, typer.Option(help="catalog key the marts join on (dim_models)")
    ] = "smollm2-135m-instruct",
    hf_model_id: Annotated[str | None, typer.Option(help="the model's hub id, for the rows")] = None,
    weights: Annotated[
        str, typer.Option(help="real | random (a checkpoint from jobs/serving/checkpoint.py), with --url")
    ] = "real",
    concurrency: Annotated[str, typer.Option(help="concurrency levels, comma-separated")] = "1,2,4",
    requests: Annotated[
        int, typer.Option(help="requests per level (>= 3 x the highest concurrency advised)")
    ] = 24,
    max_tokens: Annotated[int, typer.Option(help="max_tokens of every request")] = 64,
    prompts: Annotated[
        str, typer.Option(help="squad50 | alpaca256 | mtbench80 (data/snapshots/prompts)")
    ] = "squad50",
    n_prompts: Annotated[int | None, typer.Option(help="use only the first N prompts")] = None,
    warmup: Annotated[int, typer.Option(help="warm-up requests before the sweep (not recorded)")] = 2,
    idle_s: Annotated[float, typer.Option(help="idle-power measurement, seconds (protocol: >= 5)")] = 5.0,
    prefill_level: Annotated[
        bool,
        typer.Option(help="run the prefill-only level (max_tokens=1) for the estimated prefill/decode split"),
    ] = True,
    gpus: Annotated[
        str, typer.Option(help="CUDA indices of the GPUs the server uses (NVML meters), e.g. 0 or 0,1")
    ] = "",
    country: Annotated[str, typer.Option(help="ISO3 country for CodeCarbon")] = "FRA",
    tokenizer: Annotated[
        Path | None,
        typer.Option(help="local tokenizer folder for the load generator (default: the shipped SmolLM2 one)"),
    ] = None,
    aiperf: Annotated[
        str | None, typer.Option(help="aiperf executable (default: .venv-loadgen/bin/aiperf, else on PATH)")
    ] = None,
    wait_ready_s: Annotated[
        float, typer.Option(help="with --url: poll /v1/models this long for the server to come up (0: once)")
    ] = 0.0,
    ready_timeout_s: Annotated[
        float, typer.Option(help="how long to wait for the server to list the model")
    ] = 180.0,
    level_timeout_s: Annotated[
        float, typer.Option(help="a level taking longer is stopped and failed")
    ] = 600.0,
    codecarbon: Annotated[
        bool, typer.Option(help="run CodeCarbon alongside (the CPU estimate needs it)")
    ] = True,
    workdir: Annotated[
        Path | None, typer.Option(help="load generator artifacts and server log (default: a temp dir)")
    ] = None,
    out: Annotated[Path, typer.Option(help="JSONL file the rows are appended to")] = Path(
        "serving_runs.jsonl"
    ),
) -> None:
    """Sweep concurrency levels against an OpenAI-compatible endpoint; append one row per level to --out."""
    from jobs.prompts import PROMPT_SETS, load_prompts
    from jobs.rows import append_row
    from jobs.serving.loadgen import AiperfLoadGenerator, LoadGeneratorError, find_aiperf
    from jobs.serving.server import (
        Endpoint,
        EndpointError,
        LlamaCppSettings,
        shipped_smollm2_gguf,
        start_llama_cpp,
    )
    from jobs.serving.sweep import SweepConfig, WarmupError, run_sweep

    if (url is None) == (not local_llama_cpp):
        _fail("give exactly one of --url (an endpoint) or --local-llama-cpp (start llama.cpp's server here)")
    if url is not None and not model_name:
        _fail("--model-name is required with --url (the name the server serves the model under)")
    try:
        settings: dict[str, Any] = json.loads(server_settings)
    except json.JSONDecodeError as exc:
        _fail(f"--server-settings is not JSON: {exc}")
    if weights not in ("real", "random"):
        _fail(f"--weights must be real or random, not {weights!r}")
    if prompts not in PROMPT_SETS:
        _fail(f"unknown prompt set {prompts!r}; valid prompt sets: {', '.join(PROMPT_SETS)}")
    levels = _ints(concurrency)
    if requests < max(levels):
        _fail(
            f"--requests {requests} < the highest concurrency {max(levels)}: no steady state could be reached"
        )
    cfg = SweepConfig(
        model_key=model_key,
        concurrencies=levels,
        requests_per_level=requests,
        max_tokens=max_tokens,
        prompt_set=prompts,
        n_prompts=n_prompts,
        warmup_requests=warmup,
        idle_s=idle_s,
        prefill_level=prefill_level,
        gpu_indices=_ints(gpus, least=0) if gpus.strip() and gpus.strip() != "-" else [],
        country_iso3=country.upper(),
        level_timeout_s=level_timeout_s,
        codecarbon=codecarbon,
    )
    if cfg.gpu_indices and min(cfg.gpu_indices) < 0:
        _fail("--gpus takes CUDA indices >= 0")
    try:
        aiperf_bin = find_aiperf(aiperf)
    except LoadGeneratorError as exc:
        _fail(str(exc))
    tok_dir = (
        tokenizer or Path(__file__).resolve().parents[2] / "data" / "snapshots" / "tokenizers" / "smollm-135m"
    )
    with contextlib.ExitStack() as stack:
        work = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="greenlm-serve-")))
        work.mkdir(parents=True, exist_ok=True)
        try:
            if local_llama_cpp:
                ls = LlamaCppSettings(gguf=gguf or shipped_smollm2_gguf(), n_threads=n_threads,
                                      ready_timeout_s=ready_timeout_s)  # fmt: skip
                ep = stack.enter_context(start_llama_cpp(ls, work / "server.log"))
                cfg.weights = "real"
                hf = hf_model_id or "HuggingFaceTB/SmolLM2-135M-Instruct"
            else:
                assert url is not None and model_name is not None
                ep = Endpoint(url.rstrip("/").removesuffix("/v1"), model_name, server, server_version, settings,
                              managed=False, api_key_env=api_key_env)  # fmt: skip
                models = _poll_models(ep, wait_ready_s)  # down / 4xx / 5xx: a clear error here
                if model_name not in models:  # some servers (transformers serve) list only cached hub models
                    console.print(
                        f"[yellow]{ep.base_url} does not list {model_name!r} (it lists {models[:5]})"
                    )
                cfg.weights = weights
                hf = hf_model_id or model_name
        except (EndpointError, FileNotFoundError) as exc:
            _fail(str(exc))
        gen = AiperfLoadGenerator(aiperf_bin, ep, tok_dir, load_prompts(prompts, n_prompts))

        def on_row(row: dict[str, Any]) -> None:
            row["hf_model_id"] = hf
            append_row(out, row)  # atomic: the row is in the file whole, or not at all
            _print_row(row)

        try:
            rows = run_sweep(cfg, ep, gen, work, on_row)
        except (WarmupError, LoadGeneratorError) as exc:
            _fail(str(exc))
    failed = [r for r in rows if r["status"] != "ok"]
    console.print(f"{len(rows)} row(s) appended to {out} ({len(failed)} failed)")
    if failed and len(failed) == len(rows):
        raise typer.Exit(code=1)


def _poll_models(ep: Any, wait_s: float) -> list[str]:
    """``GET /v1/models`` until it answers or ``wait_s`` has passed (a server still loading its model)."""
    import time

    from jobs.serving.server import POLL_INTERVAL_S, EndpointError, listed_models

    t0 = time.monotonic()
    while True:
        try:
            return listed_models(ep.base_url, ep.headers())
        except EndpointError:
            if time.monotonic() - t0 >= wait_s:
                raise
        time.sleep(POLL_INTERVAL_S)  # polling interval; readiness is the answer itself


def _print_row(row: dict[str, Any]) -> None:
    label = f"{row['model_key']} @ {row['server']} {row['level_kind']} c={row['concurrency']}"
    if row["status"] != "ok":
        console.print(f"[red]FAILED {label}: {row['failure_reason']}")
        return

    def f(x: Any, fmt: str = ".3g") -> str:
        return "-" if x is None else format(x, fmt)

    console.print(
        f"{label}: {f(row['output_tokens_per_s'])} tok/s, TTFT p90 {f(row['ttft_s_p90'])} s, ITL p90 "
        f"{f(row['itl_s_p90'])} s, {f(row.get('j_per_output_token'))} J/tok "
        f"(net {f(row.get('j_per_output_token_net'))}) ({row['energy_source']}, {row['energy_scope']}), "
        f"window {f(row['window_s'])} s of {f(row['run_s'])} s"
    )


def _fail(msg: str) -> None:
    console.print(f"[red]error: {msg}")
    raise typer.Exit(code=2)


if __name__ == "__main__":  # pragma: no cover
    typer.run(serve)
    sys.exit(0)
