"""Repairs: crash leftovers on every open (`repair_pending`), damaged stores on request (`repair_store`).

An ingest marks its batch 'pending' in the catalog before touching either store, so
a killed process leaves those articles pending. Wiping them from both stores lets a
re-run see them as new and write them once: nothing lost, nothing duplicated.

`repair_store` (`assistant repair`) fixes what `health.check_store` finds, deciding
which side is the truth from the generation tokens (see health.py). It is idempotent
(a second run finds nothing and does nothing) and crash-safe (every step leaves a state
the next run recognises and finishes):

- a lost catalog is rebuilt into `catalog.sqlite.rebuild` from the vector records, then
  the old file (with its -wal/-shm) is renamed `catalog.sqlite.damaged-<time>` and the
  new one renamed into place: nothing the user had is deleted;
- an unsearchable collection is dropped and made again, stamped with the catalog's
  token, so a run killed while re-embedding is seen next time as "sentences with no
  vector" (tokens match) and continues, never as a lost catalog;
- missing vectors are re-embedded from the catalog's sentences and article metadata
  (only the missing ones); orphan vectors are deleted;
- both stores get one fresh token at the end.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.schema import Article, PreparedArticle, Sentence
from assistant.store.catalog import Catalog
from assistant.store.records import decode_article, encode_records, split_sentence_key
from assistant.store.sync import SYNCED_GENERATION, stamp
from assistant.store.upgrade import FORMAT_VERSION
from assistant.store.vectors import VectorIndex

if TYPE_CHECKING:
    from assistant.store.health import HealthReport
    from assistant.store.index import SentenceIndex

REBUILD_SUFFIX = ".rebuild"
DAMAGED_SUFFIX = ".damaged-"
SIDE_FILES = ("", "-wal", "-shm", "-journal")  # an SQLite database and the files that go with it
REEMBED_BATCH = 2000  # sentences embedded and written per step
PROGRESS_FROM = 5000  # a progress bar from this many sentences to re-embed


def repair_pending(catalog: Catalog, vectors: VectorIndex) -> list[str]:
    """Wipe pending articles from both stores; returns their ids."""
    pending = catalog.pending_ids()
    if pending:
        vectors.delete_articles(pending)
        catalog.delete_articles(pending)
    return pending


@dataclass
class RepairReport:
    """What a repair did, in order, and the check that followed it."""

    actions: list[str] = field(default_factory=list)
    catalog_rebuilt: bool = False
    kept_aside: list[str] = field(default_factory=list)  # damaged files renamed, never deleted
    collection_rebuilt: bool = False
    reembedded: int = 0
    orphans_deleted: int = 0
    pending_removed: list[str] = field(default_factory=list)
    upgraded: int = 0
    unrepairable: list[str] = field(default_factory=list)
    before: HealthReport | None = None
    after: HealthReport | None = None

    @property
    def changed(self) -> bool:
        return bool(self.actions)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["before"] = self.before.to_dict() if self.before else None
        data["after"] = self.after.to_dict() if self.after else None
        return data


def repair_store(index: SentenceIndex, progress: bool = True) -> RepairReport:
    """Fix every problem the full check finds; a no-op on a sound index."""
    from assistant.store import health

    report = RepairReport(before=index.check())
    found = report.before.kinds()
    if not found:
        report.after = report.before
        return report
    if health.FORMAT_NEWER in found:
        report.unrepairable.append("the catalog was written by a newer version: upgrade the assistant")
        report.after = report.before
        return report
    if found & health.CATALOG_SIDE:
        if not report.before.vectors:
            report.unrepairable.append("the catalog is lost and the vector store holds nothing to rebuild it from")
            report.after = report.before
            return report
        _rebuild_catalog(index, report)  # documents and metadata stay readable even without the HNSW segment
    if index.catalog.pending_ids():
        report.pending_removed = repair_pending(index.catalog, index.vectors)
        report.actions.append(f"removed {len(report.pending_removed)} interrupted article(s) from both stores")
    token = index.catalog.get_meta(SYNCED_GENERATION) or ""
    if found & health.UNSEARCHABLE:
        # Stamped with the catalog's token: a run killed while re-embedding leaves "sentences with no vector".
        index.vectors.recreate(token)
        report.collection_rebuilt = True
        report.actions.append(f"dropped the unsearchable collection {index.vectors.name!r} to rebuild it")
    elif health.VECTORS_LOST in found and token:
        index.vectors.set_generation(token)
    if health.FORMAT_OLD in found and not report.collection_rebuilt:
        report.upgraded = index.upgrade()
        report.actions.append(f"upgraded the index format: re-embedded {report.upgraded} sentences")
    missing, orphans = health.missing_and_orphans(index.catalog, index.vectors)
    if orphans:
        index.vectors.delete_ids(orphans)
        report.orphans_deleted = len(orphans)
        report.actions.append(f"deleted {len(orphans)} orphan vector(s) with no catalog sentence")
    if missing:
        report.reembedded = reembed(index, missing, progress)
        report.actions.append(f"re-embedded {report.reembedded} sentence(s) that had no vector")
    if report.collection_rebuilt and index.catalog.format_version() < FORMAT_VERSION:
        index.catalog.set_format_version(FORMAT_VERSION)  # every vector was just written by this version
    if report.actions:
        stamp(index.catalog, index.vectors)
    report.after = index.check()
    return report


def _rebuild_catalog(index: SentenceIndex, report: RepairReport) -> None:
    """Build a new catalog from the vector records beside the old one, then swap: the old is kept aside."""
    path = index.catalog.path
    hint = index.catalog.repair_hint
    temporary = path.with_name(path.name + REBUILD_SUFFIX)
    for suffix in SIDE_FILES:  # an earlier run's unfinished rebuild (our own output, not the user's)
        Path(f"{temporary}{suffix}").unlink(missing_ok=True)
    fresh = Catalog(temporary, hint)
    try:
        articles, skipped = _fill_from_vectors(fresh, index.vectors, index.settings.window_size)
        fresh.set_format_version(FORMAT_VERSION)
        fresh.set_meta(SYNCED_GENERATION, index.vectors.generation())
    finally:
        fresh.close_single_file()
    index.catalog.close()
    aside = _free_name(path.with_name(f"{path.name}{DAMAGED_SUFFIX}{time.strftime('%Y%m%d-%H%M%S')}"))
    for suffix in (*SIDE_FILES[1:], SIDE_FILES[0]):  # the main file last: a stray -wal never meets a new file
        old = Path(f"{path}{suffix}")
        if old.exists():
            os.replace(old, f"{aside}{suffix}")
    os.replace(temporary, path)
    index.catalog = Catalog(path, hint)
    report.catalog_rebuilt = True
    if Path(aside).exists():
        report.kept_aside.append(str(aside))
    kept = f"; the old file is kept as {aside}" if report.kept_aside else ""
    report.actions.append(f"rebuilt the catalog {path} from the vector records ({articles} articles){kept}")
    if skipped:
        report.actions.append(
            f"{len(skipped)} record group(s) carried no article text and were left out: {skipped[:5]}"
        )


def _free_name(wanted: Path) -> Path:
    """`wanted`, or `wanted-2`, `-3`...: a file kept aside never replaces another kept earlier."""
    candidate, number = wanted, 1
    while any(Path(f"{candidate}{suffix}").exists() for suffix in SIDE_FILES):
        number += 1
        candidate = wanted.with_name(f"{wanted.name}-{number}")
    return candidate


def _fill_from_vectors(catalog: Catalog, vectors: VectorIndex, window_size: int) -> tuple[int, list[str]]:
    """Write every article the vector records carry into `catalog`; returns (articles, ids left out)."""
    grouped: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
    for ids, documents, metadatas in vectors.iter_records():
        for key, document, metadata in zip(ids, documents, metadatas, strict=True):
            article_id, number = split_sentence_key(key)
            grouped.setdefault(article_id, []).append((number, document, metadata or {}))
    batch: list[PreparedArticle] = []
    skipped: list[str] = []
    written = 0
    for article_id, records in grouped.items():
        records.sort(key=lambda record: record[0])
        digest = str(records[0][2].get("content_hash") or "")
        try:
            batch.append(decode_article(article_id, digest, records, window_size))
        except (ValueError, KeyError):  # records without the article's text (orphans): nothing to rebuild
            skipped.append(article_id)
            continue
        if len(batch) >= 500:
            catalog.commit_articles(batch)
            written += len(batch)
            batch = []
    if batch:
        catalog.commit_articles(batch)
        written += len(batch)
    return written, skipped


def reembed(index: SentenceIndex, missing: list[str], progress: bool = True) -> int:
    """Embed and store the vectors of catalog sentences that have none; returns how many were written."""
    wanted: dict[str, set[int]] = {}
    for key in missing:
        article_id, number = split_sentence_key(key)
        wanted.setdefault(article_id, set()).add(number)
    bar = None
    if progress and len(missing) >= PROGRESS_FROM:
        from tqdm.auto import tqdm

        print(f"Re-embedding {len(missing)} sentences from the catalog", file=sys.stderr)
        bar = tqdm(total=len(missing), desc="Re-embedding", unit=" sentences")
    done = 0
    batch: list[PreparedArticle] = []

    def flush() -> None:
        nonlocal done, batch
        texts = [s.text for item in batch for s in item.sentences]
        if texts:
            index.vectors.add(encode_records(batch, index.embedder.encode(texts)))
            done += len(texts)
            if bar is not None:
                bar.update(len(texts))
        batch = []

    try:
        for article_id, numbers in wanted.items():
            item = _catalog_article(index.catalog, article_id, numbers)
            if item is not None:
                batch.append(item)
            if sum(len(b.sentences) for b in batch) >= REEMBED_BATCH:
                flush()
        flush()
    finally:
        if bar is not None:
            bar.close()
    return done


def _catalog_article(catalog: Catalog, article_id: str, numbers: set[int]) -> PreparedArticle | None:
    """The catalog's article with only the sentences `numbers`, as encode_records takes it."""
    stored = catalog.get(article_id)
    if stored is None:
        return None
    rows = [row for row in catalog.article_sentences(article_id) if row[0] in numbers]
    article = Article(
        id=stored.id,
        text=stored.text,
        title=stored.title,
        date=stored.date,
        source=stored.source,
        url=stored.url,
        category=stored.category,
        origin=stored.origin,
    )
    sentences = [Sentence(number, start, end, text) for number, start, end, text, _ in rows]
    return PreparedArticle(article, stored.hash, sentences, [window for *_, window in rows])
