"""jobs/fastpath.py: the hand-written greedy loop gives exactly generate()'s tokens (left padding, forced length)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from jobs.fastpath import StaticGreedyDecoder  # noqa: E402

EOS = 2
PAD = 0


def _tiny_model():
    cfg = transformers.LlamaConfig(
        vocab_size=97, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=256, eos_token_id=EOS, pad_token_id=PAD,
    )  # fmt: skip
    torch.manual_seed(0)
    return transformers.AutoModelForCausalLM.from_config(cfg, dtype=torch.float32).eval()


def _left_padded(prompts: list[list[int]]):
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), PAD, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, width - len(p) :] = torch.tensor(p)
        mask[i, width - len(p) :] = 1
    return ids, mask


def _reference(model, ids, mask, n: int):
    with torch.inference_mode():
        return model.generate(
            input_ids=ids, attention_mask=mask, max_new_tokens=n, min_new_tokens=n, do_sample=False,
            pad_token_id=PAD, eos_token_id=[EOS],
        )  # fmt: skip


@pytest.mark.parametrize("grouped", [True, False])
def test_static_greedy_loop_matches_generate_with_left_padding(grouped: bool) -> None:
    model, reference = _tiny_model(), _tiny_model()  # same seed: the reference keeps transformers' own SDPA
    ids, mask = _left_padded([[5, 17, 33, 8, 9, 41, 12], [7, 3, 60], [11, 12, 13, 14, 15]])
    decoder = StaticGreedyDecoder(
        model, [EOS], compile_step=False, cuda_graph=False, grouped_attention=grouped
    )
    assert decoder.grouped_attention is grouped
    assert model.config._attn_implementation == ("greenlm_grouped_decode" if grouped else "sdpa")
    assert reference.config._attn_implementation == "sdpa"
    for n in (12, 1, 7):  # shrinking requests reuse the cache; the first call sized it
        got = decoder(ids, mask, n)
        want = _reference(reference, ids, mask, n)
        assert got.shape == (3, ids.shape[1] + n)
        assert torch.equal(got, want), (
            f"n={n}: {got[:, ids.shape[1] :].tolist()} != {want[:, ids.shape[1] :].tolist()}"
        )
        assert not (got[:, ids.shape[1] :] == EOS).any()  # forced length: EOS suppressed like min_new_tokens


def test_grouped_decode_attention_equals_repeated_kv_sdpa() -> None:
    """The grouped one-token attention is the same arithmetic as transformers' SDPA with key/value heads repeated."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    from jobs.fastpath import grouped_decode_attention

    class Attn(torch.nn.Module):
        num_key_value_groups = 4
        is_causal = True

    gen = torch.Generator().manual_seed(1)
    q = torch.randn(3, 8, 1, 16, generator=gen)
    k, v = torch.randn(3, 2, 11, 16, generator=gen), torch.randn(3, 2, 11, 16, generator=gen)
    mask = torch.rand(3, 1, 1, 13, generator=gen) > 0.3  # longer than the keys: both slice it
    mask[:, :, :, 0] = True
    got, _ = grouped_decode_attention(Attn(), q, k, v, mask, scaling=0.25)
    want, _ = sdpa_attention_forward(Attn(), q, k, v, mask, scaling=0.25)
    assert got.shape == want.shape == (3, 1, 8, 16)
    torch.testing.assert_close(got, want)


def test_grouped_attention_is_not_applied_without_grouped_heads() -> None:
    cfg = transformers.LlamaConfig(
        vocab_size=97, hidden_size=64, intermediate_size=128, num_hidden_layers=1, num_attention_heads=4,
        num_key_value_heads=4,
    )  # fmt: skip
    model = transformers.AutoModelForCausalLM.from_config(cfg).eval()
    assert StaticGreedyDecoder(model, [EOS], compile_step=False, cuda_graph=False).grouped_attention is False
    assert model.config._attn_implementation == "sdpa"


def test_a_longer_request_rebuilds_the_cache() -> None:
    model = _tiny_model()
    ids, mask = _left_padded([[5, 17, 33, 8]])
    decoder = StaticGreedyDecoder(model, [EOS], compile_step=False, cuda_graph=False)
    decoder(ids, mask, 3)
    assert decoder._shape == (1, 4, 3)
    got = decoder(ids, mask, 9)
    assert decoder._shape == (1, 4, 9)
    assert torch.equal(got, _reference(model, ids, mask, 9))
    with pytest.raises(ValueError, match="new_tokens"):
        decoder(ids, mask, 0)


def test_compiled_step_has_no_graph_break_and_keeps_the_tokens() -> None:
    """fullgraph=True: a graph break in the model's decoding step fails here, not on the GPU machine."""
    model = _tiny_model()
    ids, mask = _left_padded([[5, 17, 33, 8, 9], [7, 3, 60]])
    decoder = StaticGreedyDecoder(model, [EOS], compile_step=True, cuda_graph=False)
    got = decoder(ids, mask, 6)
    assert torch.equal(got, _reference(model, ids, mask, 6))


def test_backend_is_gpu_only_and_refused_on_cpu() -> None:
    from jobs.backends import UnsupportedCombination, check_combination

    check_combination("pytorch-cudagraph", "bf16", "cuda")
    check_combination("pytorch-cudagraph", "int8-weight", "cuda")
    with pytest.raises(UnsupportedCombination, match="pytorch-cudagraph/bf16 does not run on 'cpu'"):
        check_combination("pytorch-cudagraph", "bf16", "cpu")


def test_profile_refuses_without_a_gpu() -> None:
    """``greenlm-bench profile`` needs CUDA; on this CPU machine it says so instead of faking a profile."""
    from typer.testing import CliRunner

    from jobs.cli import app

    if torch.cuda.is_available():  # the check below is about machines without a GPU
        pytest.skip("a GPU is present")
    result = CliRunner().invoke(app, ["profile", "--model", "smollm-135m"])
    assert result.exit_code != 0
    assert "needs a CUDA GPU" in result.output


class _ReplayOnCpu:
    """A CUDA graph's role on CPU: ``replay()`` runs the ``k`` decoding steps that a graph of ``k`` steps captured
    (the real step, ``_decode_one``), and counts the replays. ``decode()``'s split of a request into k-step replays
    plus 1-step replays - the bookkeeping the GPU figures rest on - is what is under test; the capture itself runs in
    tests/harness/test_gpu.py on the GPU machine."""

    def __init__(self, decoder: StaticGreedyDecoder, k: int) -> None:
        self.decoder, self.k, self.replays = decoder, k, 0

    def replay(self) -> None:
        self.replays += 1
        for _ in range(self.k):
            self.decoder._decode_one()


@pytest.mark.parametrize("n", [1, 8, 9, 20])
def test_graph_replays_cover_exactly_the_requested_tokens(n: int) -> None:
    model = _tiny_model()
    ids, mask = _left_padded([[5, 17, 33, 8, 9], [7, 3, 60]])
    decoder = StaticGreedyDecoder(model, [EOS], compile_step=False, cuda_graph=False, steps_per_graph=8)
    decoder(ids, mask, 20)  # sizes the static cache (20 tokens) as the GPU path's first call does
    graphs = {1: _ReplayOnCpu(decoder, 1), 8: _ReplayOnCpu(decoder, 8)}
    decoder._graphs = graphs
    got = decoder(ids, mask, n)
    assert torch.equal(got, _reference(model, ids, mask, n))
    # n - 1 steps after the prefill's first token: (n - 1) // 8 replays of the 8-step graph, the rest one by one
    assert (graphs[8].replays, graphs[1].replays) == ((n - 1) // 8, (n - 1) % 8)
