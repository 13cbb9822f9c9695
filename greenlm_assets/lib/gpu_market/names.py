"""One name per GPU model across price lists, spec tables and shops: ``normalise_gpu_name``.

Key scheme (``gpu_key``), lower case, hyphen separated::

    <model>[-<form>]-<memory>gb          e.g. h100-sxm-80gb, h100-pcie-80gb, h100-nvl-94gb, a100-sxm-40gb,
                                               h200-sxm-141gb, l4-24gb, rtx-4090-24gb, rtx-a6000-48gb, mi300x-192gb

- ``<model>``: the chip as sold, vendor words dropped ("NVIDIA", "Tesla", "GeForce", "AMD Instinct");
  consumer/workstation cards keep their ``rtx-`` / ``quadro-rtx-`` prefix (``rtx-a6000``, ``quadro-rtx-6000``).
- ``<form>``: only for models sold in several form factors (A100, H100, H200, V100, P100, A800, H800):
  ``sxm`` (SXM2..6, HGX, "HBM3" H100s), ``pcie``, ``nvl``. Unstated form means the flagship ``sxm`` part
  (an unqualified "H100" in a price list is the SXM5 HGX part; the PCIe one is always labelled).
- ``<memory>``: always present. An explicit size is snapped to the model's nearest known size when within 10 %
  (H100 NVL sold as 94 or 96 GB, H200 NVL as 141 or 143 GB); an unstated size is the model's default (the first
  in its list). A size far from every known one makes the name unknown rather than guessed.

Names that do not describe a single whole GPU (MIG slices, CPUs, TPUs the table does not know) return ``None``:
callers keep such rows and report them, they never drop them silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class GpuModel:
    """A model family: its key stem, the form factors it comes in and its memory sizes per form (GB)."""

    stem: str
    memory_gb: dict[
        str, tuple[int, ...]
    ]  # form ('' when the model has a single form) -> known sizes, default first
    default_form: str = ""


def _m(stem: str, *sizes: int) -> GpuModel:
    return GpuModel(stem, {"": sizes})


# Pattern (matched on the cleaned, upper-case name) -> model. Order matters: longer names first.
_MODELS: list[tuple[str, GpuModel]] = [
    (r"\bGB300\b", _m("gb300", 288)),
    (r"\bGB200\b", _m("gb200", 186, 192)),
    (r"\bGH200\b", _m("gh200", 96, 144)),
    (r"\bB300\b", _m("b300", 288)),
    (r"\bB200\b", _m("b200", 180, 192)),
    (r"\bB100\b", _m("b100", 192)),
    (r"\bH200\b", GpuModel("h200", {"sxm": (141,), "nvl": (141,)}, "sxm")),
    (r"\bH100\b", GpuModel("h100", {"sxm": (80,), "pcie": (80, 96), "nvl": (94,)}, "sxm")),
    (r"\bH800\b", GpuModel("h800", {"sxm": (80,), "pcie": (80,)}, "sxm")),
    (r"\bH20\b", _m("h20", 96)),
    (r"\bA800\b", GpuModel("a800", {"sxm": (80, 40), "pcie": (80, 40)}, "sxm")),
    (r"\bA100\b", GpuModel("a100", {"sxm": (40, 80), "pcie": (40, 80)}, "sxm")),
    (r"\bV100S\b", _m("v100s", 32)),
    (r"\bV100\b", GpuModel("v100", {"sxm": (16, 32), "pcie": (16, 32)}, "sxm")),
    (r"\bP100\b", GpuModel("p100", {"sxm": (16,), "pcie": (16, 12)}, "pcie")),
    (r"\bL40S\b", _m("l40s", 48)),
    (r"\bL40\b", _m("l40", 48)),
    (r"\bL20\b", _m("l20", 48)),
    (r"\bL4\b", _m("l4", 24)),
    (r"\bA10G\b", _m("a10g", 24)),
    (r"\bA10\b", _m("a10", 24)),
    (r"\bA40\b", _m("a40", 48)),
    (r"\bA30\b", _m("a30", 24)),
    (r"\bA16\b", _m("a16", 64)),
    (r"\bT4\b", _m("t4", 16)),
    (r"\bP40\b", _m("p40", 24)),
    (r"\bP4\b", _m("p4", 8)),
    (r"\bK80\b", _m("k80", 24, 12)),  # clouds rent one of its two 12 GB dies
    (r"\bM60\b", _m("m60", 16)),
    (r"\bMI355X\b", _m("mi355x", 288)),
    (r"\bMI325X\b", _m("mi325x", 256)),
    (r"\bMI300X\b", _m("mi300x", 192)),
    (r"\bMI250X\b", _m("mi250x", 128)),
    # Workstation cards (Blackwell RTX PRO, Ada, Ampere "RTX A", Turing "Quadro RTX").
    (r"\bRTX PRO 6000\b", _m("rtx-pro-6000", 96)),
    (r"\bRTX PRO 5000\b", _m("rtx-pro-5000", 48)),
    (r"\bRTX PRO 4500\b", _m("rtx-pro-4500", 32)),
    (r"\bRTX PRO 4000\b", _m("rtx-pro-4000", 24)),
    (r"\bRTX 6000 ADA\b", _m("rtx-6000-ada", 48)),
    (r"\bRTX 5000 ADA\b", _m("rtx-5000-ada", 32)),
    (r"\bRTX 4000 SFF ADA\b|\bRTX 4000 ADA SFF\b", _m("rtx-4000-sff-ada", 20)),
    (r"\bRTX 4000 ADA\b", _m("rtx-4000-ada", 20)),
    (r"\bRTX 2000 ADA\b", _m("rtx-2000-ada", 16)),
    (r"\bRTX A6000\b|^A6000\b", _m("rtx-a6000", 48)),
    (r"\bRTX A5000\b|^A5000\b", _m("rtx-a5000", 24)),
    (r"\bRTX A4500\b|^A4500\b", _m("rtx-a4500", 20)),
    (r"\bRTX A4000\b|^A4000\b", _m("rtx-a4000", 16)),
    (r"\bRTX A2000\b|^A2000\b", _m("rtx-a2000", 6, 12)),
    (r"\bQUADRO RTX 8000\b|^RTX 8000\b", _m("quadro-rtx-8000", 48)),
    (r"\bQUADRO RTX 6000\b|^RTX 6000\b", _m("quadro-rtx-6000", 24)),
    (r"\bQUADRO RTX 5000\b|^RTX 5000\b", _m("quadro-rtx-5000", 16)),
    (r"\bQUADRO RTX 4000\b|^RTX 4000\b", _m("quadro-rtx-4000", 8)),
    # GeForce cards.
    (r"\b(?:RTX )?5090\b", _m("rtx-5090", 32)),
    (r"\b(?:RTX )?5080\b", _m("rtx-5080", 16)),
    (r"\b(?:RTX )?4090\b", _m("rtx-4090", 24)),
    (r"\b(?:RTX )?4080 SUPER\b", _m("rtx-4080-super", 16)),
    (r"\b(?:RTX )?4080\b", _m("rtx-4080", 16)),
    (r"\b(?:RTX )?4070 TI\b", _m("rtx-4070-ti", 12)),
    (r"\b(?:RTX )?4070\b", _m("rtx-4070", 12)),
    (r"\b(?:RTX )?4060 TI\b", _m("rtx-4060-ti", 8, 16)),
    (r"\b(?:RTX )?3090 TI\b", _m("rtx-3090-ti", 24)),
    (r"\b(?:RTX )?3090\b", _m("rtx-3090", 24)),
    (r"\b(?:RTX )?3080 TI\b", _m("rtx-3080-ti", 12)),
    (r"\b(?:RTX )?3080\b", _m("rtx-3080", 10, 12)),
    (r"\b(?:RTX )?3070\b", _m("rtx-3070", 8)),
    (r"\b(?:RTX )?2080 TI\b", _m("rtx-2080-ti", 11)),
    (r"\b(?:RTX )?2080\b", _m("rtx-2080", 8)),
]
_COMPILED = [(re.compile(p), m) for p, m in _MODELS]

# Vendor and packaging words that never change which GPU is meant.
_NOISE = re.compile(
    r"\b(NVIDIA|TESLA|GEFORCE|AMD|INSTINCT|RADEON|GRAPHICS CARD|FOUNDERS EDITION|GPU|TENSOR CORE|"
    r"GENERATION|SERVER EDITION|WORKSTATION EDITION|MAX-Q|MAXQ|BLACKWELL|HOPPER|AMPERE|AC)\b"
)
# Accelerators of other vendors whose names contain an NVIDIA-like token ("BI-V100").
_OTHER_VENDOR = re.compile(
    r"\b(TIANSHU|ILUVATAR|HUAWEI|ASCEND|CAMBRICON|BAIDU|KUNLUN|BIREN|METAX|MOORE|GOOGLE|HABANA)\b"
)
_MEMORY = re.compile(r"\b(\d{1,3})\s*(?:GB|G)\b")
_MIG = re.compile(r"\bMIG\b|\b\d+G\.\d+GB\b")


def _clean(name: str) -> str:
    s = name.upper().replace(
        "PCLE", "PCIE"
    )  # "PCle" (lower-case L) is a common typo, e.g. in Amazon listings
    s = re.sub(r"[_/()\[\],]+", " ", s)
    # Split glued tokens: "A100-SXM4-80GB", "3080TI", "RTX4000", "80GB".
    s = re.sub(r"-", " ", s)
    s = re.sub(r"\b(RTX)(\d)", r"\1 \2", s)
    s = re.sub(r"(\d)(TI|SUPER)\b", r"\1 \2", s)
    s = re.sub(r"(\d)\s*(GB)\b", r"\1 GB", s)
    return re.sub(r"\s+", " ", s).strip()


def _form(s: str, model: GpuModel) -> str | None:
    forms = model.memory_gb
    if "" in forms:
        return ""
    if "NVL" in s.split():
        found = "nvl"
    elif re.search(r"\bPCIE\b", s):
        found = "pcie"
    elif re.search(r"\bSXM\d?\b|\bHGX\b|\bHBM3\b|\bDGXS?\b|\bOAM\b", s):
        found = "sxm"
    else:
        found = model.default_form
    return found if found in forms else None


def _memory(s: str, sizes: tuple[int, ...]) -> int | None:
    stated = [int(x) for x in _MEMORY.findall(s)]
    if not stated:
        return sizes[0]
    gb = stated[-1]
    best = min(sizes, key=lambda k: abs(k - gb))
    return best if abs(best - gb) <= 0.1 * best else None


@lru_cache(maxsize=4096)
def normalise_gpu_name(name: str | None) -> str | None:
    """Map any spelling of a GPU to its ``gpu_key`` (see module docstring); ``None`` when not one known GPU."""
    if not name or not str(name).strip():
        return None
    raw = _clean(str(name))
    if _MIG.search(raw) or _OTHER_VENDOR.search(raw):
        return None  # a slice of a GPU is not a GPU model
    s = _NOISE.sub(" ", raw)
    s = re.sub(r"\s+", " ", s).strip()
    for pattern, model in _COMPILED:
        if pattern.search(s):
            form = _form(s, model)
            if form is None:
                return None
            memory = _memory(s, model.memory_gb[form])
            if memory is None:
                return None
            return "-".join(p for p in (model.stem, form, f"{memory}gb") if p)
    return None
