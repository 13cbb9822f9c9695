"""``greenlm-bench``: measure model x backend x precision x device configurations, one JSONL row each.

Example::

    greenlm-bench run --model smollm-135m --backend onnxruntime --precision int8-dynamic --device cpu \\
        --prompts squad50 --repeats 5 --out data/measurements/cpu.jsonl

Comma-separated values in --model/--backend/--precision/--batch-size make a sweep (their product).
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jobs.backends import (
    UnsupportedCombination,
    check_combination,
    check_model_support,
    missing_library,
    valid_combinations,
)
from jobs.prompts import PROMPT_SETS
from jobs.quality.run import quality
from jobs.registry import real_weights_ref, registry
from jobs.serving.cli import serve

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console(stderr=True)


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


@app.command("list")
def list_choices() -> None:
    """Models of the registry, prompt sets, and valid backend/precision/device combinations."""
    table = Table("model", "hf_model_id", "architecture", "tokenizer")
    for spec in registry().values():
        table.add_row(spec.key, spec.hf_model_id, spec.model_type, spec.tokenizer or "smollm-135m (stand-in)")
    Console().print(table)
    Console().print("prompt sets: " + ", ".join(PROMPT_SETS))
    Console().print("combinations: " + ", ".join(valid_combinations()))


@app.command()
def run(
    model: Annotated[str, typer.Option(help="registry key(s), comma-separated")] = "smollm-135m",
    backend: Annotated[
        str,
        typer.Option(
            help="pytorch | pytorch-compile | pytorch-cudagraph | onnxruntime | onnxruntime-lean | quanto | torchao"
        ),
    ] = "pytorch",
    precision: Annotated[
        str, typer.Option(help="fp32 | bf16 | fp16 | int8-dynamic | int8-weight | int4-weight")
    ] = "fp32",
    device: Annotated[str, typer.Option(help="cpu | cuda")] = "cpu",
    prompts: Annotated[str, typer.Option(help="squad50 | alpaca256 | mtbench80")] = "squad50",
    n_prompts: Annotated[int | None, typer.Option(help="use only the first N prompts")] = None,
    batch_size: Annotated[str, typer.Option(help="batch size(s), comma-separated")] = "1",
    new_tokens: Annotated[int, typer.Option(help="tokens generated per sequence (forced)")] = 32,
    max_prompt_tokens: Annotated[int, typer.Option(help="prompts truncated to this many tokens")] = 128,
    repeats: Annotated[int, typer.Option(help="measured windows")] = 5,
    warmup: Annotated[int, typer.Option(help="full generate calls before measuring")] = 2,
    min_window_s: Annotated[
        float, typer.Option(help="each window repeats the workload to last >= this")
    ] = 5.0,
    idle_s: Annotated[float, typer.Option(help="idle-power measurement before each configuration")] = 5.0,
    country: Annotated[str, typer.Option(help="ISO3 country for CodeCarbon")] = "FRA",
    weights_path: Annotated[str | None, typer.Option(help="local folder or hub id of real weights")] = None,
    weights: Annotated[
        str, typer.Option(help="random | real (real: --weights-path, else the registry's shipped weights)")
    ] = "random",
    codecarbon: Annotated[bool, typer.Option(help="run CodeCarbon alongside")] = True,
    skip_invalid: Annotated[
        bool, typer.Option(help="in a sweep, skip invalid combinations instead of failing")
    ] = False,
    out: Annotated[Path, typer.Option(help="JSONL file the rows are appended to")] = Path(
        "benchmark_runs.jsonl"
    ),
    cache_dir: Annotated[Path | None, typer.Option(help="exported ONNX models are cached here")] = None,
    deadline_s: Annotated[
        float | None, typer.Option(help="start no new configuration after this many seconds")
    ] = None,
    allow_dirty: Annotated[
        bool,
        typer.Option(
            help="measure although the tree differs from its commit (or the commit is unknown); the rows say "
            "allow_dirty=true and git_dirty, and the marts flag them (provenance_clean=false)"
        ),
    ] = False,
) -> None:
    """Measure every configuration of the product; append one row per configuration to --out.

    Refuses (exit 2) when --device cuda finds no CUDA GPU, and when the project's tree is not a clean commit
    unless --allow-dirty (data/measurements/, where rows are written, does not count)."""
    from jobs.harness import DEFAULT_CACHE, BenchConfig

    models = _split(model)
    unknown = [m for m in models if m not in registry()]
    if unknown:
        _fail(f"unknown model(s) {unknown}; valid models: {', '.join(sorted(registry()))}")
    if prompts not in PROMPT_SETS:
        _fail(f"unknown prompt set {prompts!r}; valid prompt sets: {', '.join(PROMPT_SETS)}")
    if weights not in ("random", "real"):
        _fail(f"--weights must be random or real, not {weights!r}")
    refs: dict[str, str | None] = {}
    for m in models:
        try:
            refs[m] = real_weights_ref(registry()[m], weights_path) if weights == "real" else weights_path
        except KeyError as exc:
            _fail(str(exc.args[0]))
    combos = list(
        itertools.product(models, _split(backend), _split(precision), [int(b) for b in _split(batch_size)])
    )
    configs = []
    for m, b, p, bs in combos:
        try:
            check_combination(b, p, device)
            check_model_support(b, registry()[m])
            why = missing_library(b)
            if why:
                raise UnsupportedCombination(why)
        except UnsupportedCombination as exc:
            if skip_invalid:
                console.print(f"[yellow]skipped {m} {b}/{p}/{device}: {str(exc).split(';')[0]}")
                continue
            _fail(str(exc))
        configs.append(
            BenchConfig(
                model=m,
                backend=b,
                precision=p,
                device=device,
                batch_size=bs,
                new_tokens=new_tokens,
                prompt_set=prompts,
                n_prompts=n_prompts,
                max_prompt_tokens=max_prompt_tokens,
                repeats=repeats,
                warmup=warmup,
                min_window_s=min_window_s,
                idle_s=idle_s,
                country_iso3=country.upper(),
                weights_path=refs[m],
                codecarbon=codecarbon,
                cache_dir=str(cache_dir or DEFAULT_CACHE),
            )  # fmt: skip
        )
    if device == "cuda" and not _cuda_available():
        # A GPU campaign started on the wrong machine must not "succeed" having measured nothing.
        _fail(
            f"--device cuda but no CUDA GPU is visible here (torch.cuda.is_available() is False): "
            f"{len(configs)} GPU configuration(s) not measured, no row written"
        )
    _check_provenance(allow_dirty)
    rows = _run_all(configs, out, deadline_s, allow_dirty)
    _report_pipes(out, rows, skipped=len(combos) - len(configs))
    failed = [r for r in rows if r["status"] != "ok"]
    console.print(f"{len(rows)} row(s) appended to {out} ({len(failed)} failed)")


# SQuAD quality next to energy (jobs/quality/run.py): J and gCO2e per correct answer per backend x precision.
app.command("quality")(quality)
# Serving benchmark (jobs/serving): an OpenAI-compatible server under a concurrency sweep, J per token per level.
app.command("serve")(serve)


def _check_provenance(allow_dirty: bool) -> None:
    """Rows must come from a committed tree: refuse otherwise, or say loudly that --allow-dirty marks them."""
    from jobs.provenance import ProvenanceError, require_clean

    try:
        state = require_clean(allow_dirty)
    except ProvenanceError as exc:
        _fail(str(exc))
    if not state.clean:
        console.print(f"[bold red]--allow-dirty: {state.describe()}; every row is marked allow_dirty=true")


@app.command()
def manifest(
    out: Annotated[Path, typer.Option(help="where to write the manifest (JSON)")] = Path("greenlm_tree.json"),
    omit: Annotated[
        list[str] | None,
        typer.Option(
            help="a folder under data/ the copy may leave behind (input data no measurement reads); repeat"
        ),
    ] = None,
) -> None:
    """Write the commit and the sha256 of every tracked file of this clean checkout, for a copy of the tree that
    travels without its .git: there, GREENLM_TREE_MANIFEST=<file> makes the harness check the copy against it."""
    from jobs.provenance import write_manifest

    try:
        state = write_manifest(out, omit=omit or ())
    except RuntimeError as exc:
        _fail(str(exc))
    left = f" (the copy may leave behind: {', '.join(omit)})" if omit else ""
    console.print(f"manifest of commit {state.commit} written to {out}{left}")


def _run_all(
    configs: list[Any], out: Path, deadline_s: float | None = None, allow_dirty: bool = False
) -> list[dict[str, Any]]:
    from jobs.harness import run_config
    from jobs.rows import append_row

    rows: list[dict[str, Any]] = []
    start = time.monotonic()
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(
        *columns, console=console, disable=not sys.stderr.isatty() and "GREENLM_PROGRESS" not in os.environ
    ) as bar:
        task = bar.add_task("configurations", total=len(configs))
        for n, cfg in enumerate(configs):
            if deadline_s is not None and time.monotonic() - start > deadline_s:
                for c in configs[n:]:
                    console.print(
                        f"[yellow]not run (deadline): {c.model} {c.backend}/{c.precision} b={c.batch_size}"
                    )
                break
            label = f"{cfg.model} {cfg.backend}/{cfg.precision}/{cfg.device} b={cfg.batch_size}"
            row = run_config(
                cfg,
                on_stage=lambda s, label=label: bar.update(task, description=f"{label}: {s}"),
                allow_dirty=allow_dirty,
            )
            append_row(out, row)  # atomic: the row is in the file whole, or not at all
            rows.append(row)
            bar.advance(task)
            _print_row(row)
    return rows


def _print_row(row: dict[str, Any]) -> None:
    label = f"{row['model_key']} {row['backend']}/{row['precision']}/{row['device']} b={row['batch_size']}"
    if row["status"] != "ok":
        console.print(f"[red]FAILED {label}: {row['failure_reason']}")
        return

    def f(x: Any, fmt: str = ".3g") -> str:
        return "-" if x is None else format(x, fmt)

    console.print(
        f"{label}: {f(row['tokens_per_s'])} tok/s (cv {f(row['tokens_per_s_cv'], '.1%')}), "
        f"{f(row.get('j_per_output_token'))} J/tok [{row.get('energy_source')}/{row.get('energy_scope')}], "
        f"idle {f(row.get('p_idle_w'))} W, ttft {f(row.get('ttft_s'))} s, roofline {f(row.get('roofline_efficiency'), '.1%')}"
    )


@app.command()
def profile(
    model: Annotated[str, typer.Option(help="registry key(s), comma-separated")] = "smollm-135m",
    batch_size: Annotated[str, typer.Option(help="batch size(s), comma-separated")] = "1",
    precision: Annotated[str, typer.Option(help="bf16 | fp16 | fp32 | int8-weight | int4-weight")] = "bf16",
    new_tokens: Annotated[int, typer.Option(help="decoding steps timed per call")] = 128,
    steps_per_graph: Annotated[int, typer.Option(help="decoding steps per CUDA graph replay")] = 8,
    attention: Annotated[
        str, typer.Option(help="grouped (the fast path's) | sdpa (transformers' own, for comparison)")
    ] = "grouped",
    out: Annotated[Path, typer.Option(help="JSONL file the profiles are appended to")] = Path(
        "profiles.jsonl"
    ),
) -> None:
    """Profile the fast path's decoding step on the GPU: kernels per step, kernel vs step time, host time."""
    import json

    if not _cuda_available():
        _fail("greenlm-bench profile needs a CUDA GPU; none is visible here")
    from jobs.profile_step import profile_step

    if attention not in ("grouped", "sdpa"):
        _fail(f"unknown attention {attention!r}; valid: grouped, sdpa")
    for key, bs in itertools.product(_split(model), _split(batch_size)):
        prof = profile_step(
            key, int(bs), precision=precision, new_tokens=new_tokens, steps_per_graph=steps_per_graph,
            grouped_attention=attention == "grouped",
        )  # fmt: skip
        with out.open("a") as f:
            f.write(json.dumps(prof, sort_keys=True) + "\n")
        shown = {k: v for k, v in prof.items() if k not in ("library_versions", "top_kernels_ms")}
        console.print(json.dumps(shown, default=str), json.dumps(prof["top_kernels_ms"]))


