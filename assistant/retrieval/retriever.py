"""Find the sentences that best answer a question: candidates, then sentence scoring.

`SentenceRetriever.retrieve()` does validation and bookkeeping (analysis, dedup, order,
cut to k); a backend fills `_retrieve()`. `HybridRetriever` is dense + BM25 candidates
(`candidates`) scored sentence by sentence (`scoring`) over any `SentenceStore`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from assistant.retrieval.candidates import find_candidates
from assistant.retrieval.question import Question, analyse
from assistant.retrieval.scoring import score_candidates
from assistant.retrieval.store import SentenceStore
from assistant.schema import Passage, SearchFilters


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
        self, store: SentenceStore, dense_k: int = 40, lexical_k: int = 40, candidates: int = 30, window_size: int = 1
    ) -> None:
        self.store = store
        self.dense_k = dense_k
        self.lexical_k = lexical_k
        self.candidates = candidates
        self.window_size = window_size

    def _retrieve(self, question: Question, k: int, filters: SearchFilters) -> list[Passage]:
        # Each list reaches at least k deep, so a caller asking for k passages can get k.
        fused, query_vector, idf = find_candidates(
            self.store, question, max(self.dense_k, k), max(self.lexical_k, k), filters
        )
        keys = fused[: max(self.candidates, k)]
        return score_candidates(self.store, question, keys, query_vector, idf, self.window_size)
