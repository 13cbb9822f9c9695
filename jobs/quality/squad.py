"""SQuAD v1.1 scoring with the official normalisation (lower-case, strip punctuation, articles and extra spaces).

Mirrors the official ``evaluate-v1.1.py``: a prediction's score is the maximum over the reference answers.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """Lower-case, remove punctuation, the articles a/an/the, and collapse whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, truth: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(truth))


def f1(prediction: str, truth: str) -> float:
    pred_tokens = normalize_answer(prediction).split()
    truth_tokens = normalize_answer(truth).split()
    common = Counter(pred_tokens) & Counter(truth_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(truth_tokens)
    return 2 * precision * recall / (precision + recall)


def best_over(metric, prediction: str, truths: Iterable[str]) -> float:
    truths = list(truths)
    if not truths:
        raise ValueError("a SQuAD question needs at least one reference answer")
    return max(metric(prediction, t) for t in truths)


@dataclass(frozen=True)
class SquadItem:
    id: str
    context: str
    question: str
    answers: tuple[str, ...]


class SquadFormatError(ValueError):
    """A malformed SQuAD row; the message names the file and line."""


def load_squad(path: Path) -> list[SquadItem]:
    """Read the shipped SQuAD JSONL (id, context, question, answers.text); raise naming file:line on bad rows."""
    items: list[SquadItem] = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            answers = tuple(str(a) for a in row["answers"]["text"])
            item = SquadItem(str(row["id"]), str(row["context"]), str(row["question"]), answers)
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise SquadFormatError(
                f"{path}:{line_no}: not a SQuAD row ({type(exc).__name__}: {exc})"
            ) from exc
        if not item.context.strip() or not item.question.strip() or not any(a.strip() for a in answers):
            raise SquadFormatError(f"{path}:{line_no}: empty context, question or answers")
        items.append(item)
    if not items:
        raise SquadFormatError(f"{path}: no SQuAD rows")
    return items


def score(predictions: dict[str, str], items: list[SquadItem]) -> dict[str, float]:
    """Mean EM and F1 in percent (as the official script), plus the count of exact-match answers."""
    ems = [best_over(exact_match, predictions.get(i.id, ""), i.answers) for i in items]
    f1s = [best_over(f1, predictions.get(i.id, ""), i.answers) for i in items]
    return {
        "exact_match": 100 * sum(ems) / len(items),
        "f1": 100 * sum(f1s) / len(items),
        "n_correct": int(sum(ems)),
        "n_questions": len(items),
    }