def _cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def _report_pipes(out: Path, rows: list[dict[str, Any]], skipped: int) -> None:
    """Under Dagster Pipes, report what was written; standalone, do nothing (dagster-pipes is optional)."""
    if "DAGSTER_PIPES_CONTEXT" not in os.environ:  # set by Dagster's Pipes client in the launched process
        return
    try:
        from dagster_pipes import open_dagster_pipes
    except ImportError:
        return
    with open_dagster_pipes() as pipes:
        ok = [r for r in rows if r["status"] == "ok"]
        pipes.log.info(f"greenlm-bench wrote {len(rows)} row(s) to {out}")
        pipes.report_asset_materialization(
            metadata={
                "out": str(out.resolve()),
                "rows": len(rows),
                "rows_failed": len(rows) - len(ok),
                "configurations_skipped": skipped,
                "run_ids": ",".join(r["run_id"] for r in rows),
                **({"tokens_per_s": ok[0]["tokens_per_s"]} if ok else {}),
            }
        )
        # the rows themselves, for a launcher whose harness ran on another machine (a Ray node): its --out is there
        pipes.report_custom_message({"rows": rows})


def _fail(msg: str) -> NoReturn:
    console.print(f"[red]error: {msg}")
    raise typer.Exit(code=2)


if __name__ == "__main__":
    app()
