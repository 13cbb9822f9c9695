"""A local checkpoint a server can load offline: a registry model's architecture with random weights.

For ``transformers serve`` (or vLLM) on a machine without a hub: the model is built from its published
``config.json`` (``jobs/model_configs/``) with seeded random weights, in bf16, and saved with the shipped SmolLM2
tokenizer (its chat template included). The vocabulary is set to the tokenizer's (49,152) so that every generated id
decodes to a streamed token; for families with a larger vocabulary (Llama 3: 128,256) the embedding and LM head are
therefore smaller than the real model's - the sweep's rows say ``weights = random`` and name the vocabulary here.

    python -m jobs.serving.checkpoint llama-3.2-1b /tmp/ckpt/llama-3.2-1b
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from jobs.registry import TOKENIZER_DIR, get_model, hf_config

TOKENIZER = "smollm-135m"


def build(key: str, out: Path, dtype: str = "bfloat16", seed: int = 0) -> dict[str, object]:
    import torch
    from transformers import AutoModelForCausalLM

    spec = get_model(key)
    config = hf_config(spec)
    tok_dir = TOKENIZER_DIR / TOKENIZER
    vocab = len(json.loads((tok_dir / "tokenizer.json").read_text())["model"]["vocab"])
    original_vocab = config.vocab_size
    config.vocab_size = max(vocab, 49152)
    for attr in ("bos_token_id", "eos_token_id", "pad_token_id"):
        setattr(config, attr, _special_id(tok_dir, attr))
    torch.manual_seed(seed)
    # Random init of an 8B model takes minutes on a CPU and seconds on a GPU; the weights are random either way
    # (the note records the seed and where they were drawn).
    init_device = "cuda" if torch.cuda.is_available() else "cpu"
    with torch.device(init_device):
        model = AutoModelForCausalLM.from_config(config, torch_dtype=getattr(torch, dtype))
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    for f in tok_dir.iterdir():
        if f.is_file() and f.name != "SOURCE.txt":
            shutil.copy(f, out / f.name)
    note = {
        "registry_key": key,
        "hf_model_id_shape": spec.hf_model_id,
        "weights": "random",
        "seed": seed,
        "init_device": init_device,
        "dtype": dtype,
        "vocab_size": config.vocab_size,
        "original_vocab_size": original_vocab,
        "parameters": sum(p.numel() for p in model.parameters()),
        "tokenizer": f"data/snapshots/tokenizers/{TOKENIZER}",
    }
    (out / "greenlm_checkpoint.json").write_text(json.dumps(note, indent=2))
    return note


def _special_id(tok_dir: Path, attr: str) -> int | None:
    """The tokenizer's bos/eos/pad id (tokenizer_config.json names the token, tokenizer.json holds its id)."""
    cfg = json.loads((tok_dir / "tokenizer_config.json").read_text())
    name = cfg.get(attr.removesuffix("_id"))
    if isinstance(name, dict):
        name = name.get("content")
    if not name:
        return None
    for tok in json.loads((tok_dir / "tokenizer.json").read_text()).get("added_tokens", []):
        if tok["content"] == name:
            return int(tok["id"])
    return None


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m jobs.serving.checkpoint <registry key> <out dir>")
    print(json.dumps(build(sys.argv[1], Path(sys.argv[2])), indent=2))
