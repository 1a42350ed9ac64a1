"""Nearest neighbours under date limits come from unfiltered neighbours kept by their article's date
(Chroma's own range filter costs seconds on a large index): the sentences Chroma's filter
finds, never one dated after the limit, undated articles kept by an as-of day, and a write seen."""

from __future__ import annotations

import pytest

from assistant.schema import Article, SearchFilters
from assistant.store.catalog import LastSearch
from tests.conftest import synthetic_articles

LIMITS = [
    SearchFilters(as_of="2025-05-15"),
    SearchFilters(as_of="2025-01-10"),
    SearchFilters(date_from="2025-03-01", date_to="2025-04-30"),
    SearchFilters(date_from="2025-06-10", date_to="2025-06-19", as_of="2025-06-15"),
]


@pytest.fixture(scope="module")
def dated_index(tmp_path_factory, embedder):
    from assistant import Assistant

    records = synthetic_articles(120)
    articles = [Article(id=r["id"], text=r["text"], title=r["title"], date=r["date"]) for r in records]
    articles += [Article(id=f"undated-{n}", text=r["text"], title=r["title"]) for n, r in enumerate(records[:10])]
    assistant = Assistant.open(index="dated", index_dir=tmp_path_factory.mktemp("dated"), embedder=embedder)
    assistant.ingest(articles)
    yield assistant
    assistant.close()


@pytest.mark.parametrize("limits", LIMITS, ids=["as-of", "early-as-of", "window", "window-and-as-of"])
def test_the_same_neighbours_as_chromas_filter(dated_index, limits) -> None:
    index = dated_index.index
    vector = index.encode_question("How much will the harbour dredging cost?")
    ours = index.nearest(vector, 25, limits)
    chromas = [tuple(key.split("::")) for key, _ in index.vectors.query(vector, 25, limits)]
    chromas = [(a, int(i)) for a, i in chromas]
    # both searches are approximate (HNSW), so they may differ at the margin, not at the top
    assert ours and ours[0] == chromas[0]
    assert len(set(ours) & set(chromas)) >= 0.8 * len(chromas)
    dates = {a.id: a.date for a in dated_index.articles()}
    for article_id, _ in ours:
        day = dates[article_id]
        if limits.as_of:
            assert day is None or day <= limits.as_of
        if limits.date_from:
            assert day is not None and limits.date_from <= day <= limits.date_to


def test_undated_articles_pass_an_as_of_day_and_a_new_article_is_seen(dated_index) -> None:
    index = dated_index.index
    vector = index.encode_question("Record number closes with a note")
    limits = SearchFilters(as_of="2025-01-01")  # before every dated article
    assert {a for a, _ in index.nearest(vector, 10, limits)} <= {f"undated-{n}" for n in range(10)}
    dated_index.ingest([Article(id="early", text="Record number zero closes early.", title="Early", date="2024-12-30")])
    assert "early" in {a for a, _ in index.nearest(vector, 40, limits)}


def test_a_question_searched_inside_a_window_and_then_without_asks_chroma_once(dated_index, monkeypatch) -> None:
    index = dated_index.index
    asked = []
    query = index.vectors.query
    monkeypatch.setattr(index.vectors, "query", lambda *args: asked.append(args[1]) or query(*args))
    vector = index.encode_question("Which ship will dredge the harbour this week?")
    week = SearchFilters(date_from="2025-03-10", date_to="2025-03-16", as_of="2025-03-16")
    inside = index.nearest(vector, 20, week)
    everywhere = index.nearest(vector, 20, SearchFilters(as_of="2025-03-16"))
    assert len(asked) == 1  # the window's over-fetch serves the as-of search too
    dates = {a.id: a.date for a in dated_index.articles()}
    assert inside and all(dates[a] and "2025-03-10" <= dates[a] <= "2025-03-16" for a, _ in inside)
    index._last_neighbours = LastSearch()  # forget the window's search
    fresh = index.nearest(vector, 20, SearchFilters(as_of="2025-03-16"))
    assert len(asked) == 2 and everywhere[0] == fresh[0]  # the same neighbours as a search of its own
    assert len(set(everywhere) & set(fresh)) >= 0.8 * len(fresh)
