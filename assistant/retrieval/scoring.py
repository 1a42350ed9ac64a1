"""The rescoring stage: each candidate sentence gets the score answers are built and refused on.

A candidate is scored on its own: its stored vector against the question's, its
window's vector (the normalised sum of its own and its neighbours' stored vectors),
and the IDF-weighted share of question terms it contains; then demoted when it holds
nothing of the kind asked for, and raised when it is an article's lead. Nothing but
the question is encoded at query time.
"""

from __future__ import annotations

import numpy as np

from assistant.retrieval.answer_types import has_answer_type
from assistant.retrieval.question import WORD, Question, stem
from assistant.retrieval.store import SentenceKey, SentenceStore
from assistant.schema import Passage, SentenceRow

WEIGHTS = {"sentence": 0.45, "window": 0.20, "terms": 0.35}
# A sentence with nothing of the kind asked for (no place for "where", no number
# for "how many") cannot hold the answer, whatever words it shares with the question.
MISSING_ANSWER_TYPE_PENALTY = 0.08
# News is written as an inverted pyramid: the lead sentence states who/what/where/when.
LEAD_SENTENCE_BONUS = 0.04


def score_candidates(
    store: SentenceStore,
    question: Question,
    keys: list[SentenceKey],
    query_vector: np.ndarray,
    idf: dict[str, float],
    window_size: int,
) -> list[Passage]:
    """Scored passages for the candidate keys that are still stored, in candidate order."""
    rows = store.rows(keys)
    keys = [key for key in keys if key in rows]
    if not keys:
        return []
    sentence_cos, window_cos = similarities(store, keys, query_vector, window_size)
    return [
        score_sentence(question, rows[key], sentence_cos.get(key, 0.0), window_cos.get(key, 0.0), idf) for key in keys
    ]


def score_sentence(
    question: Question, row: SentenceRow, sentence_cos: float, window_cos: float, idf: dict[str, float]
) -> Passage:
    """One candidate's passage with its combined score and the parts it was made of."""
    scores = {"sentence": sentence_cos, "window": window_cos, "terms": term_coverage(row.text, idf)}
    score = sum(WEIGHTS[name] * value for name, value in scores.items())
    if not has_answer_type(question, row.text):
        score -= MISSING_ANSWER_TYPE_PENALTY
    if row.sentence_index == 0:
        score += LEAD_SENTENCE_BONUS
    return row.as_passage(round(float(score), 4), {name: round(float(v), 4) for name, v in scores.items()})


def similarities(
    store: SentenceStore, keys: list[SentenceKey], query_vector: np.ndarray, window_size: int
) -> tuple[dict[SentenceKey, float], dict[SentenceKey, float]]:
    """Cosine of each candidate's stored vector, and of its window (own + neighbour vectors)."""
    span = range(-window_size, window_size + 1)
    wanted = {(a, i + d) for a, i in keys for d in span if i + d >= 0}
    vectors = store.stored_vectors(list(wanted))
    sentence_cos, window_cos = {}, {}
    for article_id, index in keys:
        own = vectors.get((article_id, index))
        if own is None:
            continue
        sentence_cos[(article_id, index)] = float(own @ query_vector)
        around = [v for d in span if (v := vectors.get((article_id, index + d))) is not None]
        window = np.sum(around, axis=0)
        window_cos[(article_id, index)] = float(window @ query_vector / (np.linalg.norm(window) or 1.0))
    return sentence_cos, window_cos


def term_coverage(sentence: str, idf: dict[str, float]) -> float:
    """IDF-weighted share of the question's terms present in the sentence (0..1)."""
    if not idf:
        return 0.0
    present = {stem(m.group()) for m in WORD.finditer(sentence)}
    total = sum(idf.values())
    return sum(weight for term, weight in idf.items() if term in present) / total if total else 0.0
