"""The lean ONNX Runtime path (``--backend onnxruntime-lean``): a compact decoder graph built directly from a
Llama-family transformers model, and a greedy loop over one ORT session with no torch work per token.

Why (profile of ``--backend onnxruntime``, SmolLM-135M, 2-core CPU): optimum's export traced with the TorchScript
exporter has ~3,400 nodes per decoding step (mask and shape arithmetic recomputed in every layer, RMSNorm and rotary
as chains of elementwise ops), so node dispatch costs as much as the matmuls; its logits cover every prompt position
(49k-vocab lm_head over 128 positions in the prefill); and ``generate()`` runs small torch ops between ORT calls, which
contend with ORT's spinning intra-op threads. Here each layer is ~29 nodes: fused QKV and gate/up matmuls, ORT's
contrib RotaryEmbedding and (Skip)SimplifiedLayerNormalization, attention as two batched matmuls with the causal and
padding mask precomputed once per step (shared by all layers), the 1/sqrt(head_dim) scale folded into the query
weights, grouped-query attention by reshaping queries onto their KV head instead of repeating K/V, and the lm_head
applied to the last position only. KV caches stay ORT values between steps (``run_with_ort_values``).

``int8-dynamic`` quantizes that graph with ``onnxruntime.quantization.quantize_dynamic``: int8 weights (per output
channel by default), activations quantized to uint8 at run time, only MatMuls with a constant weight (attention's
activation x activation matmuls stay fp32), embedding Gather kept fp32 (it reads one row per token).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

SUPPORTED_TYPES = ("llama", "mistral", "qwen2")
MAX_CACHE_POSITIONS = 8192  # rotary table rows built into the graph; longer sequences are refused at run time
GRAPH_VERSION = 1  # bump when the graph changes: cached exports of an older version are rebuilt
_NEG = float(np.finfo(np.float32).min)  # transformers' masking value (a fully masked row stays finite)


class LeanUnsupported(ValueError):
    """The model cannot be exported to the lean graph (architecture or feature the builder does not cover)."""


def check_supported(config: Any) -> None:
    """Raise :class:`LeanUnsupported` naming the field when ``config`` is outside what :func:`export` builds."""
    mt = getattr(config, "model_type", None)
    if mt not in SUPPORTED_TYPES:
        raise LeanUnsupported(
            f"onnxruntime-lean builds Llama-family decoders ({', '.join(SUPPORTED_TYPES)}), not model_type={mt!r}"
        )
    if getattr(config, "mlp_bias", False):
        raise LeanUnsupported("onnxruntime-lean: mlp_bias=True is not supported")
    if getattr(config, "hidden_act", "silu") != "silu":
        raise LeanUnsupported(
            f"onnxruntime-lean: hidden_act={config.hidden_act!r} is not supported (silu only)"
        )
    if mt == "mistral" and getattr(config, "sliding_window", None):
        raise LeanUnsupported("onnxruntime-lean: sliding-window attention is not supported")


def _np(t: Any) -> np.ndarray:
    return t.detach().to("cpu").float().numpy()


def export(model: Any, out_dir: Path) -> Path:
    """Write ``model.onnx`` (+ external weights) for the transformers causal LM ``model`` into ``out_dir``.

    Inputs: ``input_ids`` [B,S] int64, ``position_ids`` [B,S] int64, ``attn_bias`` [B,1,G*S,T] float32 (additive
    causal + padding mask, rows repeated for the G query heads sharing a KV head), ``past_key.{i}`` [B,K,H,P]
    (keys stored transposed), ``past_value.{i}`` [B,K,P,H]. Outputs: ``logits`` [B,1,V] of the last position and
    ``present_key.{i}`` / ``present_value.{i}`` with P+S positions.
    """
    import onnx
    import torch
    from onnx import TensorProto, helper

    cfg = model.config
    check_supported(cfg)
    n_layers, n_heads = cfg.num_hidden_layers, cfg.num_attention_heads
    n_kv = getattr(cfg, "num_key_value_heads", None) or n_heads
    hidden = cfg.hidden_size
    head = getattr(cfg, "head_dim", None) or hidden // n_heads
    group = n_heads // n_kv
    eps = float(cfg.rms_norm_eps)
    inner = model.model
    max_pos = min(int(cfg.max_position_embeddings), MAX_CACHE_POSITIONS)

    # rotary tables from the model's own rotary module: whatever rope_scaling it implements is what the graph gets
    with torch.no_grad():
        pos = torch.arange(max_pos).unsqueeze(0)
        cos, sin = inner.rotary_emb(torch.zeros(1, dtype=torch.float32), pos)
    cos_c, sin_c = _np(cos[0, :, : head // 2]), _np(sin[0, :, : head // 2])

    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def init(name: str, arr: np.ndarray) -> str:
        inits.append(onnx.numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, ins: Sequence[str], outs: Sequence[str], domain: str = "", **attrs: Any) -> None:
        nodes.append(
            helper.make_node(op, list(ins), list(outs), name=f"n{len(nodes)}_{op}", domain=domain, **attrs)
        )

    init("cos_cache", cos_c)
    init("sin_cache", sin_c)
    init("shape_q", np.array([0, 0, n_heads, head], np.int64))
    init("shape_kv", np.array([0, 0, n_kv, head], np.int64))
    init("shape_qg", np.array([0, n_kv, -1, head], np.int64))
    init("shape_o", np.array([0, n_heads, -1, head], np.int64))
    init("shape_flat", np.array([0, 0, n_heads * head], np.int64))
    init("split_qkv", np.array([n_heads * head, n_kv * head, n_kv * head], np.int64))
    init("split_gu", np.array([cfg.intermediate_size, cfg.intermediate_size], np.int64))
    init("last_start", np.array([-1], np.int64))
    init("last_end", np.array([np.iinfo(np.int64).max], np.int64))
    init("axis1", np.array([1], np.int64))
    embed = init("embed", _np(inner.embed_tokens.weight))
    node("Gather", [embed, "input_ids"], ["h0"])
    scale = 1.0 / math.sqrt(head)
    residual, pending = "h0", None  # pending: the sublayer output not yet added to the residual stream
    for i, layer in enumerate(inner.layers):
        at, mlp = layer.self_attn, layer.mlp
        p = f"l{i}."
        w_ln1 = init(p + "ln1", _np(layer.input_layernorm.weight))
        if pending is None:
            node("SimplifiedLayerNormalization", [residual, w_ln1], [p + "x1"], axis=-1, epsilon=eps)
        else:
            node("SkipSimplifiedLayerNormalization", [pending, residual, w_ln1], [p + "x1", "", "", p + "r1"],
                 domain="com.microsoft", epsilon=eps)  # fmt: skip
            residual = p + "r1"
        # one QKV matmul; the softmax scale folded into the query rows (rotary is linear, so it commutes)
        wq, wk, wv = _np(at.q_proj.weight) * scale, _np(at.k_proj.weight), _np(at.v_proj.weight)
        node("MatMul", [p + "x1", init(p + "wqkv", np.concatenate([wq, wk, wv]).T)], [p + "qkv0"])
        qkv = p + "qkv0"
        if at.q_proj.bias is not None:
            bias = np.concatenate([_np(at.q_proj.bias) * scale, _np(at.k_proj.bias), _np(at.v_proj.bias)])
            node("Add", [qkv, init(p + "bqkv", bias)], [p + "qkv"])
            qkv = p + "qkv"
        node("Split", [qkv, "split_qkv"], [p + "q", p + "k", p + "v"], axis=-1)
        for t, nh in (("q", n_heads), ("k", n_kv)):
            node("RotaryEmbedding", [p + t, "position_ids", "cos_cache", "sin_cache"], [p + t + "r"],
                 domain="com.microsoft", interleaved=0, num_heads=nh)  # fmt: skip
        node("Reshape", [p + "qr", "shape_q"], [p + "q4"])
        node("Transpose", [p + "q4"], [p + "qt"], perm=[0, 2, 1, 3])  # [B,N,S,H]
        node("Reshape", [p + "qt", "shape_qg"], [p + "qg"])  # [B,K,G*S,H]: query heads grouped by KV head
        node("Reshape", [p + "kr", "shape_kv"], [p + "k4"])
        node("Transpose", [p + "k4"], [p + "kt"], perm=[0, 2, 3, 1])  # [B,K,H,S]
        node("Concat", [f"past_key.{i}", p + "kt"], [f"present_key.{i}"], axis=3)
        node("Reshape", [p + "v", "shape_kv"], [p + "v4"])
        node("Transpose", [p + "v4"], [p + "vt"], perm=[0, 2, 1, 3])  # [B,K,S,H]
        node("Concat", [f"past_value.{i}", p + "vt"], [f"present_value.{i}"], axis=2)
        node("MatMul", [p + "qg", f"present_key.{i}"], [p + "sc"])
        node("Add", [p + "sc", "attn_bias"], [p + "scm"])
        node("Softmax", [p + "scm"], [p + "pr"], axis=-1)
        node("MatMul", [p + "pr", f"present_value.{i}"], [p + "ctx"])  # [B,K,G*S,H]
        node("Reshape", [p + "ctx", "shape_o"], [p + "ctx4"])  # [B,N,S,H]
        node("Transpose", [p + "ctx4"], [p + "ctxt"], perm=[0, 2, 1, 3])
        node("Reshape", [p + "ctxt", "shape_flat"], [p + "ctxf"])
        node("MatMul", [p + "ctxf", init(p + "wo", _np(at.o_proj.weight).T)], [p + "ao"])
        w_ln2 = init(p + "ln2", _np(layer.post_attention_layernorm.weight))
        node("SkipSimplifiedLayerNormalization", [p + "ao", residual, w_ln2], [p + "x2", "", "", p + "r2"],
             domain="com.microsoft", epsilon=eps)  # fmt: skip
        residual = p + "r2"
        wgu = np.concatenate([_np(mlp.gate_proj.weight), _np(mlp.up_proj.weight)]).T
        node("MatMul", [p + "x2", init(p + "wgu", wgu)], [p + "gu"])
        node("Split", [p + "gu", "split_gu"], [p + "g", p + "u"], axis=-1)
        node("Sigmoid", [p + "g"], [p + "gs"])
        node("Mul", [p + "g", p + "gs"], [p + "silu"])
        node("Mul", [p + "silu", p + "u"], [p + "act"])
        node("MatMul", [p + "act", init(p + "wd", _np(mlp.down_proj.weight).T)], [p + "mo"])
        pending = p + "mo"
    # only the last position's logits: the prompt's other positions would cost a vocab-sized matmul each
    node("Slice", [pending, "last_start", "last_end", "axis1"], ["mo_last"])
    node("Slice", [residual, "last_start", "last_end", "axis1"], ["res_last"])
    node("SkipSimplifiedLayerNormalization", ["mo_last", "res_last", init("ln_f", _np(inner.norm.weight))],
         ["hf"], domain="com.microsoft", epsilon=eps)  # fmt: skip
    node("MatMul", ["hf", init("lm_head", _np(model.lm_head.weight).T)], ["logits"])

    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    inputs = [
        helper.make_tensor_value_info("input_ids", i64, ["B", "S"]),
        helper.make_tensor_value_info("position_ids", i64, ["B", "S"]),
        helper.make_tensor_value_info("attn_bias", f32, ["B", 1, "GS", "T"]),
    ]
    outputs = [helper.make_tensor_value_info("logits", f32, ["B", 1, int(cfg.vocab_size)])]
    for i in range(n_layers):
        inputs += [
            helper.make_tensor_value_info(f"past_key.{i}", f32, ["B", n_kv, head, "P"]),
            helper.make_tensor_value_info(f"past_value.{i}", f32, ["B", n_kv, "P", head]),
        ]
        outputs += [
            helper.make_tensor_value_info(f"present_key.{i}", f32, ["B", n_kv, head, "T"]),
            helper.make_tensor_value_info(f"present_value.{i}", f32, ["B", n_kv, "T", head]),
        ]
    graph = helper.make_graph(nodes, "lean_decoder", inputs, outputs, inits)
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="greenlm ort_lean")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "model.onnx"
    onnx.save(proto, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
              location="model.onnx.data", size_threshold=1024)  # fmt: skip
    meta = {"graph_version": GRAPH_VERSION, "layers": n_layers, "kv_heads": n_kv, "head_dim": head,
            "group": group, "vocab": int(cfg.vocab_size), "max_positions": max_pos}  # fmt: skip
    (out_dir / "lean.json").write_text(json.dumps(meta, indent=1))
    return path


def quantize(fp32_dir: Path, out_dir: Path, *, per_channel: bool = True) -> Path:
    """Dynamic int8 of the lean graph: int8 weights, uint8 activations quantized at run time, constant-weight
    MatMuls only (the attention matmuls multiply two activations and stay fp32)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "model.onnx"
    quantize_dynamic(
        fp32_dir / "model.onnx",
        path,
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
        op_types_to_quantize=["MatMul"],
        use_external_data_format=True,
        extra_options={
            "MatMulConstBOnly": True,
            "DefaultTensorType": 1,
        },  # 1 = FLOAT: contrib ops defeat type inference
    )
    meta = json.loads((fp32_dir / "lean.json").read_text())
    meta["quantization"] = {"weights": "int8", "per_channel": per_channel, "activations": "uint8 dynamic"}
    (out_dir / "lean.json").write_text(json.dumps(meta, indent=1))
    return path


