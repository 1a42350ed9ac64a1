"""Indexes written by the previous format (one vector per sentence window) are upgraded on open."""

from __future__ import annotations

import numpy as np

from assistant.index import FORMAT_VERSION
from assistant.store.catalog import sentence_key


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
