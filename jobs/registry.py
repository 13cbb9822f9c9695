"""Model registry: real architectures from their published ``config.json`` (stored in ``jobs/model_configs/``).

Weights are not stored. With no local folder and no explicit request for the hub, a model is built from its config
with random weights: the cost of a token does not depend on the weight values, and generation is forced to the
requested length, so every row says ``weights=random`` and stays comparable with ``weights=real`` runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CONFIG_DIR = Path(__file__).resolve().parent / "model_configs"
TOKENIZER_DIR = Path(__file__).resolve().parents[1] / "data" / "snapshots" / "tokenizers"


@dataclass(frozen=True)
class ModelSpec:
    key: str
    hf_model_id: str
    source: str
    tokenizer: str | None  # shipped tokenizer of the family, or None (then the SmolLM tokenizer stands in)
    config: dict[str, Any]
    weights: dict[str, Any] | None = (
        None  # real weights available offline (``--weights real``), see jobs/quality
    )

    @property
    def vocab_size(self) -> int:
        return int(self.config["vocab_size"])

    @property
    def model_type(self) -> str:
        return str(self.config["model_type"])


@cache
def registry() -> dict[str, ModelSpec]:
    """Every model in ``model_configs/``, by registry key."""
    out: dict[str, ModelSpec] = {}
    for path in sorted(CONFIG_DIR.glob("*.json")):
        doc = json.loads(path.read_text())
        meta = doc["greenlm"]
        out[meta["key"]] = ModelSpec(
            key=meta["key"],
            hf_model_id=meta["hf_model_id"],
            source=meta["source"],
            tokenizer=meta.get("tokenizer"),
            config=doc["config"],
            weights=meta.get("weights"),
        )
    return out


def get_model(key: str) -> ModelSpec:
    models = registry()
    if key not in models:
        raise KeyError(f"unknown model {key!r}; valid models: {', '.join(sorted(models))}")
    return models[key]


def real_weights_ref(spec: ModelSpec, weights_path: str | None = None) -> str:
    """The weights reference of ``--weights real``: ``--weights-path`` if given, else the registry's shipped weights."""
    if weights_path:
        return weights_path
    if spec.weights and spec.weights.get("ref"):
        return str(spec.weights["ref"])
    raise KeyError(
        f"model {spec.key!r} has no real weights available offline; pass --weights-path (a local folder or hub "
        f"id). Models with shipped weights: {', '.join(k for k, m in registry().items() if m.weights) or 'none'}"
    )


def hf_config(spec: ModelSpec):  # -> transformers.PretrainedConfig (heavy import kept local)
    from transformers import CONFIG_MAPPING

    # from_dict is the path hub configs take, so legacy keys (rope_scaling, rope_theta) are read the same way in
    # transformers 4.x and 5.x.
    return CONFIG_MAPPING[spec.model_type].from_dict(dict(spec.config))


@cache
def parameter_count(key: str) -> int:
    """Exact parameter count of the architecture (tied embeddings counted once), built on the meta device."""
    import torch
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(hf_config(get_model(key)))
    seen: set[int] = set()
    total = 0
    for p in model.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel()
    return total
