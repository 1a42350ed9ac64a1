"""Find the sentences that best answer a question: hybrid candidates, then sentence scoring.

1. dense: Chroma nearest neighbours of the question among sentence vectors;
2. lexical: SQLite FTS5 BM25 over single sentences;
3. reciprocal rank fusion of both lists picks candidates;
4. each candidate sentence is scored on its own: its stored vector against the
   question's, its window's vector (the normalised sum of its own and its
   neighbours' stored vectors), and the IDF-weighted share of question terms it
   contains. That score is what answers are built and refused on. Nothing but
   the question is encoded at query time.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from assistant.question import WORD, Question, analyse, stem
from assistant.schema import Passage, SearchFilters
from assistant.short_answer import has_answer_type
from assistant.store.catalog import sentence_key, split_sentence_key

RRF_K = 60
LARGE_INDEX_SENTENCES = 50_000
LEXICAL_POSTINGS_BUDGET = 20_000
MIN_LEXICAL_TERMS = 2
WEIGHTS = {"sentence": 0.45, "window": 0.20, "terms": 0.35}
# A sentence with nothing of the kind asked for (no place for "where", no number
# for "how many") cannot hold the answer, whatever words it shares with the question.
MISSING_ANSWER_TYPE_PENALTY = 0.08
# News is written as an inverted pyramid: the lead sentence states who/what/where/when.
LEAD_SENTENCE_BONUS = 0.04
# The lexical half of retrieval runs here, beside the dense half (shared by all retrievers).
_LEXICAL_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lexical")


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

    def __init__(
        self, index: Any, dense_k: int = 40, lexical_k: int = 40, candidates: int = 30, window_size: int = 1
    ) -> None:
        self.index = index
        self.dense_k = dense_k
        self.lexical_k = lexical_k
        self.candidates = candidates
        self.window_size = window_size

    def _retrieve(self, question: Question, k: int, filters: SearchFilters) -> list[Passage]:
        lexical_search = _LEXICAL_POOL.submit(self._lexical, question, filters)  # SQLite, off the GIL
        query_vector = self.index.embedder.encode_question(question.text)
        dense = self.index.vectors.query(query_vector, self.dense_k, filters)
        lexical, idf = lexical_search.result()
        fused = fuse(
            [split_sentence_key(key) for key, _ in dense],
            [(article_id, index) for article_id, index, _ in lexical],
        )
        keys = fused[: max(self.candidates, k)]
        rows = self.index.catalog.sentences(keys)
        keys = [key for key in keys if key in rows]
        if not keys:
            return []
        sentence_cos, window_cos = self._similarities(keys, query_vector)
        passages = []
        for key in keys:
            row = rows[key]
            scores = {
                "sentence": sentence_cos.get(key, 0.0),
                "window": window_cos.get(key, 0.0),
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

    def _lexical(
        self, question: Question, filters: SearchFilters
    ) -> tuple[list[tuple[str, int, float]], dict[str, float]]:
        """BM25 candidates and each question term's IDF: SQLite only, so it runs while the question is encoded."""
        total = max(self.index.catalog.sentence_count(), 1)
        frequencies = self.index.catalog.document_frequencies(list(question.stems))
        idf = {term: math.log(1 + total / (1 + df)) for term, df in frequencies.items()}
        return self.index.catalog.search(lexical_terms(frequencies, total), self.lexical_k, filters), idf

    def _similarities(
        self, keys: list[tuple[str, int]], query_vector: Any
    ) -> tuple[dict[tuple[str, int], float], dict[tuple[str, int], float]]:
        """Cosine of each candidate's stored vector, and of its window (own + neighbour vectors)."""
        import numpy as np

        span = range(-self.window_size, self.window_size + 1)
        wanted = {sentence_key(a, i + d) for a, i in keys for d in span if i + d >= 0}
        vectors = self.index.vectors.embeddings(sorted(wanted))
        sentence_cos, window_cos = {}, {}
        for article_id, index in keys:
            own = vectors.get(sentence_key(article_id, index))
            if own is None:
                continue
            sentence_cos[(article_id, index)] = float(own @ query_vector)
            around = [v for d in span if (v := vectors.get(sentence_key(article_id, index + d))) is not None]
            window = np.sum(around, axis=0)
            window_cos[(article_id, index)] = float(window @ query_vector / (np.linalg.norm(window) or 1.0))
        return sentence_cos, window_cos


def lexical_terms(frequencies: dict[str, int], total: int) -> list[str]:
    """Terms for the BM25 candidate query: on large indexes, the rarest ones within a budget.

    FTS5 scores every sentence that holds any query term before it can return the best
    forty, so common terms make it rank tens of thousands of rows while adding little to
    BM25. The rarest terms are kept while the sentences they match stay within
    LEXICAL_POSTINGS_BUDGET (the rarest MIN_LEXICAL_TERMS always stay), so this step costs
    about the same at any index size. Every term still counts when candidates are scored
    (term coverage).
    """
    terms = list(frequencies)
    if total < LARGE_INDEX_SENTENCES:
        return terms
    keep, matched = set(), 0
    for rank, term in enumerate(sorted(terms, key=lambda t: frequencies[t])):
        if rank < MIN_LEXICAL_TERMS or matched + frequencies[term] <= LEXICAL_POSTINGS_BUDGET:
            keep.add(term)
            matched += frequencies[term]
    return [t for t in terms if t in keep]


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
