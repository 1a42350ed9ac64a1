"""Indexes written by the previous format (one vector per sentence window) are upgraded on open."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np

from assistant.store.index import FORMAT_VERSION
from assistant.store.records import sentence_key


def test_window_vector_index_is_re_embedded_on_open(make_assistant, geneva_record):
    from assistant import Article

    assistant = make_assistant("legacy")
    assistant.ingest([Article(**{k: geneva_record[k] for k in ("id", "title", "text", "date", "source")})])
    index = assistant.index
    rows = [row for batch in index.catalog.iter_sentences() for row in batch]
    keys = [sentence_key(article_id, i) for article_id, i, _ in rows]
    stored_rows = index.catalog.sentences([(article_id, i) for article_id, i, _ in rows])
    windows = [stored_rows[(article_id, i)].window for article_id, i, _ in rows]
    # Make it look like a format-1 index: window vectors, no recorded version.
    index.vectors.update_embeddings(keys, assistant.embedder.encode(windows))
    index.catalog.set_format_version(0)
    before = assistant.ask("Who mediated?")

    reopened = make_assistant("legacy")
    assert reopened.index.catalog.format_version() == FORMAT_VERSION
    stored = reopened.index.vectors.embeddings(keys)
    expected = reopened.embedder.encode([text for _, _, text in rows])
    assert np.allclose(np.stack([stored[k] for k in keys]), expected, atol=1e-4)
    after = reopened.ask("Who mediated?")
    assert after.citations[0].sentence.startswith("The talks are being mediated by Witkoff")
    assert after.citations[0].score != before.citations[0].score  # scores now come from sentence vectors
    assert make_assistant("legacy").index.upgrade() == 0  # nothing left to do


def test_writes_larger_than_chromas_batch_limit_are_split(make_assistant, geneva_record):
    from assistant import Article

    assistant = make_assistant("batches")
    vectors = assistant.index.vectors
    vectors.max_batch = 7  # real Chroma, a limit small enough to cross
    collection_class = type(vectors.collection)
    original_add = collection_class.add
    sizes: list[int] = []

    def recording_add(collection, ids, **kwargs):
        sizes.append(len(ids))
        return original_add(collection, ids, **kwargs)

    article = Article(**{k: geneva_record[k] for k in ("id", "title", "text", "date", "source")})
    with patch.object(collection_class, "add", recording_add):
        report = assistant.ingest([article])
    assert report.sentences_indexed > 7 * 3
    assert max(sizes) <= 7 and sum(sizes) == report.sentences_indexed == vectors.count()
    assert assistant.index.upgrade() == 0
    rows = [row for batch in assistant.index.catalog.iter_sentences() for row in batch]
    keys = [sentence_key(a, i) for a, i, _ in rows]
    assistant.index.vectors.update_embeddings(keys, assistant.embedder.encode([t for _, _, t in rows]))
    assert assistant.ask("Who mediated?").citations[0].sentence.startswith("The talks are being mediated")


def test_records_written_through_llama_index_stay_readable(make_assistant, geneva_record):
    """Earlier versions wrote each sentence as a llama-index TextNode (offsets inside `_node_content`)."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from assistant import Article

    assistant = make_assistant("llama-layout")
    article = Article(**{k: geneva_record[k] for k in ("id", "title", "text", "date", "source")})
    assistant.ingest([article])
    catalog, vectors = assistant.index.catalog, assistant.index.vectors
    before = [row for batch in catalog.iter_sentences() for row in batch]
    rows = {sentence_key(a, i): row for (a, i), row in catalog.sentences([(a, i) for a, i, _ in before]).items()}
    offsets = {(r.sentence_index, r.start, r.end) for r in rows.values()}
    stored = vectors.collection.get(include=["embeddings", "documents", "metadatas"])
    nodes = []
    for key, vector, text, metadata in zip(
        stored["ids"], stored["embeddings"], stored["documents"], stored["metadatas"], strict=True
    ):
        row = rows[key]
        old = {k: v for k, v in metadata.items() if k != "document_id"} | {
            "article_id": row.article_id,
            "sentence_index": row.sentence_index,
        }
        node = TextNode(id_=key, text=text, start_char_idx=row.start, end_char_idx=row.end, metadata=old)
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=article.id)
        node.embedding = list(vector)
        nodes.append(node)
    vectors.collection.delete(ids=stored["ids"])
    ChromaVectorStore(chroma_collection=vectors.collection).add(nodes)

    catalog.delete_articles([article.id])  # the catalog must now be rebuilt from those records
    assert assistant.index.sync(force=True).pulled == [article.id]
    rebuilt = catalog.sentences([(a, i) for a, i, _ in before])
    assert {(r.sentence_index, r.start, r.end) for r in rebuilt.values()} == offsets
    answer = assistant.ask("Who mediated?")
    assert answer.citations[0].sentence.startswith("The talks are being mediated by Witkoff")
    assistant.delete(article.id)  # deletes still find the old records by their `document_id`
    assert vectors.count() == 0
