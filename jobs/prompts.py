"""Prompt sets shipped in ``data/snapshots/prompts/``, tokenized with the real tokenizer files shipped there."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from jobs.registry import TOKENIZER_DIR, ModelSpec

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "data" / "snapshots" / "prompts"
FALLBACK_TOKENIZER = "smollm-135m"

PROMPT_SETS = {
    "squad50": "squad_v1_1_dev_first50.jsonl",
    "alpaca256": "alpaca_first256.jsonl",
    "mtbench80": "mt_bench_questions.jsonl",
}


def _format(prompt_set: str, rec: dict) -> str:
    if prompt_set == "squad50":
        return f"Context: {rec['context']}\nQuestion: {rec['question']}\nAnswer:"
    if prompt_set == "alpaca256":
        extra = f"\n\nInput:\n{rec['input']}" if rec.get("input") else ""
        return f"Instruction:\n{rec['instruction']}{extra}\n\nResponse:"
    return str(rec["turns"][0])  # MT-Bench: the first turn of each question


def load_prompts(prompt_set: str, n: int | None = None) -> list[str]:
    if prompt_set not in PROMPT_SETS:
        raise KeyError(f"unknown prompt set {prompt_set!r}; valid prompt sets: {', '.join(PROMPT_SETS)}")
    lines = (PROMPTS_DIR / PROMPT_SETS[prompt_set]).read_text().splitlines()
    texts = [_format(prompt_set, json.loads(line)) for line in lines if line.strip()]
    return texts[:n] if n else texts


@dataclass(frozen=True)
class Tokenized:
    ids: list[list[int]]  # one list of token ids per prompt, truncated to max_prompt_tokens
    tokenizer: str  # which tokenizer produced them, as the row records it


def tokenize(spec: ModelSpec, texts: list[str], max_prompt_tokens: int) -> Tokenized:
    """Token ids with the model family's shipped tokenizer, else the SmolLM tokenizer (ids folded into the vocab).

    Folding (``id % vocab_size``) only matters for vocabularies smaller than 49,152 (Llama-2, Mistral, Phi-3):
    the sequence lengths -- what the cost depends on -- are those of the SmolLM tokenizer, and the row says so.
    """
    from tokenizers import Tokenizer

    name = spec.tokenizer or FALLBACK_TOKENIZER
    tok = Tokenizer.from_file(str(TOKENIZER_DIR / name / "tokenizer.json"))
    label = name if spec.tokenizer else f"{FALLBACK_TOKENIZER} (stand-in: {spec.key} tokenizer not shipped)"
    ids = []
    for enc in tok.encode_batch(texts, add_special_tokens=False):
        seq = [i % spec.vocab_size for i in enc.ids[:max_prompt_tokens]]
        ids.append(seq or [0])
    return Tokenized(ids, label)
