"""SQuAD-style answer metrics: normalisation, exact match, token F1, and answer hit."""

from __future__ import annotations

import re
import string
from collections import Counter
from difflib import SequenceMatcher

# How alike a copy's sentence must be to the gold sentence to be its version in that copy:
# syndicated copies reword lightly ("..., the office said." / "..., according to the office.",
# 0.85-0.92 in the dated story), while two sentences of one article stay under 0.5.
REWORDED_RATIO = 0.8


def normalise_answer(text: str) -> str:
    """SQuAD normalisation: lowercase, drop punctuation and articles, squeeze spaces."""
    text = text.lower().replace("’", "'")
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str | None, golds: list[str]) -> float:
    if prediction is None:
        return 0.0
    return float(any(normalise_answer(prediction) == normalise_answer(g) for g in golds))


def f1_score(prediction: str | None, golds: list[str]) -> float:
    if prediction is None:
        return 0.0
    best = 0.0
    pred_tokens = normalise_answer(prediction).split()
    for gold in golds:
        gold_tokens = normalise_answer(gold).split()
        common = Counter(pred_tokens) & Counter(gold_tokens)
        overlap = sum(common.values())
        if overlap:
            precision, recall = overlap / len(pred_tokens), overlap / len(gold_tokens)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def answer_hit(text: str, golds: list[str]) -> bool:
    normalised = normalise_answer(text)
    return any(normalise_answer(g) and normalise_answer(g) in normalised for g in golds)


def _squeeze(text: str) -> str:
    return " ".join(text.casefold().split())


def contains_sentence(unit: str, gold_sentence: str) -> bool:
    """Does a retrieved unit (a sentence or a longer chunk) hold the gold sentence?

    Containment either way, so a gold sentence split slightly differently from ours
    (datasets split sentences their own way) still matches, but a short fragment of
    it does not.
    """
    unit, gold = _squeeze(unit), _squeeze(gold_sentence)
    if not unit or not gold:
        return False
    return gold in unit or (unit in gold and len(unit) >= 0.6 * len(gold))


def reworded_sentence(unit: str, gold_sentence: str, ratio: float = REWORDED_RATIO) -> bool:
    """Is `unit` the gold sentence as another copy of its story tells it (lightly reworded)?

    Only for a unit from a copy of the gold article (see runner.score_item): across
    articles of one topic, similar sentences are different facts.
    """
    if contains_sentence(unit, gold_sentence):
        return True
    unit, gold = _squeeze(unit), _squeeze(gold_sentence)
    return bool(unit and gold) and SequenceMatcher(None, unit, gold, autojunk=False).ratio() >= ratio


def first_rank(matches: list[bool]) -> int | None:
    """1-based position of the first True, or None."""
    return next((position for position, hit in enumerate(matches, start=1) if hit), None)


def recall_at(ranks: list[int | None], k: int) -> float:
    """Share of questions whose gold item is within the top k."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def mean_reciprocal_rank(ranks: list[int | None]) -> float:
    return sum(1.0 / r for r in ranks if r) / len(ranks) if ranks else 0.0
