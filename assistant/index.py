"""The sentence index: Chroma vectors + SQLite catalog/BM25, kept in step.

Write protocol (what makes a killed ingest recoverable):
1. mark the batch's articles 'pending' in the catalog (committed);
2. delete their old vectors, add the new ones (stable ids: article::sentence);
3. in one SQLite transaction, replace their sentences and mark them 'ready'.
On open, any article still 'pending' is wiped from both stores, so a re-run of
ingest sees it as new and writes it once: nothing lost, nothing duplicated.

With a Chroma server, the server is the source of truth and the local catalog
(articles + BM25) is a cache of it: every write stamps the collection with a new
generation token, and on open (or `assistant sync`) a catalog whose token or
sentence count differs from the server's is reconciled from the server's records,
which carry everything needed (sentence text and offsets on every record; the
article's text, metadata and content hash on its first sentence).

Format versions (SQLite `user_version`): 1 stored one vector per sentence *window*;
2 stores one vector per sentence. A version-1 index is re-embedded from its
catalog on open (same ids, upserted, so an interrupted upgrade just resumes).
"""

from __future__ import annotations

import json
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.articles import content_hash
from assistant.config import Settings
from assistant.embed import Embedder
from assistant.errors import ArticleNotFoundError
from assistant.schema import Article, Sentence
from assistant.sentences import sentence_window, split_sentences
from assistant.store.catalog import Catalog, StoredArticle, date_to_int, sentence_key, split_sentence_key
from assistant.store.vectors import COLLECTION_PREFIX, SentenceRecords, VectorIndex, make_chroma_client

FORMAT_VERSION = 2  # one vector per sentence, embedded alone
SYNCED_GENERATION = "synced_generation"


@dataclass
class SyncReport:
    """What a reconcile with the server changed in the local catalog."""

    pulled: list[str] = field(default_factory=list)  # added or replaced from the server
    dropped: list[str] = field(default_factory=list)  # gone from the server, so removed here
    reconciled: bool = False  # False: tokens and counts matched, nothing was read


@dataclass(frozen=True)
class PreparedArticle:
    """An article split into sentences and embedding windows, ready to write."""

    article: Article
    content_hash: str
    sentences: list[Sentence]
    windows: list[str]


def prepare(article: Article, window_size: int) -> PreparedArticle:
    sentences = split_sentences(article.text)
    windows = [sentence_window(sentences, s.index, window_size) for s in sentences]
    return PreparedArticle(article, content_hash(article), sentences, windows)


