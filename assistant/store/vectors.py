"""Sentence embeddings in Chroma: one small record per sentence, written and searched directly.

The same class serves an embedded on-disk store (`chromadb.PersistentClient`) and a
Chroma server (`chromadb.HttpClient`); only how the client is made differs.

Records are written with `collection.add` rather than through llama-index's
ChromaVectorStore, which builds and serialises a TextNode per sentence; and a search
asks Chroma for ids and distances only (2 ms on 500k sentences) instead of parsing every
hit back into a node (8 ms). Records written the llama-index way by earlier versions
(a serialised node in `_node_content`) stay readable. llama-index still serves the
retriever interface on top (`assistant.llama_adapter`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.errors import IndexUnavailableError, StoreDamagedError
from assistant.schema import SearchFilters
from assistant.store.catalog import chunks
from assistant.store.records import SentenceRecords, date_to_int


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
        # embedding_function=None: Chroma must never embed (or download a model) itself.
        self.client = client
        self.name = collection_name
        self.collection = client.get_or_create_collection(
            collection_name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        # Chroma refuses writes larger than this (about 5,000 records embedded, less on some servers).
        self.max_batch = int(client.get_max_batch_size())
        self.location = ""  # the folder (or server) named when the collection is found damaged
        self.repair_hint = ""  # the command that repairs it

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Chroma's internal errors (a lost or broken HNSW segment) as StoreDamagedError naming the store."""
        from chromadb.errors import InternalError

        try:
            yield
        except InternalError as exc:
            raise self.damaged(str(exc)) from exc

    def _read(self, call: Callable[[], Any], attempts: int = 4) -> Any:
        """A read, tried again a few times when Chroma fails it: while this process writes (delete, then add),
        a concurrent read can briefly miss ids; only a failure that persists is damage."""
        from chromadb.errors import InternalError

        for attempt in range(attempts):
            try:
                return call()
            except InternalError as exc:
                if attempt == attempts - 1:
                    raise self.damaged(str(exc)) from exc
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def damaged(self, reason: str) -> StoreDamagedError:
        where = self.location or self.name
        how = f"Run `{self.repair_hint}`" if self.repair_hint else "Run `assistant repair`"
        message = (
            f"The vector store {where} (collection {self.name!r}) is damaged: {reason}. {how} to rebuild its "
            "vectors from the catalog; no article is deleted."
        )
        return StoreDamagedError(message, path=str(where), repair=self.repair_hint)

    def probe(self) -> str | None:
        """None when the HNSW search index answers for stored vectors, else why not (a few ms at any size).

        A lost segment folder shows as Chroma failing to read a stored vector back ("Error
        finding id") while counts and unfiltered searches still answer, from what little
        Chroma replayed from its log; the oldest record and one from the middle are read
        and searched for.
        """
        from chromadb.errors import ChromaError

        try:
            total = self.count()
            for offset in sorted({0, total // 2}) if total else []:
                found = self.collection.get(limit=1, offset=offset, include=["embeddings"])
                if not found["ids"]:
                    continue
                key, vector = found["ids"][0], np.asarray(found["embeddings"][0], dtype=np.float32)
                hits = self.collection.query(query_embeddings=[vector], n_results=min(10, total), include=["distances"])
                ids, distances = hits["ids"][0], hits["distances"][0]
                if key not in ids and not (distances and float(distances[0]) < 1e-4):
                    return f"a search for stored vector {key!r} does not find it: the HNSW index is incomplete"
        except ChromaError as exc:
            return f"the HNSW search index does not answer ({exc})"
        return None

    def iter_ids(self, page: int = 20000) -> Iterator[list[str]]:
        """Every record's id, a page at a time (readable even when the HNSW segment is lost)."""
        offset = 0
        while True:
            ids = self.collection.get(include=[], limit=page, offset=offset)["ids"]
            if not ids:
                return
            yield list(ids)
            offset += len(ids)

    def delete_ids(self, keys: list[str]) -> None:
        for chunk in chunks(keys, 1000):
            self.collection.delete(ids=chunk)

    def recreate(self, generation: str) -> None:
        """Drop the collection and make it again, empty, stamped with `generation` (its vectors are rebuilt after)."""
        self.client.delete_collection(self.name)
        metadata: dict[str, Any] = {"hnsw:space": "cosine"}
        if generation:
            metadata["generation"] = generation
        self.collection = self.client.get_or_create_collection(self.name, embedding_function=None, metadata=metadata)

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
            with self.guard():
                found = self.collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
            if not found["ids"]:
                return
            yield found["ids"], found["documents"], found["metadatas"]
            offset += len(found["ids"])

    def count(self) -> int:
        return int(self.collection.count())

    def count_for(self, article_id: str) -> int:
        return len(self.collection.get(where={"document_id": article_id}, include=[])["ids"])

    def add(self, records: SentenceRecords) -> None:
        """Add embedded sentence records, in batches Chroma accepts."""
        for start in range(0, len(records.ids), self.max_batch):
            part = slice(start, start + self.max_batch)
            self.collection.add(
                ids=records.ids[part],
                embeddings=records.embeddings[part],
                documents=records.documents[part],
                metadatas=records.metadatas[part],
            )

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
        found = self._read(lambda: self.collection.get(ids=keys, include=["embeddings"]))
        return {
            key: np.asarray(vector, dtype=np.float32)
            for key, vector in zip(found["ids"], found["embeddings"], strict=True)
        }

    def query(self, embedding: np.ndarray, k: int, filters: SearchFilters) -> list[tuple[str, float]]:
        """(sentence key, cosine similarity), best first."""
        if k <= 0:
            return []
        found = self._read(
            lambda: self.collection.query(
                query_embeddings=[np.asarray(embedding, dtype=np.float32)],
                n_results=k,
                where=chroma_where(filters),
                include=["distances"],
            )
        )
        # The collection's space is cosine: distance = 1 - cosine similarity.
        return [
            (key, 1.0 - float(distance)) for key, distance in zip(found["ids"][0], found["distances"][0], strict=True)
        ]


def chroma_where(filters: SearchFilters) -> dict[str, Any] | None:
    """The search filters as a Chroma `where` clause (None when there are none)."""
    parts: list[dict[str, Any]] = []
    if filters.sources:
        parts.append({"source": {"$in": list(filters.sources)}})
    if filters.date_from:
        parts.append({"date_int": {"$gte": date_to_int(filters.date_from)}})
    if filters.date_to:
        parts.append({"date_int": {"$lte": date_to_int(filters.date_to)}})
    if filters.as_of:  # undated articles are stored as date_int 0, so they stay candidates
        parts.append({"date_int": {"$lte": date_to_int(filters.as_of)}})
    if filters.article_ids:  # each record names its article as `document_id` (llama-index's name for it)
        parts.append({"document_id": {"$in": list(filters.article_ids)}})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}
