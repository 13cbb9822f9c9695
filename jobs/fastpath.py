"""The fast decoding path: greedy decoding with a static KV cache, a ``torch.compile``d one-token step, and on CUDA
that step captured once as a CUDA graph and replayed for every token.

Why: at batch 1 a model of a few billion parameters or less is bound by the host — Python, ``generate()``'s
logits processors and stopping criteria, one kernel launch per op — not by the GPU. transformers' own compiled path
(``cache_implementation="static"``) still runs ``generate()``'s Python loop around the compiled forward (about 3 ms
per token on the H200, whatever the model size). Here the loop holds no host work at all: token, position and cache
position live in fixed device tensors that the graph itself advances, so a token costs one graph replay.

Attention in the decoding step is grouped-query native (``grouped_decode_attention``): transformers' SDPA path
passes a mask over the static cache, and with a mask it copies every key/value head ``heads / kv_heads`` times before
attention (``repeat_kv``) -- on Llama-3.1-8B at batch 64 that copy and the 4x larger attention read took 5.3 of a
10.6 ms step on the H200. Here the query heads of a group attend to their one key/value head directly.

The same loop runs without compile and graph (``compile_step=False, cuda_graph=False``) on any device; tests check on
CPU that it produces exactly the tokens ``generate()`` produces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

GROUPED_ATTENTION = "greenlm_grouped_decode"


def grouped_decode_attention(
    module: Any, query: Any, key: Any, value: Any, attention_mask: Any, dropout: float = 0.0,
    scaling: float | None = None, is_causal: bool | None = None, **kwargs: Any,
) -> tuple[Any, None]:  # fmt: skip
    """transformers' attention-function signature. For a one-token query, each group of ``heads / kv_heads`` query
    heads becomes ``heads / kv_heads`` query rows against its single key/value head -- the same arithmetic as repeating
    the key/value heads, without materialising them. Anything else (the prefill) goes to transformers' SDPA."""
    import torch
    from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS

    batch, heads, q_len, head_dim = query.shape
    kv_heads = key.shape[1]
    if q_len != 1 or kv_heads == heads:
        return ALL_ATTENTION_FUNCTIONS["sdpa"](
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, is_causal=is_causal, **kwargs
        )  # fmt: skip
    q = query.reshape(
        batch, kv_heads, heads // kv_heads, head_dim
    )  # head h = kv * group + g, as repeat_kv orders it
    mask = attention_mask
    if mask is not None and mask.ndim == 4:
        mask = mask[:, :, :, : key.shape[-2]]  # (batch, 1, 1, keys): broadcasts over the group's rows
    out = torch.nn.functional.scaled_dot_product_attention(
        q, key, value, attn_mask=mask, dropout_p=dropout, scale=scaling
    )
    return out.reshape(batch, heads, 1, head_dim).transpose(1, 2).contiguous(), None


def use_grouped_decode_attention(model: Any) -> bool:
    """Switch ``model`` (an SDPA model with grouped key/value heads) to ``grouped_decode_attention``; False where it
    does not apply (another attention implementation, e.g. Gemma-2's soft-capped eager, or no grouping)."""
    from transformers import AttentionInterface, AttentionMaskInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS

    cfg = model.config
    heads = getattr(cfg, "num_attention_heads", None)
    kv_heads = getattr(cfg, "num_key_value_heads", None) or heads
    if cfg._attn_implementation != "sdpa" or not heads or kv_heads == heads:
        return False
    AttentionInterface.register(GROUPED_ATTENTION, grouped_decode_attention)
    AttentionMaskInterface.register(
        GROUPED_ATTENTION, ALL_MASK_ATTENTION_FUNCTIONS["sdpa"]
    )  # same masks as SDPA
    model.set_attn_implementation(GROUPED_ATTENTION)
    return cfg._attn_implementation == GROUPED_ATTENTION


