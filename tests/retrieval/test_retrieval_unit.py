"""Fast tests of candidates, fusion and scoring over the in-memory store (no model, no Chroma)."""

from __future__ import annotations

import pytest

from assistant.errors import FilterError
from assistant.retrieval.candidates import fuse
from assistant.retrieval.question import analyse
from assistant.retrieval.retriever import HybridRetriever
from assistant.retrieval.scoring import LEAD_SENTENCE_BONUS, MISSING_ANSWER_TYPE_PENALTY, WEIGHTS, term_coverage
from assistant.schema import Article, SearchFilters
from tests.fakes import InMemorySentenceStore

ARTICLES = [
    Article(
        id="harbour",
        title="Harbour dredging approved",
        text="The Arlow council approved harbour dredging on Monday. The work will cost 12 million dollars. "
        "Councillor Mara Quill said the port needed deeper water.",
        date="2025-03-02",
        source="Town Crier",
    ),
    Article(
        id="library",
        title="Library hours cut",
        text="Brenmoor library will close at noon on Saturdays. About 300 residents signed a petition against it. "
        "The mayor promised a review of the library budget.",
        date="2025-04-10",
        source="Valley Post",
    ),
]


@pytest.fixture(scope="module")
def retriever() -> HybridRetriever:
    return HybridRetriever(InMemorySentenceStore(ARTICLES), dense_k=10, lexical_k=10, candidates=10)


def test_fusion_rewards_items_high_in_both_lists():
    a, b, c = ("x", 0), ("y", 0), ("z", 0)
    assert fuse([a, b, c], [b, c]) == [b, c, a]
    assert fuse([a], []) == [a]


def test_the_sentence_with_the_asked_for_number_ranks_first(retriever):
    passages = retriever.retrieve("How much will the dredging work cost?", k=3)
    assert passages[0].article_id == "harbour" and "12 million" in passages[0].sentence
    assert passages == sorted(passages, key=lambda p: p.score, reverse=True)


def test_scores_are_the_weighted_parts_plus_lead_bonus_minus_type_penalty(retriever):
    for passage in retriever.retrieve("How many residents signed the petition?", k=6):
        parts = sum(WEIGHTS[name] * passage.scores[name] for name in WEIGHTS)
        expected = parts + (LEAD_SENTENCE_BONUS if passage.sentence_index == 0 else 0.0)
        has_number = any(ch.isdigit() for ch in passage.sentence)
        expected -= 0.0 if has_number else MISSING_ANSWER_TYPE_PENALTY
        assert passage.score == pytest.approx(expected, abs=2e-4)


def test_filters_keep_other_sources_and_dates_out(retriever):
    only_post = retriever.retrieve("council harbour library", k=10, filters={"sources": ["Valley Post"]})
    assert only_post and {p.article_id for p in only_post} == {"library"}
    before_april = retriever.retrieve("library hours", k=10, filters=SearchFilters(date_to="2025-03-31"))
    assert {p.article_id for p in before_april} <= {"harbour"}
    assert retriever.retrieve("library", k=5, filters=SearchFilters(article_ids=("nothing",))) == []


def test_term_coverage_weights_rare_terms():
    idf = {"harbour": 3.0, "the": 0.1}
    assert term_coverage("The harbour is deep.", idf) == pytest.approx(1.0)
    assert term_coverage("The town is quiet.", idf) == pytest.approx(0.1 / 3.1)
    assert term_coverage("anything", {}) == 0.0


def test_k_must_be_positive(retriever):
    with pytest.raises(ValueError, match="k must be at least 1"):
        retriever.retrieve(analyse("Who said it?"), k=0)


def test_filters_parse_dates_once_for_every_front_end():
    parsed = SearchFilters.parse(["Agency"], "2026/02/18", " 2026-03-01 ", labels=("--since", "--until"))
    assert parsed == SearchFilters(("Agency",), "2026-02-18", "2026-03-01")
    with pytest.raises(FilterError, match="--since"):
        SearchFilters.parse([], "last week", None, labels=("--since", "--until"))
    assert SearchFilters.parse().is_empty


def test_asking_for_k_passages_gets_k_when_the_index_has_them():
    from tests.conftest import synthetic_articles

    articles = [Article(id=r["id"], text=r["text"], title=r["title"]) for r in synthetic_articles(12)]
    retriever = HybridRetriever(InMemorySentenceStore(articles), dense_k=10, lexical_k=10, candidates=10)
    assert len(retriever.retrieve("What did the council debate?", k=50)) == 50
    assert len(retriever.retrieve("What did the council debate?", k=5)) == 5
