"""What retrieval needs from a sentence store, declared once (the real one is `store.index.SentenceIndex`)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from assistant.schema import SearchFilters, SentenceRow

SentenceKey = tuple[str, int]  # (article id, sentence index)


class SentenceStore(Protocol):
    """Dense and lexical search over sentences, and the rows and vectors to score them with."""

    def encode_question(self, text: str) -> np.ndarray:
        """The question's L2-normalised vector, in the space the sentences were embedded in."""
        ...

    def nearest(self, vector: np.ndarray, k: int, filters: SearchFilters) -> list[SentenceKey]:
        """The k sentences closest to `vector`, best first."""
        ...

    def bm25(self, terms: list[str], k: int, filters: SearchFilters) -> list[SentenceKey]:
        """The k sentences ranked best by BM25 for (stemmed) `terms`, best first."""
        ...

    def sentence_count(self) -> int: ...

    def document_frequencies(self, stems: list[str]) -> dict[str, int]:
        """How many sentences contain each stemmed term."""
        ...

    def rows(self, keys: list[SentenceKey]) -> dict[SentenceKey, SentenceRow]:
        """Sentence rows of ready articles (keys not found are left out)."""
        ...

    def stored_vectors(self, keys: list[SentenceKey]) -> dict[SentenceKey, np.ndarray]:
        """Stored sentence vectors (keys not found are left out)."""
        ...
