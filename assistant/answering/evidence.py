"""Evidence pooled per article: a sentence whose article says more that fits the question is likelier right.

The reader scores each candidate sentence alone. When several of the sentences it read come
from one article, that article is more likely the story the question is about, so among the
strong candidates (at or above the refusal threshold) each sentence's place in the answer
order gains `weight` times the best score of another sentence from its own article. Weaker candidates never move up and
refusals never change. The weight is fitted with the recency prior on RealTimeQA questions
dated 2022-2023 (`python -m training.fit_recency fit`) and shipped in evidence.json beside
this file; without that file the weight is 0 and answers are ordered as the reader scored them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from assistant.schema import Passage

FITTED = Path(__file__).resolve().parent / "evidence.json"


def evidence_bonus(passages: list[Passage], weight: float) -> Callable[[Passage], float] | None:
    """weight x the best score of another candidate from the same article, for each of `passages`
    (None when the weight is 0). Added to the answer order of strong candidates only
    (recency.order_answers); the scores refusal compares are unchanged."""
    if weight == 0.0 or len(passages) < 2:
        return None
    best_two: dict[str, list[float]] = {}
    for passage in passages:
        scores = best_two.setdefault(passage.article_id, [])
        scores.append(passage.score)
        scores.sort(reverse=True)
        del scores[2:]

    def bonus(passage: Passage) -> float:
        top = best_two.get(passage.article_id, [])
        if len(top) < 2:
            return 0.0
        return weight * (top[1] if top[0] == passage.score else top[0])  # the best score that is not its own

    return bonus


@lru_cache(maxsize=4)
def load_weight(path: Path = FITTED) -> float:
    """The fitted weight shipped with the package (0 when the file is absent)."""
    if not path.is_file():
        return 0.0
    return float(json.loads(path.read_text(encoding="utf-8"))["weight"])
