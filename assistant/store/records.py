"""The record codec: how sentences are named and what a vector-store record carries.

Every sentence has one stable id, `article::index`, in both stores, so rewrites never
duplicate. A Chroma record carries only what filters and deletes need, plus, on an
article's first sentence, the article itself: enough to rebuild a catalog from the
vector store alone (a Chroma server, or a lost catalog).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.ingest.sentences import sentence_window
from assistant.schema import Article, PreparedArticle, Sentence

SentenceKey = tuple[str, int]  # (article id, sentence index)


def date_to_int(iso: str | None) -> int | None:
    return int(iso.replace("-", "")) if iso else None


def sentence_key(article_id: str, sentence_index: int) -> str:
    """The id a sentence has in every index: stable, so rewrites never duplicate."""
    return f"{article_id}::{sentence_index}"


def split_sentence_key(key: str) -> SentenceKey:
    article_id, _, index = key.rpartition("::")
    return article_id, int(index)


@dataclass
class SentenceRecords:
    """Parallel lists for one Chroma write: ids, vectors (one row each), texts, metadata."""

    ids: list[str]
    embeddings: np.ndarray
    documents: list[str]
    metadatas: list[dict[str, Any]]


def encode_records(batch: list[PreparedArticle], vectors: np.ndarray) -> SentenceRecords:
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


def decode_article(
    article_id: str, digest: str, records: list[tuple[int, str, dict[str, Any]]], window_size: int
) -> PreparedArticle:
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
    windows = [sentence_window(sentences, s.index, window_size) for s in sentences]
    return PreparedArticle(article, digest, sentences, windows)


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
