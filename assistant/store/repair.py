"""Crash repair: remove every trace of articles whose write was interrupted.

An ingest marks its batch 'pending' in the catalog before touching either store, so
a killed process leaves those articles pending. Wiping them from both stores lets a
re-run see them as new and write them once: nothing lost, nothing duplicated.
"""

from __future__ import annotations

from assistant.store.catalog import Catalog
from assistant.store.vectors import VectorIndex


def repair_pending(catalog: Catalog, vectors: VectorIndex) -> list[str]:
    """Wipe pending articles from both stores; returns their ids."""
    pending = catalog.pending_ids()
    if pending:
        vectors.delete_articles(pending)
        catalog.delete_articles(pending)
    return pending
