"""Where one decoding step's time goes on the GPU (``greenlm-bench profile``): the fast path's step timed as a CUDA
graph replay and as plain launches, its kernels counted and summed with the PyTorch profiler, the gap between kernel
time and step time (launch-bound vs bandwidth-bound), and a check that the graph path's tokens equal the plain path's.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from jobs import provenance as prov
from jobs.backends import STORED_BYTES, _torch_dtype, build_torch_model, fast_decoder
from jobs.fastpath import StaticGreedyDecoder
from jobs.registry import get_model, parameter_count


def _cuda_ms(fn: Any, reps: int) -> float:
    import torch

    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / reps


def profile_step(
    model_key: str, batch_size: int, *, precision: str = "bf16", prompt_tokens: int = 128, new_tokens: int = 128,
    steps_per_graph: int = 8, profiled_steps: int = 5, grouped_attention: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Profile the fast path's decoding step of ``model_key`` at ``batch_size`` (random weights, CUDA only)."""
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError("greenlm-bench profile needs a CUDA GPU; none is visible here")
    spec = get_model(model_key)
    model, weights = build_torch_model(spec, _torch_dtype(precision, "cuda"), "cuda", None)
    eos = spec.config.get("eos_token_id", 0)
    eos_ids = [int(e) for e in (eos if isinstance(eos, list) else [eos])]
    gen = torch.Generator(device="cuda").manual_seed(0)
    ids = torch.randint(100, 20000, (batch_size, prompt_tokens), device="cuda", generator=gen)
    mask = torch.ones_like(ids)
    decoder, _ = fast_decoder(
        model,
        precision,
        eos_ids,
        "cuda",
        grouped_attention=grouped_attention,
        steps_per_graph=steps_per_graph,
    )
    with torch.inference_mode():  # the cache is made of inference tensors: every use stays in this mode
        return _measure(decoder, model_key, weights, precision, ids, mask, new_tokens, profiled_steps)


def _measure(
    decoder: StaticGreedyDecoder, model_key: str, weights: str, precision: str, ids: Any, mask: Any,
    new_tokens: int, profiled_steps: int,
) -> dict[str, Any]:  # fmt: skip
    import torch
    from torch.profiler import ProfilerActivity, profile

    batch_size, prompt_tokens = ids.shape
    steps_per_graph = decoder.steps_per_graph
    t0 = time.perf_counter()
    graphed = decoder(ids, mask, new_tokens)  # compiles and captures
    torch.cuda.synchronize()
    setup_s = time.perf_counter() - t0
    steps = new_tokens - 1

    def graph_steps() -> None:
        decoder._prefill(ids, mask)
        decoder.decode(steps)

    def prefill_only() -> None:
        decoder._prefill(ids, mask)

    prefill_ms = _cuda_ms(prefill_only, 3)
    graph_ms = (_cuda_ms(graph_steps, 3) - prefill_ms) / steps
    # host time of the replay loop alone: if it approaches graph_ms, the host (not the GPU) sets the pace
    decoder._prefill(ids, mask)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    decoder.decode(steps)
    host_ms = (time.perf_counter() - t0) * 1e3 / steps
    torch.cuda.synchronize()

    def plain_steps() -> None:  # the same compiled step, launched kernel by kernel (no graph)
        decoder._prefill(ids, mask)
        for _ in range(steps):
            decoder._decode_one()

    plain_ms = (_cuda_ms(plain_steps, 1) - prefill_ms) / steps
    plain_tokens = decoder.out[:, :new_tokens].clone()
    decoder._prefill(ids, mask)
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(profiled_steps):
            decoder._decode_one()
        torch.cuda.synchronize()
    kernels = [e for e in prof.events() if e.device_type.name == "CUDA"]
    kernel_us = sum(e.time_range.elapsed_us() for e in kernels) / profiled_steps
    by_name: Counter[str] = Counter()
    for e in kernels:
        by_name[e.name[:80]] += e.time_range.elapsed_us() / profiled_steps
    params = parameter_count(model_key)
    gpu = prov.gpu_info(0)
    hw = prov.gpu_spec(gpu.get("gpu_name"))
    weight_ms = params * STORED_BYTES[precision] / hw["hbm_bytes_per_s"] * 1e3 if hw else None
    return {
        "model_key": model_key,
        "params_b": params / 1e9,
        "weights": weights,
        "precision": precision,
        "batch_size": batch_size,
        "prompt_tokens": prompt_tokens,
        "new_tokens": new_tokens,
        "steps_per_graph": steps_per_graph,
        "attention": "grouped" if decoder.grouped_attention else "transformers-sdpa",
        "setup_s": setup_s,
        "prefill_ms": prefill_ms,
        "step_ms_graph": graph_ms,
        "step_ms_plain_launches": plain_ms,
        "host_ms_per_step_graph_loop": host_ms,
        "kernels_per_step": len(kernels) / profiled_steps,
        "kernel_ms_per_step": kernel_us / 1e3,
        "gap_ms_per_step": graph_ms - kernel_us / 1e3,
        "weight_read_ms_at_bandwidth": weight_ms,
        "decode_tokens_per_s_graph": batch_size / graph_ms * 1e3,
        "top_kernels_ms": {k: round(v / 1e3, 4) for k, v in by_name.most_common(12)},
        "graph_tokens_equal_plain": bool(torch.equal(graphed[:, prompt_tokens:], plain_tokens)),
        "gpu_name": gpu.get("gpu_name"),
        "gpu_driver": gpu.get("gpu_driver"),
        "library_versions": prov.library_versions(),
        "timestamp_utc": prov.utc_now(),
    }
