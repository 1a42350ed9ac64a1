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
