"""Copy an embedded index onto a Chroma server, unchanged, and prove the copy complete.

`migrate_index` reads the embedded collection a page at a time (vectors, sentence texts
and metadata exactly as stored: nothing is embedded again) and upserts each page into
the server collection `sentences-<index name>`, in batches the server accepts. Upserts
make a rerun of an interrupted migrate finish the copy instead of failing on what is
already there. A destination holding records that are not this index's is refused unless
`replace=True` (which empties it first).

After the copy the destination is stamped with a new generation and its local catalog
cache (`layout.store_folder`) is built by a sync from the server, then verified against
the source: same record count and id set, same articles with the same sentence counts
and content hashes. The source is only read.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.config import Settings
from assistant.errors import AssistantError, ConfigError
from assistant.models.embedder import Embedder
from assistant.store.index import SentenceIndex
from assistant.store.layout import collection_name
from assistant.store.vectors import VectorIndex, make_chroma_client

PAGE = 2000  # records read from the source at a time (the server's batch limit may make writes smaller)


class MigrationRefusedError(AssistantError, ValueError):
    """The destination already holds records that did not come from this index (see `replace`)."""


@dataclass
class MigrateReport:
    """What a migrate copied and what its verification found."""

    url: str
    collection: str
    copied: int = 0  # records upserted (all of them, also on a rerun)
    source_records: int = 0
    destination_records: int = 0
    source_articles: int = 0
    destination_articles: int = 0
    sentences: int = 0  # sentences in the destination's rebuilt catalog
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return not self.problems

    @property
    def records_per_second(self) -> float:
        return self.copied / self.seconds if self.seconds else 0.0


def _pages(collection: Any, include: list[str], page: int = PAGE) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        found = collection.get(include=include, limit=page, offset=offset)
        if not found["ids"]:
            return
        yield found
        offset += len(found["ids"])


def record_ids(collection: Any) -> set[str]:
    """Every record id of a Chroma collection."""
    return {key for found in _pages(collection, [], page=10_000) for key in found["ids"]}


def _foreign_records(source: VectorIndex, destination: VectorIndex) -> list[str]:
    """Destination ids that are not in the source, or whose article differs from the source's."""
    source_hashes: dict[str, str] = {}
    for found in _pages(source.collection, ["metadatas"]):
        for key, metadata in zip(found["ids"], found["metadatas"], strict=True):
            source_hashes[key] = str((metadata or {}).get("content_hash") or "")
    foreign = []
    for found in _pages(destination.collection, ["metadatas"]):
        for key, metadata in zip(found["ids"], found["metadatas"], strict=True):
            if key not in source_hashes or source_hashes[key] != str((metadata or {}).get("content_hash") or ""):
                foreign.append(key)
    return foreign


def _copy(source: VectorIndex, destination: VectorIndex, progress: bool) -> int:
    from tqdm.auto import tqdm

    batch = max(1, min(destination.max_batch, PAGE))
    copied = 0
    with tqdm(
        total=source.count(),
        desc="Migrating",
        unit=" records",
        disable=not progress,
        dynamic_ncols=True,
        file=sys.stderr,
    ) as bar:
        for found in _pages(source.collection, ["embeddings", "documents", "metadatas"]):
            for start in range(0, len(found["ids"]), batch):
                part = slice(start, start + batch)
                destination.collection.upsert(
                    ids=found["ids"][part],
                    embeddings=found["embeddings"][part],
                    documents=found["documents"][part],
                    metadatas=found["metadatas"][part],
                )
                copied += len(found["ids"][part])
                bar.update(len(found["ids"][part]))
    return copied


def migrate_index(
    source: SentenceIndex, url: str, embedder: Embedder, replace_existing: bool = False, progress: bool = True
) -> MigrateReport:
    """Copy the embedded index `source` onto the Chroma server at `url` and verify the copy."""
    if source.settings.chroma_url:
        raise ConfigError("migrate copies an embedded index: open the source without a Chroma server URL")
    started = time.perf_counter()
    target: Settings = replace(source.settings, chroma_url=url.strip())
    name = collection_name(target)
    client = make_chroma_client(target.index_path, target.chroma_url)
    report = MigrateReport(url=target.chroma_url or url, collection=name)
    destination = VectorIndex(client, name)
    if destination.count():
        if replace_existing:
            client.delete_collection(name)
            destination = VectorIndex(client, name)
        else:
            foreign = _foreign_records(source.vectors, destination)
            if foreign:
                raise MigrationRefusedError(
                    f"the collection {name!r} on {report.url} already holds {destination.count()} records, "
                    f"{len(foreign)} of them not from this index (e.g. {foreign[0]!r}); "
                    "pass --replace to empty it first"
                )
    report.copied = _copy(source.vectors, destination, progress)
    # A fresh generation: whatever cache of this collection exists rebuilds from what the server now holds
    # (this one right away, as SentenceIndex.open syncs with a server).
    destination.set_generation(uuid.uuid4().hex)
    _verify_records(source, destination, report)
    try:
        cache = SentenceIndex.open(target, embedder)
    except (ValueError, AssistantError) as exc:  # records the catalog cannot be rebuilt from
        report.problems.append(f"the server's records do not rebuild a catalog: {exc}")
    else:
        try:
            _verify_articles(source, cache, report)
        finally:
            cache.close()
    report.seconds = time.perf_counter() - started
    return report


def _verify_records(source: SentenceIndex, destination: VectorIndex, report: MigrateReport) -> None:
    report.source_records = source.vectors.count()
    report.destination_records = destination.count()
    if report.source_records != report.destination_records:
        report.problems.append(
            f"the server holds {report.destination_records} records, the source {report.source_records}"
        )
    source_ids, destination_ids = record_ids(source.vectors.collection), record_ids(destination.collection)
    if source_ids != destination_ids:
        missing, extra = sorted(source_ids - destination_ids), sorted(destination_ids - source_ids)
        report.problems.append(
            f"record ids differ: {len(missing)} missing on the server, {len(extra)} there that the source lacks"
            + (f" (e.g. {(missing or extra)[0]!r})" if missing or extra else "")
        )


def _verify_articles(source: SentenceIndex, cache: SentenceIndex, report: MigrateReport) -> None:
    mine, theirs = source.catalog.article_states(), cache.catalog.article_states()
    report.source_articles, report.destination_articles = len(mine), len(theirs)
    report.sentences = cache.catalog.sentence_count()
    if mine.keys() != theirs.keys():
        report.problems.append(f"the source catalog has {len(mine)} articles, the server's {len(theirs)}")
    differing = sorted(key for key in mine.keys() & theirs.keys() if not _same(mine[key], theirs[key]))
    if differing:
        report.problems.append(
            f"{len(differing)} article(s) differ in sentence count or content hash (e.g. {differing[0]!r})"
        )


def _same(source: tuple[str, int], copy: tuple[str, int]) -> bool:
    """Same sentence count, and the same content hash where the records carry one (old records may not)."""
    return source[1] == copy[1] and (not copy[0] or source[0] == copy[0])