class StaticGreedyDecoder:
    """``decoder(input_ids, attention_mask, new_tokens) -> sequences`` like ``generate()`` with greedy decoding,
    ``min_new_tokens == max_new_tokens`` (EOS suppressed: every sequence is generated to the requested length)
    and a static KV cache of ``prompt width + new_tokens`` positions.

    Left-padded batches work as in ``generate()``: position ids count only real tokens, padded keys are masked.
    """

    def __init__(
        self,
        model: Any,
        eos_ids: Sequence[int],
        *,
        compile_step: bool = True,
        cuda_graph: bool = True,
        compile_mode: str | None = None,
        steps_per_graph: int = 8,
        grouped_attention: bool = True,
    ) -> None:
        self.model = model
        self.grouped_attention = grouped_attention and use_grouped_decode_attention(model)
        self.eos_ids = list(eos_ids)
        self.compile_step = compile_step
        self.cuda_graph = cuda_graph
        self.compile_mode = compile_mode
        # one replay advances this many tokens: fewer host calls per token (a graph of one step is also kept for the
        # remainder, so any length is exact)
        self.steps_per_graph = max(1, steps_per_graph)
        self._shape: tuple[int, int, int] | None = None  # (batch, prompt width, capacity in new tokens)
        self._graphs: dict[int, Any] = {}
        self._step_fn: Callable[..., Any] | None = None

    # -- setup -------------------------------------------------------------------------------------------------
    def _forward_next(self, tok: Any, pos: Any, cpos: Any, mask: Any) -> Any:
        """One forward over ``tok`` at ``cpos``; the greedy next token with EOS suppressed."""
        logits = self.model(
            input_ids=tok,
            position_ids=pos,
            cache_position=cpos,
            attention_mask=mask,
            past_key_values=self.cache,
            use_cache=True,
            logits_to_keep=1,
        ).logits[:, -1, :]
        if self.eos_ids:
            logits = logits.index_fill(-1, self.eos, float("-inf"))
        return logits.argmax(dim=-1)

    def _decode_one(self) -> None:
        """Advance every sequence by one token, entirely on the device (this is what the CUDA graph replays)."""
        assert self._step_fn is not None
        nxt = self._step_fn(self.tok, self.pos, self.cpos, self.mask)
        self.out.index_copy_(1, self.k, nxt.unsqueeze(1))
        self.tok.copy_(nxt.unsqueeze(1))
        self.pos.add_(1)
        self.cpos.add_(1)
        self.k.add_(1)

    def _setup(self, input_ids: Any, attention_mask: Any, capacity: int) -> None:
        import torch
        from transformers import StaticCache

        batch, width = input_ids.shape
        dev = input_ids.device
        self.cache = StaticCache(config=self.model.config, max_cache_len=width + capacity)
        self.mask = torch.ones((batch, width + capacity), dtype=torch.long, device=dev)
        self.tok = torch.zeros((batch, 1), dtype=torch.long, device=dev)
        self.pos = torch.zeros((batch, 1), dtype=torch.long, device=dev)
        self.cpos = torch.zeros((1,), dtype=torch.long, device=dev)
        self.k = torch.zeros((1,), dtype=torch.long, device=dev)
        self.out = torch.zeros((batch, capacity), dtype=torch.long, device=dev)
        self.eos = torch.tensor(self.eos_ids or [0], dtype=torch.long, device=dev)
        self._shape = (batch, width, capacity)
        self._graphs = {}
        # fullgraph: a graph break would put host work back into every token
        self._step_fn = (
            torch.compile(self._forward_next, fullgraph=True, mode=self.compile_mode)
            if self.compile_step
            else self._forward_next
        )
        # the prefill allocates the cache (lazily, on its first update) before anything is compiled or captured
        self._prefill(input_ids, attention_mask)
        if self.cuda_graph and dev.type == "cuda":
            # warm-up (compilation happens here) on a side stream, as graph capture requires, then capture one step
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(2):
                    self._decode_one()
            torch.cuda.current_stream().wait_stream(side)
            pool = None
            for k in sorted({1, self.steps_per_graph}):
                graph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(graph, pool=pool):
                    for _ in range(k):
                        self._decode_one()
                pool = graph.pool()  # the graphs run one after the other: they can share one memory pool
                self._graphs[k] = graph
        elif self.compile_step:
            self._decode_one()  # compile now, not inside the first measured call

    def _prefill(self, input_ids: Any, attention_mask: Any) -> None:
        """Reset the cache and the static tensors, run the prompt, write the first generated token."""
        import torch

        width = input_ids.shape[1]
        self.cache.reset()
        self.mask[:, :width].copy_(attention_mask)
        self.mask[:, width:].fill_(1)
        # as generate() does for left padding: positions count real tokens only
        pos = (attention_mask.long().cumsum(-1) - 1).clamp_(min=0)
        cpos = torch.arange(width, device=input_ids.device)
        first = self._forward_next(input_ids, pos, cpos, self.mask)
        self.out.zero_()
        self.out[:, 0].copy_(first)
        self.tok.copy_(first.unsqueeze(1))
        self.pos.copy_(pos[:, -1:] + 1)
        self.cpos.fill_(width)
        self.k.fill_(1)

    def decode(self, steps: int) -> None:
        """Advance ``steps`` tokens after a prefill: graph replays on CUDA, the plain step elsewhere."""
        if not self._graphs:
            for _ in range(steps):
                self._decode_one()
            return
        k = self.steps_per_graph
        for _ in range(steps // k):
            self._graphs[k].replay()
        for _ in range(steps % k):
            self._graphs[1].replay()

    # -- use -----------------------------------------------------------------------------------------------------
    def __call__(self, input_ids: Any, attention_mask: Any, new_tokens: int) -> Any:
        import torch

        if new_tokens < 1:
            raise ValueError(f"new_tokens must be >= 1, got {new_tokens}")
        batch, width = input_ids.shape
        with torch.inference_mode():
            if self._shape is None or self._shape[:2] != (batch, width) or self._shape[2] < new_tokens:
                # >= 3: the setup's two warm-up steps write tokens 1 and 2
                cap = max(new_tokens, self._shape[2] if self._shape else 0, 3)
                self._setup(input_ids, attention_mask, cap)
            self._prefill(input_ids, attention_mask)
            self.decode(new_tokens - 1)
            return torch.cat([input_ids, self.out[:, :new_tokens].clone()], dim=1)
