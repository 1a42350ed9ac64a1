"""Candidate sentences: dense nearest neighbours and BM25 hits, fused by reciprocal rank.

1. dense: nearest neighbours of the question among sentence vectors (Chroma);
2. lexical: BM25 over single sentences (SQLite FTS5), on its own thread while the
   question is encoded and the dense search runs;
3. reciprocal rank fusion of both lists picks the candidates to score.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from assistant.retrieval.question import Question
from assistant.retrieval.store import SentenceKey, SentenceStore
from assistant.schema import SearchFilters

RRF_K = 60
LARGE_INDEX_SENTENCES = 50_000
LEXICAL_POSTINGS_BUDGET = 20_000
MIN_LEXICAL_TERMS = 2
# The lexical half of retrieval runs here, beside the dense half (shared by all retrievers).
_LEXICAL_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lexical")


def find_candidates(
    store: SentenceStore, question: Question, dense_k: int, lexical_k: int, filters: SearchFilters
) -> tuple[list[SentenceKey], np.ndarray, dict[str, float]]:
    """(fused candidate keys, the question's vector, each question term's IDF)."""
    lexical_search = _LEXICAL_POOL.submit(lexical_candidates, store, question, lexical_k, filters)  # off the GIL
    query_vector = store.encode_question(question.text)
    dense = store.nearest(query_vector, dense_k, filters)
    lexical, idf = lexical_search.result()
    return fuse(dense, lexical), query_vector, idf


def lexical_candidates(
    store: SentenceStore, question: Question, k: int, filters: SearchFilters
) -> tuple[list[SentenceKey], dict[str, float]]:
    """BM25 candidates and each question term's IDF: SQLite only, so it runs while the question is encoded."""
    total = max(store.sentence_count(), 1)
    frequencies = store.document_frequencies(list(question.stems))
    idf = {term: math.log(1 + total / (1 + df)) for term, df in frequencies.items()}
    return store.bm25(lexical_terms(frequencies, total), k, filters), idf


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


def fuse(*rankings: list[SentenceKey]) -> list[SentenceKey]:
    """Reciprocal rank fusion: items high in any list rise, items in both rise most."""
    scores: dict[SentenceKey, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking):
            scores[key] = scores.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)
    return sorted(scores, key=lambda key: scores[key], reverse=True)
