"""Reconcile the local catalog with a Chroma server, the source of truth in server mode.

The local catalog (articles + BM25) is a cache of the server's records: every write
stamps the collection with a new generation token, and a catalog whose token or
sentence count differs from the server's is rebuilt from the server's records, which
carry everything needed (sentence text on every record; the article's text, metadata
and content hash on its first sentence).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from assistant.store.catalog import Catalog
from assistant.store.records import decode_article, split_sentence_key
from assistant.store.vectors import VectorIndex

SYNCED_GENERATION = "synced_generation"


@dataclass
class SyncReport:
    """What a reconcile with the server changed in the local catalog."""

    pulled: list[str] = field(default_factory=list)  # added or replaced from the server
    dropped: list[str] = field(default_factory=list)  # gone from the server, so removed here
    reconciled: bool = False  # False: tokens and counts matched, nothing was read


def stamp(catalog: Catalog, vectors: VectorIndex) -> None:
    """Record a new generation on the store and remember it as the one this catalog matches."""
    token = uuid.uuid4().hex
    vectors.set_generation(token)
    catalog.set_meta(SYNCED_GENERATION, token)


def sync_catalog(catalog: Catalog, vectors: VectorIndex, window_size: int, force: bool = False) -> SyncReport:
    """Bring the local catalog in line with the vector store (cheap when nothing changed)."""
    token = vectors.generation()
    catalog.invalidate_counts()
    in_step = token == (catalog.get_meta(SYNCED_GENERATION) or "") and vectors.count() == catalog.sentence_count()
    if in_step and not force:
        return SyncReport()
    report = _reconcile(catalog, vectors, window_size)
    catalog.set_meta(SYNCED_GENERATION, token)
    return report


def _reconcile(catalog: Catalog, vectors: VectorIndex, window_size: int) -> SyncReport:
    server: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
    for ids, documents, metadatas in vectors.iter_records():
        for key, document, metadata in zip(ids, documents, metadatas, strict=True):
            article_id, index = split_sentence_key(key)
            server.setdefault(article_id, []).append((index, document, metadata))
    local = catalog.article_states()
    report = SyncReport(reconciled=True)
    report.dropped = sorted(set(local) - set(server))
    rebuilt = []
    for article_id, records in server.items():
        records.sort(key=lambda record: record[0])
        digest = str(records[0][2].get("content_hash") or "")
        mine = local.get(article_id)
        if mine and not digest and mine[1] == len(records):
            continue  # records from before hashes were stored: the local copy is the better one
        if mine != (digest, len(records)):
            rebuilt.append(decode_article(article_id, digest, records, window_size))
            report.pulled.append(article_id)
    if report.dropped:
        catalog.delete_articles(report.dropped)
    if rebuilt:
        catalog.commit_articles(rebuilt)
    return report
