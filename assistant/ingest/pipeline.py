"""Turn input files or Article objects into index writes, with a progress bar and a report.

Decides for each article whether it is new, changed, unchanged or a duplicate,
then writes new and changed ones in batches so embedding runs at full batch size.
Three stages overlap, one thread each: while batch n is encoded (main thread),
batch n+1 is checked and split into sentences (preparer) and batch n-1 is written
to Chroma and SQLite (writer), so the encoder rarely waits on anything else.

Progress: a terminal bar (tqdm, `progress=True`), or a callback `on_progress(done, total)`
for front ends that draw their own (the browser UI). The callback counts the input's
articles: `total` is known before the first write (files are loaded once to count them,
which costs far less than embedding), and every article read is counted once it is
decided, whatever the outcome (added, updated, unchanged, skipped); so is every entry the
loaders skip (a record with no text, a file that is not text). It is called in the calling
thread only, first with (0, total), never going back, last with (total, total).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.ingest.loaders import Note, Skipped, content_hash, load_articles, report_skip_or_note
from assistant.ingest.minhash import signature
from assistant.ingest.sentences import sentence_window, split_sentences
from assistant.schema import Article, IngestReport, PreparedArticle

ProgressCallback = Callable[[int, int], None]
"""on_progress(articles_done, articles_total): see the module docstring."""


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


def count_items(paths: Iterable[str | Path]) -> int:
    """How many articles and skip entries `load_articles(paths)` yields: the `total` of a progress callback."""
    return sum(1 for item in load_articles(paths) if not isinstance(item, Note))


class _Progress:
    """Articles decided so far, counted from any thread, reported to the callback from the calling one."""

    REPORTS = 200  # at most about this many calls per run, however many articles

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.done = 0
        self.reported = -1
        self.step = max(1, total // self.REPORTS)
        self._lock = threading.Lock()

    def advance(self, count: int = 1) -> None:
        with self._lock:
            self.done += count

    def report(self) -> None:
        """Call back if enough was decided since the last call (the first call always happens)."""
        if self.callback is None:
            return
        done = min(self.done, self.total)  # a file that grew since it was counted never passes the total
        if self.reported < 0 or done >= self.reported + self.step or (done == self.total and done > self.reported):
            self.reported = done
            self.callback(done, self.total)

    def finish(self) -> None:
        """The last call: (total, total), even when fewer were read than counted (a file changed)."""
        if self.callback is not None and self.reported != self.total:
            self.reported = self.total
            self.callback(self.total, self.total)


def prepare(article: Article, window_size: int, signatures: bool = True) -> PreparedArticle:
    """Split an article into sentences and the context window of each, and (`signatures`) take its MinHash."""
    sentences = split_sentences(article.text)
    windows = [sentence_window(sentences, s.index, window_size) for s in sentences]
    blob = signature(article.text) if signatures and sentences else None
    return PreparedArticle(article, content_hash(article), sentences, windows, blob)


class Ingestor:
    """Feeds articles into an index; one instance per ingest run."""

    ProgressCallback = ProgressCallback  # on_progress(articles_done, articles_total), as `Ingestor.ProgressCallback`

    def __init__(
        self,
        index: IndexWriter,
        window_size: int = 1,
        batch_articles: int = 64,
        progress: bool = True,
        signatures: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        """`signatures=False` leaves the MinHash of each article to be computed when first needed.

        `on_progress(articles_done, articles_total)` replaces the terminal bar (`progress` is then
        ignored): see the module docstring.
        """
        self.index = index
        self.signatures = signatures
        self.window_size = window_size
        self.batch_articles = batch_articles
        self.progress = progress and on_progress is None
        self.on_progress = on_progress
        self._counter = _Progress(None, 0)
        self._preparer: ThreadPoolExecutor | None = None  # one of each per run, see _run
        self._writer: ThreadPoolExecutor | None = None
        self._queued: Future[tuple[PendingWrite | None, set[str]]] | None = None  # being split
        self._in_flight: Future[None] | None = None  # being stored

    def ingest_paths(self, paths: Iterable[str | Path]) -> IngestReport:
        return self.ingest(paths, [])

    def ingest_articles(self, articles: Iterable[Article]) -> IngestReport:
        return self.ingest([], articles)

    def ingest(self, paths: Iterable[str | Path], articles: Iterable[Article] = ()) -> IngestReport:
        """Files and folders, then Article objects: two runs (as two calls would be), one progress count."""
        paths, articles = list(paths), list(articles)
        total = (count_items(paths) if paths and self.on_progress is not None else 0) + len(articles)
        self._counter = _Progress(self.on_progress, total)
        self._counter.report()
        report = self._run(load_articles(paths)) if paths else IngestReport()
        if articles:
            report.merge(self._run(articles))
        self._counter.finish()
        return report

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
                    if isinstance(item, Skipped):
                        self._counter.advance()
                        self._counter.report()
                    continue
                bar.update(1)
                reason = self._duplicate_reason(item, seen_ids, seen_hashes)
                if reason:
                    report.skip(item.origin or item.id, reason)
                    self._counter.advance()
                    self._counter.report()
                    continue
                pending.append(item)
                if len(pending) >= self.batch_articles:
                    self._submit(pending, report)
                    bar.set_postfix(sentences=report.sentences_indexed)
                    pending = []
            self._submit(pending, report)
            self._submit([], report)  # pushes the last batch through encoding
            self._wait_for_writer()
            self._counter.report()
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
            self._counter.report()  # a batch with nothing to write: all decided
            return
        self._counter.report()  # what the preparer decided without writing (unchanged, twins)
        vectors = self.index.embed(pending.batch)
        self._wait_for_writer()
        self._counter.report()  # the batch before this one is stored

        def store() -> None:
            report.sentences_indexed += pending.commit(vectors)
            for item in pending.batch:
                (report.updated if item.article.id in updated else report.added).append(item.article.id)
            self._counter.advance(len(pending.batch))

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
        self._counter.advance(len(articles) - len(to_write))  # decided here; the rest once stored
        # here, off the encoder's path, but before anything of the batch is written
        return (self.index.begin(to_write) if to_write else None), updated

    def _wait_for_writer(self) -> None:
        """Let the batch being stored finish; its error, if any, is raised here."""
        if self._in_flight is not None:
            in_flight, self._in_flight = self._in_flight, None
            in_flight.result()
