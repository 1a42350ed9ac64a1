"""Backups: every ready article of an index as JSON lines (gzipped when the name ends in .gz).

Each line is one article as the loaders read it back: `id`, `title`, `date`, `source`,
`url`, `category`, `text`, plus `content_hash` and `sentence_count` to check a restore
against. The record's `id` is the id a re-ingest gives the article, and the text is the
one the index split into sentences, so `assistant --index other ingest backup.jsonl.gz`
rebuilds the same articles with the same ids, sentence counts and content hashes.

Articles given to `Assistant.ingest` as Article objects are stored as given, while
files are cleaned on reading (line endings, spaces in titles, ...); the few such
articles that a re-ingest would store differently are named in the report
(`changed_on_restore`). The file is written to a temporary name and renamed, so a backup
is never left half-written under its own name.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from assistant.ingest.loaders import Skipped, article_from_record, content_hash
from assistant.schema import StoredArticle
from assistant.store.catalog import Catalog


@dataclass
class ExportReport:
    path: Path
    written: int = 0
    changed_on_restore: list[str] = field(default_factory=list)  # a re-ingest would not reproduce these exactly


def backup_record(article: StoredArticle) -> dict[str, object]:
    """One line of a backup: what the loaders need to give the same article back."""
    return {
        "id": article.id,
        "title": article.title,
        "date": article.date,
        "source": article.source,
        "url": article.url,
        "category": article.category,
        "text": article.text,
        "content_hash": article.hash,
        "sentence_count": article.sentence_count,
    }


def restores_exactly(record: dict[str, object], article: StoredArticle) -> bool:
    """Whether loading `record` gives an article with `article`'s id and content hash."""
    loaded = article_from_record(dict(record), "backup")
    return not isinstance(loaded, Skipped) and loaded.id == article.id and content_hash(loaded) == article.hash


def export_articles(catalog: Catalog, path: str | Path) -> ExportReport:
    """Write every ready article of `catalog` to `path` (.jsonl, or .jsonl.gz), atomically."""
    target = Path(path)
    report = ExportReport(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with partial.open("wb") as raw:
            with _text(raw, gzipped=target.name.endswith(".gz")) as handle:
                for listed in sorted(catalog.list_articles(), key=lambda a: a.id):
                    article = catalog.get(listed.id)
                    if article is None or article.status != "ready":
                        continue  # deleted or being rewritten since it was listed
                    record = backup_record(article)
                    if not restores_exactly(record, article):
                        report.changed_on_restore.append(article.id)
                    handle.write(_line(record))
                    report.written += 1
            raw.flush()
            os.fsync(raw.fileno())
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return report


def _line(record: dict[str, object]) -> str:
    line = json.dumps(record, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (only in articles given as objects): escaped instead
        line = json.dumps(record)
    return line + "\n"


def _text(raw: IO[bytes], gzipped: bool) -> io.TextIOWrapper:
    stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="wb") if gzipped else io.BufferedWriter(_Unclosed(raw))  # type: ignore[assignment]
    return io.TextIOWrapper(stream, encoding="utf-8", newline="\n")


class _Unclosed(io.RawIOBase):
    """`raw` for a TextIOWrapper that must not close it (it is synced after the text is written)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self.raw.write(data)
