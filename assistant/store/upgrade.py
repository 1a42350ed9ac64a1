"""Format upgrades: bring an index written by an older version to FORMAT_VERSION.

Format versions (SQLite `user_version`): 1 stored one vector per sentence *window*;
2 stores one vector per sentence. A version-1 index is re-embedded from its catalog
(same ids, updated in place, so an interrupted upgrade just resumes).
"""

from __future__ import annotations

import sys

from assistant.models.embedder import Embedder
from assistant.store.catalog import Catalog
from assistant.store.records import sentence_key
from assistant.store.vectors import VectorIndex

FORMAT_VERSION = 2  # one vector per sentence, embedded alone


def upgrade_format(catalog: Catalog, vectors: VectorIndex, embedder: Embedder, label: str) -> int:
    """Re-embed what an older format stored; returns how many sentences were re-embedded."""
    if catalog.format_version() >= FORMAT_VERSION:
        return 0
    total = catalog.sentence_count()
    done = 0
    if total:
        from tqdm.auto import tqdm

        print(f"Upgrading index {label!r}: re-embedding {total} sentences", file=sys.stderr)
        with tqdm(total=total, desc="Re-embedding", unit=" sentences") as bar:
            for rows in catalog.iter_sentences():
                encoded = embedder.encode([text for _, _, text in rows])
                vectors.update_embeddings([sentence_key(article_id, index) for article_id, index, _ in rows], encoded)
                done += len(rows)
                bar.update(len(rows))
    catalog.set_format_version(FORMAT_VERSION)
    return done
