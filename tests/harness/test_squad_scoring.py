"""The SQuAD scorer against hand-computed cases (official v1.1 normalisation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.quality.squad import (
    SquadFormatError,
    best_over,
    exact_match,
    f1,
    load_squad,
    normalize_answer,
    score,
)

SQUAD = (
    Path(__file__).resolve().parents[2] / "data" / "snapshots" / "prompts" / "squad_v1_1_dev_first50.jsonl"
)


def test_normalisation_strips_case_punctuation_articles_spaces() -> None:
    assert normalize_answer("The  Denver Broncos!") == "denver broncos"
    assert normalize_answer("an apple, a day") == "apple day"
    assert normalize_answer("Theatre") == "theatre"  # 'the' only as a whole word


def test_exact_match_and_f1_by_hand() -> None:
    assert exact_match("the Denver Broncos.", "Denver Broncos") == 1.0
    assert exact_match("Denver", "Denver Broncos") == 0.0
    # pred {denver}, truth {denver, broncos}: P = 1, R = 1/2, F1 = 2/3
    assert f1("Denver", "Denver Broncos") == pytest.approx(2 / 3)
    # pred {broncos, won, in, 2016}, truth {denver, broncos}: common 1, P = 1/4, R = 1/2, F1 = 1/3
    assert f1("Broncos won in 2016", "Denver Broncos") == pytest.approx(1 / 3)
    assert f1("", "Denver Broncos") == 0.0
    assert best_over(f1, "Santa Clara", ["Levi's Stadium", "Santa Clara, California"]) == pytest.approx(0.8)


def test_score_aggregates_in_percent() -> None:
    items = load_squad(SQUAD)[:2]
    preds = {items[0].id: items[0].answers[0], items[1].id: "completely wrong"}
    result = score(preds, items)
    assert result["exact_match"] == 50.0
    assert result["n_correct"] == 1 and result["n_questions"] == 2
    assert 50.0 <= result["f1"] < 100.0


def test_shipped_set_loads_and_bad_rows_are_named(tmp_path: Path) -> None:
    assert len(load_squad(SQUAD)) == 50
    bad = tmp_path / "squad.jsonl"
    bad.write_text(SQUAD.read_text().splitlines()[0] + "\n" + '{"id": "x", "context": "c"}\n')
    with pytest.raises(SquadFormatError, match=r"squad.jsonl:2: not a SQuAD row"):
        load_squad(bad)
    bad.write_text('{"id": "x", "context": "c", "question": "q", "answers": {"text": [" "]}}\n')
    with pytest.raises(SquadFormatError, match=":1: empty context, question or answers"):
        load_squad(bad)


def test_real_weights_locator(tmp_path: Path) -> None:
    from jobs.quality.weights import WeightsNotFound, local_or_hub

    with pytest.raises(WeightsNotFound, match="neither config.json nor a .gguf"):
        local_or_hub(str(tmp_path))
    (tmp_path / "m.gguf").write_bytes(b"GGUF....")
    found = local_or_hub(str(tmp_path))
    assert found.gguf_file == "m.gguf" and found.origin.startswith("local:")
    assert local_or_hub("HuggingFaceTB/SmolLM2-135M").origin == "hub:HuggingFaceTB/SmolLM2-135M"
