"""Find the sentences that best answer a question: hybrid candidates, then sentence scoring.

1. dense: Chroma nearest neighbours of the question among sentence-window vectors;
2. lexical: SQLite FTS5 BM25 over single sentences;
3. reciprocal rank fusion of both lists picks candidates;
4. each candidate sentence is scored on its own: its embedding against the
   question's, its window's similarity, and the IDF-weighted share of question
   terms it contains. That score is what answers are built and refused on.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

from assistant.question import WORD, Question, analyse, stem
from assistant.schema import Passage, SearchFilters
from assistant.short_answer import has_answer_type
from assistant.store.catalog import split_sentence_key

RRF_K = 60
WEIGHTS = {"sentence": 0.45, "window": 0.20, "terms": 0.35}
# A sentence with nothing of the kind asked for (no place for "where", no number
# for "how many") cannot hold the answer, whatever words it shares with the question.
MISSING_ANSWER_TYPE_PENALTY = 0.08
# News is written as an inverted pyramid: the lead sentence states who/what/where/when.
LEAD_SENTENCE_BONUS = 0.04
SENTENCE_ENCODE_LIMIT = 12


class SentenceRetriever(ABC):
    """Public `retrieve()` does validation and bookkeeping; backends fill `_retrieve()`."""

    def retrieve(
        self, question: str | Question, k: int = 5, filters: SearchFilters | dict | None = None
    ) -> list[Passage]:
        parsed = question if isinstance(question, Question) else analyse(question)
        if k < 1:
            raise ValueError("k must be at least 1")
        passages = self._retrieve(parsed, k, SearchFilters.from_dict(filters))
        unique: dict[tuple[str, int], Passage] = {}
        for passage in passages:
            unique.setdefault((passage.article_id, passage.sentence_index), passage)
        return sorted(unique.values(), key=lambda p: p.score, reverse=True)[:k]

    @abstractmethod
    def _retrieve(self, question: Question, k: int, filters: SearchFilters) -> list[Passage]:
        """Return scored passages (any order, duplicates allowed)."""


class HybridRetriever(SentenceRetriever):
    """Dense (Chroma) + BM25 (FTS5) fused by RRF, then scored sentence by sentence."""

    def __init__(self, index: Any, dense_k: int = 40, lexical_k: int = 40, candidates: int = 30) -> None:
        self.index = index
        self.dense_k = dense_k
        self.lexical_k = lexical_k
        self.candidates = candidates

    def _retrieve(self, question: Question, k: int, filters: SearchFilters) -> list[Passage]:
        embedder = self.index.embedder
        query_vector = embedder.encode([question.text])[0]
        dense = self.index.vectors.query(query_vector, self.dense_k, filters)
        lexical = self.index.catalog.search(list(question.stems), self.lexical_k, filters)
        fused = fuse(
            [split_sentence_key(key) for key, _ in dense],
            [(article_id, index) for article_id, index, _ in lexical],
        )
        keys = fused[: max(self.candidates, k)]
        rows = self.index.catalog.sentences(keys)
        keys = [key for key in keys if key in rows]
        if not keys:
            return []
        window_cos = {split_sentence_key(key): cos for key, cos in dense}
        head = keys[:SENTENCE_ENCODE_LIMIT]
        sentence_vectors = embedder.encode([rows[key].text for key in head], batch_size=SENTENCE_ENCODE_LIMIT)
        sentence_cos = dict(zip(head, (sentence_vectors @ query_vector).tolist(), strict=False))
        idf = self._idf(question)
        passages = []
        for key in keys:
            row = rows[key]
            scores = {
                "sentence": sentence_cos.get(key, window_cos.get(key, 0.0) * 0.8),
                "window": window_cos.get(key, sentence_cos.get(key, 0.0)),
                "terms": term_coverage(row.text, idf),
            }
            score = sum(WEIGHTS[name] * value for name, value in scores.items())
            if not has_answer_type(question, row.text):
                score -= MISSING_ANSWER_TYPE_PENALTY
            if row.sentence_index == 0:
                score += LEAD_SENTENCE_BONUS
            passages.append(
                Passage(
                    article_id=row.article_id,
                    sentence_index=row.sentence_index,
                    sentence=row.text,
                    start=row.start,
                    end=row.end,
                    title=row.title,
                    date=row.date,
                    source=row.source,
                    url=row.url,
                    window=row.window,
                    score=round(float(score), 4),
                    scores={name: round(float(v), 4) for name, v in scores.items()},
                )
            )
        return passages

    def _idf(self, question: Question) -> dict[str, float]:
        total = max(self.index.catalog.sentence_count(), 1)
        frequencies = self.index.catalog.document_frequencies(list(question.stems))
        return {term: math.log(1 + total / (1 + df)) for term, df in frequencies.items()}


def fuse(*rankings: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Reciprocal rank fusion: items high in any list rise, items in both rise most."""
    scores: dict[tuple[str, int], float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking):
            scores[key] = scores.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)
    return sorted(scores, key=lambda key: scores[key], reverse=True)


def term_coverage(sentence: str, idf: dict[str, float]) -> float:
    """IDF-weighted share of the question's terms present in the sentence (0..1)."""
    if not idf:
        return 0.0
    present = {stem(m.group()) for m in WORD.finditer(sentence)}
    total = sum(idf.values())
    return sum(weight for term, weight in idf.items() if term in present) / total if total else 0.0
