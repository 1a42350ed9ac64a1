"""Test fakes for the logic around the real parts: a hash embedder and an in-memory sentence store.

The in-memory store implements `assistant.retrieval.store.SentenceStore` (the same protocol
the real `SentenceIndex` implements), so retrieval, scoring and answering can be tested in
milliseconds. Feature tests use the real model, a real Chroma on disk and SQLite.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter

import numpy as np

from assistant.ingest.pipeline import prepare
from assistant.retrieval.question import WORD, stem
from assistant.retrieval.store import SentenceKey
from assistant.schema import Article, PreparedArticle, SearchFilters, SentenceRow

DIMENSION = 64


class HashEmbedder:
    """Bag of stemmed words hashed into a fixed-size, L2-normalised vector: similar words, similar vectors."""

    dimension = DIMENSION

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        return np.stack([self._one(text) for text in texts]) if texts else np.zeros((0, DIMENSION), np.float32)

    def encode_question(self, text: str) -> np.ndarray:
        return self._one(text)

    @staticmethod
    def _one(text: str) -> np.ndarray:
        vector = np.zeros(DIMENSION, dtype=np.float32)
        for match in WORD.finditer(text.lower()):
            digest = hashlib.blake2b(stem(match.group()).encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % DIMENSION] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector


def _matches(article: Article, filters: SearchFilters) -> bool:
    if filters.sources and article.source not in filters.sources:
        return False
    if filters.article_ids and article.id not in filters.article_ids:
        return False
    if filters.date_from and (not article.date or article.date < filters.date_from):
        return False
    return not (filters.date_to and (not article.date or article.date > filters.date_to))


class InMemorySentenceStore:
    """Sentences of some articles, searched by exact cosine (dense) and a small BM25 (lexical)."""

    def __init__(self, articles: list[Article], embedder: HashEmbedder | None = None, window_size: int = 1) -> None:
        self.embedder = embedder or HashEmbedder()
        self.prepared: dict[str, PreparedArticle] = {a.id: prepare(a, window_size) for a in articles}
        self.keys: list[SentenceKey] = [
            (item.article.id, s.index) for item in self.prepared.values() for s in item.sentences
        ]
        texts = [self._sentence(key).text for key in self.keys]
        self.matrix = self.embedder.encode(texts)
        self.terms = [Counter(stem(m.group()) for m in WORD.finditer(text)) for text in texts]

    def _sentence(self, key: SentenceKey):
        return self.prepared[key[0]].sentences[key[1]]

    def _allowed(self, filters: SearchFilters) -> list[int]:
        return [
            n for n, (article_id, _) in enumerate(self.keys) if _matches(self.prepared[article_id].article, filters)
        ]

    # --- SentenceStore ------------------------------------------------------------
    def encode_question(self, text: str) -> np.ndarray:
        return self.embedder.encode_question(text)

    def nearest(self, vector: np.ndarray, k: int, filters: SearchFilters) -> list[SentenceKey]:
        allowed = self._allowed(filters)
        ranked = sorted(allowed, key=lambda n: -float(self.matrix[n] @ vector))
        return [self.keys[n] for n in ranked[:k]]

    def bm25(self, terms: list[str], k: int, filters: SearchFilters) -> list[SentenceKey]:
        total = len(self.keys)
        frequencies = self.document_frequencies(terms)
        scored = []
        for n in self._allowed(filters):
            score = sum(
                math.log(1 + total / (1 + frequencies[t])) * self.terms[n][t] for t in terms if self.terms[n][t]
            )
            if score > 0:
                scored.append((score, n))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [self.keys[n] for _, n in scored[:k]]

    def sentence_count(self) -> int:
        return len(self.keys)

    def document_frequencies(self, stems: list[str]) -> dict[str, int]:
        return {s: sum(1 for counts in self.terms if counts[s]) for s in stems}

    def rows(self, keys: list[SentenceKey]) -> dict[SentenceKey, SentenceRow]:
        found = {}
        for key in keys:
            item = self.prepared.get(key[0])
            if item is None or key[1] >= len(item.sentences):
                continue
            s, a = item.sentences[key[1]], item.article
            found[key] = SentenceRow(
                a.id, s.index, s.start, s.end, s.text, item.windows[s.index], a.title, a.date, a.source, a.url
            )
        return found

    def stored_vectors(self, keys: list[SentenceKey]) -> dict[SentenceKey, np.ndarray]:
        position = {key: n for n, key in enumerate(self.keys)}
        return {key: self.matrix[position[key]] for key in keys if key in position}
