"""The lean ONNX Runtime path (jobs/ort_lean.py) generates what transformers and the plain optimum path generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from jobs import ort_lean  # noqa: E402
from jobs.backends import UnsupportedCombination, check_model_support  # noqa: E402
from jobs.registry import registry  # noqa: E402

NEW = 12


def _tiny(model_type: str = "llama"):
    """A 2-layer model with grouped-query attention (4 query heads on 2 KV heads) and tied embeddings; weights
    scaled up so logits are peaked and greedy choices are not near-ties."""
    from transformers import AutoConfig, AutoModelForCausalLM

    cfg = AutoConfig.for_model(
        model_type, vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128, tie_word_embeddings=True,
        initializer_range=0.15, bos_token_id=0, eos_token_id=0, pad_token_id=0,
    )  # fmt: skip
    torch.manual_seed(0)
    return AutoModelForCausalLM.from_config(cfg, dtype=torch.float32).eval()


def _batch():
    """Three prompts, two of them left-padded as the harness pads them."""
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1, 256, (3, 10), generator=g)
    mask = torch.ones_like(ids)
    mask[1, :3] = 0
    mask[2, :6] = 0
    return ids.masked_fill(mask == 0, 0), mask


def _reference(model, ids, mask):
    with torch.inference_mode():
        return model.generate(
            input_ids=ids, attention_mask=mask, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False,
            pad_token_id=0, eos_token_id=[0],
        )  # fmt: skip


def _decoder(model_dir: Path) -> ort_lean.LeanGreedyDecoder:
    meta = json.loads((model_dir / "lean.json").read_text())
    return ort_lean.LeanGreedyDecoder(ort_lean.session(model_dir, 1), meta, [0])


@pytest.mark.parametrize("model_type", ["llama", "qwen2"])  # qwen2: the same graph plus QKV biases
def test_lean_fp32_generates_the_tokens_of_generate(tmp_path: Path, model_type: str) -> None:
    model = _tiny(model_type)
    ids, mask = _batch()
    ort_lean.export(model, tmp_path / "fp32")
    out = _decoder(tmp_path / "fp32")(ids, mask, NEW)
    assert out.shape == (3, 10 + NEW)
    assert torch.equal(out, _reference(model, ids, mask))


def test_lean_matches_the_plain_optimum_path(tmp_path: Path) -> None:
    """fp32: the tokens of ``--backend onnxruntime`` (optimum export + generate()). int8: the next-token logits
    are at least as close to fp32's as those of the plain path's int8 (optimum export + ORTQuantizer, the harness's
    config), and pick the same token wherever fp32's top-2 margin exceeds the int8 error."""
    pytest.importorskip("optimum.onnxruntime")
    import numpy as np
    from optimum.onnxruntime import ORTModelForCausalLM, ORTQuantizer

    from jobs.backends import ort_quantization_config

    model = _tiny()
    ids, mask = _batch()
    model.save_pretrained(tmp_path / "torch")
    plain = ORTModelForCausalLM.from_pretrained(tmp_path / "torch", export=True)
    plain.save_pretrained(tmp_path / "plain")
    ORTQuantizer.from_pretrained(tmp_path / "plain", file_name="model.onnx").quantize(
        save_dir=tmp_path / "plain8", quantization_config=ort_quantization_config()
    )
    (tmp_path / "plain8" / "config.json").write_bytes((tmp_path / "plain" / "config.json").read_bytes())
    plain8 = ORTModelForCausalLM.from_pretrained(tmp_path / "plain8", file_name="model_quantized.onnx")
    with torch.inference_mode():
        plain_out = plain.generate(
            input_ids=ids, attention_mask=mask, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False,
            pad_token_id=0, eos_token_id=[0],
        )  # fmt: skip
        ref = model(input_ids=ids, attention_mask=mask).logits[:, -1].numpy()
        plain8_logits = plain8(input_ids=ids, attention_mask=mask).logits[:, -1].numpy()
    ort_lean.export(model, tmp_path / "fp32")
    ort_lean.quantize(tmp_path / "fp32", tmp_path / "int8")
    assert torch.equal(_decoder(tmp_path / "fp32")(ids, mask, NEW), plain_out)

    lean8_logits = _decoder(tmp_path / "int8").prompt_logits(ids, mask)
    err = np.abs(lean8_logits - ref).max(-1)

    def rel(x: np.ndarray) -> float:
        return float(np.linalg.norm(x - ref) / np.linalg.norm(ref))

    assert 0 < rel(lean8_logits) <= rel(plain8_logits), (rel(lean8_logits), rel(plain8_logits))
    top2 = np.sort(ref, -1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 2 * err
    assert clear.any(), "no sequence with a clear fp32 choice: the check would be vacuous"
    assert (lean8_logits.argmax(-1)[clear] == ref.argmax(-1)[clear]).all()


def test_lean_refuses_what_it_does_not_build(tmp_path: Path) -> None:
    reg = registry()
    check_model_support("onnxruntime-lean", reg["smollm-135m"])  # Llama: supported, no exception
    other = next(s for s in reg.values() if s.model_type not in ort_lean.SUPPORTED_TYPES)
    with pytest.raises(UnsupportedCombination, match=rf"{other.key}: onnxruntime-lean builds Llama-family"):
        check_model_support("onnxruntime-lean", other)
    check_model_support("onnxruntime", other)  # the plain path is not restricted by the lean builder

    from typer.testing import CliRunner

    from jobs.cli import app

    res = CliRunner().invoke(
        app,
        ["run", "--model", other.key, "--backend", "onnxruntime-lean", "--precision", "int8-dynamic",
         "--out", str(tmp_path / "x.jsonl")],
    )  # fmt: skip
    assert res.exit_code == 2 and "onnxruntime-lean builds Llama-family" in res.output
    assert not (tmp_path / "x.jsonl").exists()


def test_lean_refuses_sequences_longer_than_its_rotary_table(tmp_path: Path) -> None:
    model = _tiny()
    ort_lean.export(model, tmp_path / "fp32")
    ids = torch.ones((1, 120), dtype=torch.long)
    with pytest.raises(ValueError, match="exceeds the 128 positions"):
        _decoder(tmp_path / "fp32")(ids, torch.ones_like(ids), 9)


def test_lean_generate_stops_like_transformers(tmp_path: Path) -> None:
    """``generate()`` with stop tokens (the quality run's call): same tokens, same early stop, same padding."""
    model = _tiny()
    ids, mask = _batch()
    full = _reference(model, ids, mask)
    # tokens each row's greedy path reaches by step 6: every row stops early (at the first stop token it meets)
    stops = [int(full[0, 10 + 3]), int(full[1, 10 + 5]), int(full[2, 10 + 1])]
    kw = dict(max_new_tokens=NEW, do_sample=False, eos_token_id=stops, pad_token_id=0)
    with torch.inference_mode():
        want = model.generate(input_ids=ids, attention_mask=mask, **kw)
    ort_lean.export(model, tmp_path / "fp32")
    got = _decoder(tmp_path / "fp32").generate(ids, attention_mask=mask, **kw)
    assert got.shape[1] <= 10 + 6
    assert torch.equal(got, want)
