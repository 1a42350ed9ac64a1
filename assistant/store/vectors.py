"""Sentence embeddings in Chroma, written and queried through llama-index.

The same class serves an embedded on-disk store (`chromadb.PersistentClient`) and a
Chroma server (`chromadb.HttpClient`); only how the client is made differs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.errors import IndexUnavailableError
from assistant.schema import SearchFilters
from assistant.store.catalog import chunks, date_to_int

COLLECTION_PREFIX = "sentences"


def make_chroma_client(index_path: Path, chroma_url: str | None) -> Any:
    """An embedded client under `index_path/chroma`, or an HTTP client for a server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if chroma_url:
            parsed = urlparse(chroma_url)
            return chromadb.HttpClient(
                host=parsed.hostname or "localhost",
                port=parsed.port or 8000,
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        return chromadb.PersistentClient(path=str(index_path / "chroma"), settings=settings)
    except Exception as exc:  # chromadb raises several unrelated types here
        where = chroma_url or index_path
        raise IndexUnavailableError(f"cannot open the Chroma store at {where}: {exc}") from exc


class VectorIndex:
    """Chroma collection of sentence vectors, one record per sentence (id `article::index`)."""

    def __init__(self, client: Any, collection_name: str) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        # embedding_function=None: Chroma must never embed (or download a model) itself.
        self.client = client
        self.name = collection_name
        self.collection = client.get_or_create_collection(
            collection_name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self.store = ChromaVectorStore(chroma_collection=self.collection)
        # Chroma refuses writes larger than this (about 5,000 records embedded, less on some servers).
        self.max_batch = int(client.get_max_batch_size())

    def generation(self) -> str:
        """A token that every write replaces, so readers can tell the collection changed."""
        fresh = self.client.get_collection(self.name, embedding_function=None)  # another writer may have changed it
        return str((fresh.metadata or {}).get("generation", ""))

    def set_generation(self, token: str) -> None:
        self.collection.modify(metadata={"generation": token})

    def iter_records(self, page: int = 2000) -> Iterator[tuple[list[str], list[str], list[dict[str, Any]]]]:
        """Every record as (ids, documents, metadatas), a page at a time."""
        offset = 0
        while True:
            found = self.collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
            if not found["ids"]:
                return
            yield found["ids"], found["documents"], found["metadatas"]
            offset += len(found["ids"])

    def count(self) -> int:
        return int(self.collection.count())

    def count_for(self, article_id: str) -> int:
        return len(self.collection.get(where={"document_id": article_id}, include=[])["ids"])

    def add(self, nodes: list[Any]) -> None:
        """Add llama-index TextNodes that already carry embeddings, in batches Chroma accepts."""
        for batch in chunks(nodes, self.max_batch):
            self.store.add(batch)

    def delete_articles(self, article_ids: list[str]) -> None:
        for chunk in chunks(article_ids, 200):
            self.collection.delete(where={"document_id": {"$in": chunk}})

    def update_embeddings(self, keys: list[str], vectors: np.ndarray) -> None:
        """Replace the vectors of existing records (metadata and documents stay)."""
        for start in range(0, len(keys), self.max_batch):  # keys and vectors sliced together
            part = slice(start, start + self.max_batch)
            self.collection.update(ids=keys[part], embeddings=[v.tolist() for v in vectors[part]])

    def embeddings(self, keys: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors by sentence key (missing keys are left out)."""
        if not keys:
            return {}
        found = self.collection.get(ids=keys, include=["embeddings"])
        return {
            key: np.asarray(vector, dtype=np.float32)
            for key, vector in zip(found["ids"], found["embeddings"], strict=True)
        }

    def query(self, embedding: np.ndarray, k: int, filters: SearchFilters) -> list[tuple[str, float]]:
        """(sentence key, cosine similarity), best first."""
        from llama_index.core.vector_stores.types import VectorStoreQuery

        if k <= 0:
            return []
        result = self.store.query(
            VectorStoreQuery(
                query_embedding=embedding.tolist(),
                similarity_top_k=k,
                filters=_metadata_filters(filters),
            )
        )
        # ChromaVectorStore reports exp(-cosine distance); turn it back into cosine.
        return [
            (node_id, 1.0 + math.log(max(similarity, 1e-12)))
            for node_id, similarity in zip(result.ids or [], result.similarities or [], strict=False)
        ]


def _metadata_filters(filters: SearchFilters) -> Any:
    from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters

    parts: list[MetadataFilter] = []
    if filters.sources:
        parts.append(MetadataFilter(key="source", value=list(filters.sources), operator=FilterOperator.IN))
    if filters.date_from:
        parts.append(MetadataFilter(key="date_int", value=date_to_int(filters.date_from), operator=FilterOperator.GTE))
    if filters.date_to:
        parts.append(MetadataFilter(key="date_int", value=date_to_int(filters.date_to), operator=FilterOperator.LTE))
    if filters.article_ids:  # llama-index stores each node's source article as `document_id`
        parts.append(MetadataFilter(key="document_id", value=list(filters.article_ids), operator=FilterOperator.IN))
    return MetadataFilters(filters=parts) if parts else None
