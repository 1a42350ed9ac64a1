"""Fast tests of the SQLite catalog alone: atomic writes, BM25 with filters, pending rows repaired."""

from __future__ import annotations

from assistant.ingest.pipeline import prepare
from assistant.schema import Article, SearchFilters
from assistant.store.catalog import Catalog

ARTICLE = Article(
    id="a",
    text="Kestrels nest on the old mill. The mill closed in 1990.",
    title="Mill",
    date="2025-01-02",
    source="Post",
)
OTHER = Article(id="b", text="A kestrel was seen near the river.", title="River", date="2024-06-01", source="Crier")


def test_committed_articles_are_searchable_and_filterable(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    catalog.commit_articles([prepare(ARTICLE, 1), prepare(OTHER, 1)])
    hits = catalog.search(["mill"], 5, SearchFilters())
    assert {(a, i) for a, i, _ in hits} == {("a", 0), ("a", 1)}
    assert {a for a, _, _ in catalog.search(["kestrel"], 5, SearchFilters(sources=("Crier",)))} == {"b"}
    assert catalog.search(["kestrel"], 5, SearchFilters(date_from="2025-01-01"))[0][0] == "a"
    assert catalog.document_frequencies(["mill", "absent"]) == {"mill": 2, "absent": 0}
    rows = catalog.sentences([("a", 1), ("zz", 0)])
    assert list(rows) == [("a", 1)] and rows[("a", 1)].text == "The mill closed in 1990."


def test_pending_articles_are_not_searchable_and_are_reported(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    catalog.commit_articles([prepare(ARTICLE, 1)])
    catalog.mark_pending([(ARTICLE, "new-hash")])
    assert catalog.pending_ids() == ["a"]
    assert catalog.search(["mill"], 5, SearchFilters(sources=("Post",))) == []
    assert catalog.list_articles() == []
    catalog.delete_articles(catalog.pending_ids())
    assert catalog.sentence_count() == 0


def test_bm25_under_date_limits_keeps_exactly_what_sql_filtering_keeps(tmp_path):
    """The as-of path ranks unfiltered and keeps passing articles from cached dates: same hits as SQL."""
    catalog = Catalog(tmp_path / "catalog.sqlite")
    days = [f"2024-{month:02d}-{day:02d}" for month in range(1, 13) for day in (3, 17)]
    articles = [
        Article(id=f"k{n}", text=f"A kestrel was counted, bird number {n}. " * (1 + n % 3), date=day, source="Post")
        for n, day in enumerate(days)
    ]
    undated = Article(id="undated", text="A kestrel was seen with no date given.", source="Post")
    catalog.commit_articles([prepare(a, 1) for a in [*articles, undated]])
    for filters in (
        SearchFilters(as_of="2024-06-30"),
        SearchFilters(date_from="2024-03-01", date_to="2024-03-20", as_of="2024-12-31"),
        SearchFilters(as_of="2023-12-31"),  # before every dated article: only the undated one
        SearchFilters(date_from="2030-01-01"),  # nothing passes
    ):
        fast = catalog.search(["kestrel"], 5, filters)
        slow = catalog._search_filtered('"kestrel"', 5, filters)
        assert [(a, i) for a, i, _ in fast] == [(a, i) for a, i, _ in slow], filters
    assert {a for a, _, _ in catalog.search(["kestrel"], 40, SearchFilters(as_of="2023-12-31"))} == {"undated"}
    assert catalog.search(["kestrel"], 5, SearchFilters(date_from="2030-01-01")) == []
    late = Article(id="late", text="A kestrel kestrel kestrel nests here.", date="2024-06-01", source="Post")
    catalog.commit_articles([prepare(late, 1)])  # a write: the ranking reused between searches is stale
    assert catalog.search(["kestrel"], 1, SearchFilters(as_of="2024-06-30"))[0][0] == "late"
