"""Reconcile the local catalog with a Chroma server, the source of truth in server mode.

The local catalog (articles + BM25) is a cache of the server's records: every write
stamps the collection with a new generation token, and a catalog whose token or
sentence count differs from the server's is rebuilt from the server's records, which
carry everything needed (sentence text on every record; the article's text, metadata
and content hash on its first sentence).

A catalog is bound to one store when first opened (`bind_catalog`: the embedded store,
or one collection on one server) and is never reconciled against another. Only a cache
of a server drops the articles that server no longer has: everything such a cache holds
came from that server. An embedded catalog is the only copy of its articles' text, so a
reconcile there keeps the articles the vector store lacks and names them (`kept`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import StoreDamagedError
from assistant.store.catalog import Catalog
from assistant.store.layout import is_server_identity
from assistant.store.records import decode_article, split_sentence_key
from assistant.store.vectors import VectorIndex

SYNCED_GENERATION = "synced_generation"
BOUND_TO = "store"  # catalog meta: the store (layout.store_identity) this catalog belongs to


@dataclass
class SyncReport:
    """What a reconcile with the server changed in the local catalog."""

    pulled: list[str] = field(default_factory=list)  # added or replaced from the server
    dropped: list[str] = field(default_factory=list)  # gone from the server, so removed here
    reconciled: bool = False  # False: tokens and counts matched, nothing was read
    kept: list[str] = field(default_factory=list)  # embedded catalog only: no vectors, but never dropped


def bind_catalog(catalog: Catalog, identity: str, path: str = "") -> None:
    """Record which store `catalog` belongs to; refuse a catalog that belongs to another one."""
    bound = catalog.get_meta(BOUND_TO)
    if bound is None:
        catalog.set_meta(BOUND_TO, identity)
    elif bound != identity:
        raise StoreDamagedError(
            f"the catalog {path or '(in memory)'} belongs to {bound!r}, not to {identity!r}; it was left untouched",
            path=path,
        )


def is_server_cache(catalog: Catalog) -> bool:
    """Whether this catalog is a cache of a Chroma server's collection (see bind_catalog)."""
    bound = catalog.get_meta(BOUND_TO)
    return bound is not None and is_server_identity(bound)


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
    gone = sorted(set(local) - set(server))
    if is_server_cache(catalog):
        report.dropped = gone
    else:
        report.kept = gone
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