class SentenceIndex:
    """Owns both stores of one named index and keeps them consistent."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        path: Path = settings.index_path
        path.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(path / "catalog.sqlite")
        client = make_chroma_client(path, settings.chroma_url)
        name = f"{COLLECTION_PREFIX}-{settings.index_name}" if settings.chroma_url else COLLECTION_PREFIX
        self.vectors = VectorIndex(client, name)
        self.repair()
        self.upgrade()
        if settings.chroma_url:
            self.sync()

    def repair(self) -> list[str]:
        """Remove every trace of articles whose write was interrupted."""
        pending = self.catalog.pending_ids()
        if pending:
            self.vectors.delete_articles(pending)
            self.catalog.delete_articles(pending)
        return pending

    def upgrade(self) -> int:
        """Bring an older index to FORMAT_VERSION; returns how many sentences were re-embedded."""
        if self.catalog.format_version() >= FORMAT_VERSION:
            return 0
        total = self.catalog.sentence_count()
        done = 0
        if total:
            from tqdm.auto import tqdm

            print(f"Upgrading index {self.settings.index_name!r}: re-embedding {total} sentences", file=sys.stderr)
            with tqdm(total=total, desc="Re-embedding", unit=" sentences") as bar:
                for rows in self.catalog.iter_sentences():
                    vectors = self.embedder.encode([text for _, _, text in rows])
                    self.vectors.update_embeddings(
                        [sentence_key(article_id, index) for article_id, index, _ in rows], vectors
                    )
                    done += len(rows)
                    bar.update(len(rows))
        self.catalog.set_format_version(FORMAT_VERSION)
        return done

    def sync(self, force: bool = False) -> SyncReport:
        """Bring the local catalog in line with the vector store (cheap when nothing changed)."""
        token = self.vectors.generation()
        self.catalog.invalidate_counts()
        in_step = token == (self.catalog.get_meta(SYNCED_GENERATION) or "") and (
            self.vectors.count() == self.catalog.sentence_count()
        )
        if in_step and not force:
            return SyncReport()
        report = self._reconcile()
        self.catalog.set_meta(SYNCED_GENERATION, token)
        return report

    def _reconcile(self) -> SyncReport:
        server: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
        for ids, documents, metadatas in self.vectors.iter_records():
            for key, document, metadata in zip(ids, documents, metadatas, strict=True):
                article_id, index = split_sentence_key(key)
                server.setdefault(article_id, []).append((index, document, metadata))
        local = self.catalog.article_states()
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
                rebuilt.append(_article_from_records(article_id, digest, records, self.settings.window_size))
                report.pulled.append(article_id)
        if report.dropped:
            self.catalog.delete_articles(report.dropped)
        if rebuilt:
            self.catalog.commit_articles(rebuilt)
        return report

    def _stamp(self) -> None:
        """Record a new generation on the store and remember it as the one this catalog matches."""
        token = uuid.uuid4().hex
        self.vectors.set_generation(token)
        self.catalog.set_meta(SYNCED_GENERATION, token)

    def mark_pending(self, batch: list[PreparedArticle]) -> None:
        """Before anything of the batch is written: a crash from here on is repaired on open."""
        self.catalog.mark_pending([(item.article, item.content_hash) for item in batch])

    def embed(self, batch: list[PreparedArticle]) -> np.ndarray:
        """Encode a batch already marked pending.

        Sentences are embedded alone (short inputs: about 3x faster than windows);
        retrieval rebuilds window vectors from neighbouring sentence vectors.
        """
        return self.embedder.encode([s.text for item in batch for s in item.sentences])

    def store(self, batch: list[PreparedArticle], vectors: np.ndarray) -> int:
        """Write an embedded batch to both stores and mark it ready; returns sentences written."""
        self.vectors.delete_articles([item.article.id for item in batch])
        self.vectors.add(self._records(batch, vectors))
        self.catalog.commit_articles([(i.article, i.content_hash, i.sentences, i.windows) for i in batch])
        self._stamp()
        return len(vectors)

    def _records(self, batch: list[PreparedArticle], vectors: np.ndarray) -> SentenceRecords:
        """One record per sentence. Every record carries what filters need (source, dates);
        the first sentence of an article also carries the article (text, title, url, hash),
        which is all a catalog rebuilt from the store needs. Less metadata, cheaper writes."""
        ids, documents, metadatas = [], [], []
        for item in batch:
            a = item.article
            date_int = date_to_int(a.date) or 0
            for sentence in item.sentences:
                # Only what filters and deletes need: Chroma's metadata writes cost more than its
                # vector writes (3,000 records: 0.7 s of vectors, 1.0 s more with 7 keys each).
                # Offsets are found again in the article's text.
                metadata: dict[str, Any] = {
                    "document_id": a.id,  # the article (llama-index's name for it, kept for old records)
                    "date_int": date_int,
                    "source": a.source,
                }
                if sentence.index == 0:
                    metadata |= {
                        "date": a.date or "",
                        "title": a.title,
                        "url": a.url,
                        "category": a.category,
                        "content_hash": item.content_hash,
                        "article_text": a.text,
                    }
                ids.append(sentence_key(a.id, sentence.index))
                documents.append(sentence.text)
                metadatas.append(metadata)
        return SentenceRecords(ids, vectors, documents, metadatas)

    def delete(self, article_id: str) -> None:
        if self.catalog.get(article_id) is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r} is indexed")
        self.catalog.mark_pending([(Article(id=article_id, text=""), "")])
        self.vectors.delete_articles([article_id])
        self.catalog.delete_articles([article_id])
        self._stamp()

    def articles(self) -> list[StoredArticle]:
        return self.catalog.list_articles()

    def counts(self) -> dict[str, int]:
        return {
            "articles": len(self.catalog.list_articles()),
            "sentences": self.catalog.sentence_count(),
            "vectors": self.vectors.count(),
        }


def _article_from_records(
    article_id: str, digest: str, records: list[tuple[int, str, dict[str, Any]]], window_size: int
) -> tuple[Article, str, list[Sentence], list[str]]:
    """Catalog rows for one article rebuilt from its vector-store records, in sentence order."""
    first = records[0][2]
    text = first.get("article_text")
    if "_node_content" in first:  # written through llama-index: offsets are in its serialised node
        sentences = [Sentence(index, *_node_offsets(m), sentence) for index, sentence, m in records]
    elif isinstance(text, str):
        sentences = _locate(text, [(index, sentence) for index, sentence, _ in records])
    else:
        raise ValueError(f"records of {article_id!r} carry neither offsets nor the article's text")
    if not isinstance(text, str):  # written without the text: place sentences at their offsets
        chars = [" "] * max((s.end for s in sentences), default=0)
        for s in sentences:
            chars[s.start : s.end] = s.text
        text = "".join(chars)
    article = Article(
        id=article_id,
        text=text,
        title=str(first.get("title") or ""),
        date=str(first["date"]) if first.get("date") else None,
        source=str(first.get("source") or ""),
        url=str(first.get("url") or ""),
        category=str(first.get("category") or ""),
        origin="vector store",
    )
    return article, digest, sentences, [sentence_window(sentences, s.index, window_size) for s in sentences]


def _locate(text: str, sentences: list[tuple[int, str]]) -> list[Sentence]:
    """Offsets of sentences that are exact, in-order slices of `text` (as the splitter makes them)."""
    located, cursor = [], 0
    for index, sentence in sentences:
        start = text.find(sentence, cursor)
        if start < 0:
            raise ValueError(f"sentence {index} is not in the article's text")
        cursor = start + len(sentence)
        located.append(Sentence(index, start, cursor, sentence))
    return located


def _node_offsets(metadata: dict[str, Any]) -> tuple[int, int]:
    """A record's character offsets from llama-index's serialised node."""
    node = json.loads(metadata["_node_content"])
    return int(node["start_char_idx"]), int(node["end_char_idx"])