def is_current(model_dir: Path) -> bool:
    """A complete export of this graph version is in ``model_dir``."""
    meta = model_dir / "lean.json"
    return (
        (model_dir / "model.onnx").exists()
        and meta.exists()
        and (json.loads(meta.read_text()).get("graph_version") == GRAPH_VERSION)
    )


def session(model_dir: Path, threads: int | None, *, spinning: bool = True) -> Any:
    """An ORT CPU session with every graph optimisation; ``threads`` intra-op threads (None: ORT's default)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(str(model_dir / "model.onnx"), so, providers=["CPUExecutionProvider"])


class LeanGreedyDecoder:
    """``decoder(input_ids, attention_mask, new_tokens) -> sequences``: greedy like ``generate()`` with
    ``min_new_tokens == max_new_tokens`` (EOS suppressed) over a lean graph session; left padding handled as in
    transformers (positions count real tokens, padded keys masked)."""

    def __init__(self, sess: Any, meta: dict[str, Any], eos_ids: Sequence[int]) -> None:
        import onnxruntime as ort

        self.sess = sess
        self.meta = meta
        self.eos = np.array(sorted(set(eos_ids)), dtype=np.int64)
        self._ov = ort.OrtValue.ortvalue_from_numpy
        self._out_names = [o.name for o in sess.get_outputs()]

    def _bias(self, mask: np.ndarray, n_new: int) -> np.ndarray:
        """Additive mask [B,1,G*S,T] for the last ``n_new`` query positions over all ``T`` keys of ``mask``."""
        b, t = mask.shape
        q_pos = np.arange(t - n_new, t)
        allowed = (mask[:, None, :] == 1) & (np.arange(t)[None, None, :] <= q_pos[None, :, None])  # [B,S,T]
        bias = np.where(allowed, np.float32(0), np.float32(_NEG)).astype(np.float32)
        return np.ascontiguousarray(np.tile(bias, (1, self.meta["group"], 1))[:, None])

    def _prefill_feeds(self, ids: np.ndarray, mask: np.ndarray) -> tuple[dict[str, Any], np.ndarray]:
        b, s = ids.shape
        k, h = self.meta["kv_heads"], self.meta["head_dim"]
        pos = np.where(
            mask == 1, np.cumsum(mask, axis=-1) - 1, 1
        )  # transformers' positions under left padding
        feeds = {
            "input_ids": self._ov(np.ascontiguousarray(ids)),
            "position_ids": self._ov(np.ascontiguousarray(pos)),
            "attn_bias": self._ov(self._bias(mask, s)),
        }
        for i in range(self.meta["layers"]):
            feeds[f"past_key.{i}"] = self._ov(np.zeros((b, k, h, 0), np.float32))
            feeds[f"past_value.{i}"] = self._ov(np.zeros((b, k, 0, h), np.float32))
        return feeds, pos

    def prompt_logits(self, input_ids: Any, attention_mask: Any) -> np.ndarray:
        """Logits [B,V] of the token after each prompt (what the first greedy step reads)."""
        ids = input_ids.detach().cpu().numpy().astype(np.int64)
        mask = attention_mask.detach().cpu().numpy().astype(np.int64)
        feeds, _ = self._prefill_feeds(ids, mask)
        return self.sess.run_with_ort_values(["logits"], feeds)[0].numpy()[:, -1, :]

    def __call__(self, input_ids: Any, attention_mask: Any, new_tokens: int) -> Any:
        """Exactly ``new_tokens`` greedy tokens per sequence (EOS suppressed), as the harness measures."""
        return self._greedy(input_ids, attention_mask, new_tokens, new_tokens, self.eos, stop=None, pad_id=0)

    def generate(
        self,
        input_ids: Any,
        attention_mask: Any = None,
        *,
        max_new_tokens: int,
        min_new_tokens: int = 0,
        eos_token_id: int | Sequence[int] | None = None,
        pad_token_id: int | None = None,
        do_sample: bool = False,
        **unused: Any,
    ) -> Any:
        """The subset of transformers' ``generate()`` that greedy callers use (the quality run): stops when every
        sequence has emitted one of ``eos_token_id`` (suppressed before ``min_new_tokens``), pads finished ones."""
        if do_sample:
            raise ValueError("onnxruntime-lean decodes greedily only (do_sample=False)")
        import torch

        stops = (
            [] if eos_token_id is None else [eos_token_id] if isinstance(eos_token_id, int) else eos_token_id
        )
        stop = np.array(sorted(set(stops)), dtype=np.int64)
        mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask
        pad = stops[0] if pad_token_id is None and stops else (pad_token_id or 0)
        return self._greedy(input_ids, mask, max_new_tokens, min_new_tokens, stop, stop=stop, pad_id=pad)

    def _greedy(
        self,
        input_ids: Any,
        attention_mask: Any,
        max_new: int,
        min_new: int,
        suppress: np.ndarray,
        stop: np.ndarray | None,
        pad_id: int,
    ) -> Any:
        import torch

        ids = input_ids.detach().cpu().numpy().astype(np.int64)
        mask = attention_mask.detach().cpu().numpy().astype(np.int64)
        b, s = ids.shape
        if s + max_new > self.meta["max_positions"]:
            raise ValueError(
                f"onnxruntime-lean: prompt {s} + {max_new} new tokens exceeds the "
                f"{self.meta['max_positions']} positions built into the graph"
            )
        feeds, pos = self._prefill_feeds(ids, mask)
        out = np.full((b, max_new), pad_id, np.int64)
        done = np.zeros(b, dtype=bool)
        last_pos = pos[:, -1:]
        n_out = max_new
        for n in range(max_new):
            res = self.sess.run_with_ort_values(self._out_names, feeds)
            logits = res[0].numpy()[:, -1, :]
            if n < min_new and suppress.size:
                logits[:, suppress] = -np.inf
            nxt = np.where(done, pad_id, logits.argmax(-1))
            out[:, n] = nxt
            if stop is not None and stop.size:
                done |= np.isin(nxt, stop)
                if done.all():
                    n_out = n + 1
                    break
            if n + 1 == max_new:
                break
            mask = np.concatenate([mask, np.ones((b, 1), np.int64)], axis=1)
            last_pos = last_pos + 1
            feeds = {
                "input_ids": self._ov(nxt[:, None].astype(np.int64)),
                "position_ids": self._ov(np.ascontiguousarray(last_pos)),
                "attn_bias": self._ov(self._bias(mask, 1)),
            }
            for i in range(self.meta["layers"]):  # presents become the next step's pasts, never leaving ORT
                feeds[f"past_key.{i}"] = res[1 + 2 * i]
                feeds[f"past_value.{i}"] = res[2 + 2 * i]
        return torch.cat([input_ids.cpu(), torch.from_numpy(out[:, :n_out])], dim=1)
