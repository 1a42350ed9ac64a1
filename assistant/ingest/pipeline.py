"""Turn input files or Article objects into index writes, with a progress bar and a report.

Decides for each article whether it is new, changed, unchanged or a duplicate,
then writes new and changed ones in batches so embedding runs at full batch size.
Three stages overlap, one thread each: while batch n is encoded (main thread),
batch n+1 is checked and split into sentences (preparer) and batch n-1 is written
to Chroma and SQLite (writer), so the encoder rarely waits on anything else.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.ingest.loaders import Note, Skipped, content_hash, load_articles, report_skip_or_note
from assistant.ingest.minhash import signature
from assistant.ingest.sentences import sentence_window, split_sentences
from assistant.schema import Article, IngestReport, PreparedArticle


class PendingWrite(Protocol):
    """A batch marked pending in the index, waiting for its vectors."""

    @property
    def batch(self) -> list[PreparedArticle]: ...
    def commit(self, vectors: np.ndarray) -> int: ...


class IndexWriter(Protocol):
    """What ingest needs from an index: what it holds, and the pending -> ready write protocol."""

    def known_hashes(self, article_ids: list[str]) -> dict[str, tuple[str, str]]: ...
    def id_with_hash(self, content_hash: str) -> str | None: ...
    def begin(self, batch: list[PreparedArticle]) -> PendingWrite: ...
    def embed(self, batch: list[PreparedArticle]) -> np.ndarray: ...


def prepare(article: Article, window_size: int, signatures: bool = True) -> PreparedArticle:
    """Split an article into sentences and the context window of each, and (`signatures`) take its MinHash."""
    sentences = split_sentences(article.text)
    windows = [sentence_window(sentences, s.index, window_size) for s in sentences]
    blob = signature(article.text) if signatures and sentences else None
    return PreparedArticle(article, content_hash(article), sentences, windows, blob)


class Ingestor:
    """Feeds articles into an index; one instance per ingest run."""

    def __init__(
        self,
        index: IndexWriter,
        window_size: int = 1,
        batch_articles: int = 64,
        progress: bool = True,
        signatures: bool = True,
    ) -> None:
        """`signatures=False` leaves the MinHash of each article to be computed when first needed."""
        self.index = index
        self.signatures = signatures
        self.window_size = window_size
        self.batch_articles = batch_articles
        self.progress = progress
        self._preparer: ThreadPoolExecutor | None = None  # one of each per run, see _run
        self._writer: ThreadPoolExecutor | None = None
        self._queued: Future[tuple[PendingWrite | None, set[str]]] | None = None  # being split
        self._in_flight: Future[None] | None = None  # being stored

    def ingest_paths(self, paths: Iterable[str | Path]) -> IngestReport:
        return self._run(load_articles(paths))

    def ingest_articles(self, articles: Iterable[Article]) -> IngestReport:
        return self._run(articles)

    def _run(self, items: Iterable[Article | Skipped | Note]) -> IngestReport:
        from tqdm.auto import tqdm

        started = time.perf_counter()
        report = IngestReport()
        seen_ids: dict[str, str] = {}
        seen_hashes: dict[str, str] = {}
        pending: list[Article] = []
        bar = tqdm(desc="Ingesting", unit=" articles", disable=not self.progress, dynamic_ncols=True)
        self._preparer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-prepare")
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-writer")
        try:
            for item in items:
                if report_skip_or_note(report, item):
                    continue
                bar.update(1)
                reason = self._duplicate_reason(item, seen_ids, seen_hashes)
                if reason:
                    report.skip(item.origin or item.id, reason)
                    continue
                pending.append(item)
                if len(pending) >= self.batch_articles:
                    self._submit(pending, report)
                    bar.set_postfix(sentences=report.sentences_indexed)
                    pending = []
            self._submit(pending, report)
            self._submit([], report)  # pushes the last batch through encoding
            self._wait_for_writer()
        finally:
            self._preparer.shutdown(wait=True, cancel_futures=True)
            self._writer.shutdown(wait=True)  # a batch being stored is finished, never cut off
            bar.close()
        report.seconds = time.perf_counter() - started
        return report

    @staticmethod
    def _duplicate_reason(article: Article, seen_ids: dict[str, str], seen_hashes: dict[str, str]) -> str | None:
        if not article.text.strip():
            return "empty article (no text)"
        if article.id in seen_ids:
            return f"duplicate id {article.id!r} (already read from {seen_ids[article.id]})"
        seen_ids[article.id] = article.origin or article.id
        digest = content_hash(article)
        if digest in seen_hashes and seen_hashes[digest] != article.id:
            return f"same content as article {seen_hashes[digest]!r} in this run"
        seen_hashes[digest] = article.id
        return None

    def _submit(self, articles: list[Article], report: IngestReport) -> None:
        """Queue a batch for splitting, then encode the batch queued before it and hand it to the writer."""
        assert self._preparer is not None and self._writer is not None
        previous = self._queued
        self._queued = self._preparer.submit(self._prepare, articles, report) if articles else None
        if previous is None:
            return
        pending, updated = previous.result()
        if pending is None:
            return
        vectors = self.index.embed(pending.batch)
        self._wait_for_writer()

        def store() -> None:
            report.sentences_indexed += pending.commit(vectors)
            for item in pending.batch:
                (report.updated if item.article.id in updated else report.added).append(item.article.id)

        self._in_flight = self._writer.submit(store)

    def _prepare(self, articles: list[Article], report: IngestReport) -> tuple[PendingWrite | None, set[str]]:
        """Sort a batch into unchanged / twin / to write, split the ones to write and mark them pending."""
        known = self.index.known_hashes([a.id for a in articles])
        to_write: list[PreparedArticle] = []
        updated: set[str] = set()
        for article in articles:
            digest = content_hash(article)
            previous = known.get(article.id)
            if previous and previous == (digest, "ready"):
                report.unchanged.append(article.id)
                continue
            if previous is None:
                twin = self.index.id_with_hash(digest)
                if twin is not None:
                    report.skip(article.origin or article.id, f"same content as indexed article {twin!r}")
                    continue
            prepared = prepare(article, self.window_size, self.signatures)
            if not prepared.sentences:
                report.skip(article.origin or article.id, "no sentences found in text")
                continue
            if previous is not None:
                updated.add(article.id)
            to_write.append(prepared)
        # here, off the encoder's path, but before anything of the batch is written
        return (self.index.begin(to_write) if to_write else None), updated

    def _wait_for_writer(self) -> None:
        """Let the batch being stored finish; its error, if any, is raised here."""
        if self._in_flight is not None:
            in_flight, self._in_flight = self._in_flight, None
            in_flight.result()
