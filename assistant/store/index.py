"""The sentence index: Chroma vectors + SQLite catalog/BM25, kept in step.

Write protocol (what makes a killed ingest recoverable), enforced by types:
1. `pending = index.begin(batch)` marks the batch's articles 'pending' in the catalog
   (committed) before anything else is written;
2. `index.embed(pending.batch)` encodes it (the slow part, done while the previous batch is
   being stored);
3. `pending.commit(vectors)` deletes the articles' old vectors, adds the new ones
   (stable ids: article::sentence) and, in one SQLite transaction, replaces their
   sentences and marks them 'ready'.
`SentenceIndex.open` repairs what a crash left pending (`repair`), upgrades an older
format (`upgrade`) and, with a Chroma server, reconciles the catalog (`sync`); then it
runs the cheap health check (store/health.py) and keeps what it found in `problems`.
`check()` compares both stores in full and `repair_store()` fixes what it finds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.errors import ArticleNotFoundError, IndexNotFoundError, StoreDamagedError
from assistant.models.embedder import Embedder
from assistant.schema import Article, PreparedArticle, SearchFilters, SentenceRow, StoredArticle
from assistant.store.catalog import Catalog, LastSearch, UnreadableCatalog
from assistant.store.health import UNSEARCHABLE, HealthReport, Problem, check_store, damaged_error, quick_check
from assistant.store.health import repair_command as health_repair_command
from assistant.store.layout import catalog_path, collection_name, index_exists, store_folder, store_identity
from assistant.store.lock import IndexLock, Owner
from assistant.store.records import SentenceKey, encode_records, sentence_key, split_sentence_key
from assistant.store.repair import RepairReport, repair_pending, repair_store
from assistant.store.sync import SyncReport, bind_catalog, stamp, sync_catalog
from assistant.store.upgrade import FORMAT_VERSION, upgrade_format
from assistant.store.vectors import VectorIndex, make_chroma_client

# Nearest neighbours under date filters (SentenceIndex._nearest_in_time): at most this many
# unfiltered neighbours are fetched to find enough that pass (3,000 cost about 50 ms on 837k
# sentences), and up to how many articles a fallback filters by id.
OVERFETCH_CAP = 3_000
MAX_ID_FILTER = 500

__all__ = ["FORMAT_VERSION", "HealthReport", "PendingBatch", "RepairReport", "SentenceIndex", "SyncReport"]


class SentenceIndex:
    """Owns both stores of one named index and keeps them consistent.

    `__init__` only assigns; `SentenceIndex.open(settings, embedder)` opens the stores
    and brings them to a consistent, current state.
    """

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        catalog: Catalog,
        vectors: VectorIndex,
        lock: IndexLock | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.catalog = catalog
        self.vectors = vectors
        self.lock = lock
        self.problems: list[Problem] = []  # what the quick check on open found (empty: sound)
        self.health: HealthReport | None = None
        self._last_neighbours: LastSearch[SentenceKey] = LastSearch()  # reused by a question's second search

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: Embedder,
        create: bool = True,
        command: str = "python",
        damaged_ok: bool = False,
    ) -> SentenceIndex:
        """Take the index's writer lock, open its stores (creating them only if `create`), repair, upgrade, sync.

        IndexNotFoundError when `create` is False and there is no such index; IndexBusyError
        when another process holds the lock (see store/lock.py); `command` names this
        process in the lock's owner note. A catalog SQLite cannot read raises
        StoreDamagedError, unless `damaged_ok` (what `check` and `repair` use), which opens
        the index around it; either way the quick check's findings are kept in `problems`.
        """
        if not create and not settings.chroma_url and not index_exists(settings):
            raise IndexNotFoundError(not_found_message(settings))
        path: Path = settings.index_path
        lock = IndexLock(store_folder(settings))
        lock.acquire(Owner.me(command), settings.lock_wait)
        repair = health_repair_command(settings)
        catalog: Catalog | UnreadableCatalog | None = None
        try:
            try:
                catalog = Catalog(catalog_path(settings), repair)
                bind_catalog(catalog, store_identity(settings), str(catalog_path(settings)))  # never another store's
            except StoreDamagedError as exc:
                if not damaged_ok or (catalog is not None and "belongs to" in str(exc)):
                    raise
                if catalog is not None:
                    catalog.close()
                catalog = UnreadableCatalog(catalog_path(settings), exc)
            client = make_chroma_client(path, settings.chroma_url)
            index = cls(settings, embedder, catalog, VectorIndex(client, collection_name(settings)), lock)
            index.vectors.location = settings.chroma_url or str(path / "chroma")
            index.vectors.repair_hint = repair
            try:
                index.repair()
                index.upgrade()
                if settings.chroma_url:
                    index.sync()
            except StoreDamagedError:
                if not damaged_ok:
                    raise
            index.health = quick_check(index.catalog, index.vectors)
            index.problems = index.health.problems
        except BaseException:
            if catalog is not None:
                catalog.close()
            lock.release()
            raise
        return index

    def close(self) -> None:
        self.catalog.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def is_empty(self) -> bool:
        """No sentences indexed (cheap: the catalog keeps its count)."""
        return self.catalog.sentence_count() == 0

    def get_note(self, key: str) -> str | None:
        """A small value kept with the index (e.g. whether the demo corpus was built)."""
        return self.catalog.get_meta(key)

    def set_note(self, key: str, value: str) -> None:
        self.catalog.set_meta(key, value)

    # --- keeping the stores consistent ---------------------------------------------
    def repair(self) -> list[str]:
        """Remove every trace of articles whose write was interrupted."""
        return repair_pending(self.catalog, self.vectors)

    def upgrade(self) -> int:
        """Bring an older index to FORMAT_VERSION; returns how many sentences were re-embedded."""
        return upgrade_format(self.catalog, self.vectors, self.embedder, self.settings.index_name)

    def sync(self, force: bool = False) -> SyncReport:
        """Bring the local catalog in line with the vector store (cheap when nothing changed)."""
        return sync_catalog(self.catalog, self.vectors, self.settings.window_size, force)

    # --- health ------------------------------------------------------------------------
    def check(self) -> HealthReport:
        """Compare both stores in full (every id, SQLite's integrity check, a probe search)."""
        return check_store(self.catalog, self.vectors)

    def repair_store(self, progress: bool = True) -> RepairReport:
        """Fix what `check` finds (a lost catalog, lost or orphan vectors, an unsearchable collection)."""
        report = repair_store(self, progress)
        if report.after is not None:
            self.health, self.problems = report.after, report.after.problems
        return report

    def repair_command(self) -> str:
        return health_repair_command(self.settings)

    def raise_if_damaged(self) -> None:
        """StoreDamagedError (one paragraph: what, which file, the repair command) if the open found problems."""
        if self.health is not None and self.problems:
            raise damaged_error(self.health, self.repair_command())

    # --- writing ---------------------------------------------------------------------
    def begin(self, batch: list[PreparedArticle]) -> PendingBatch:
        """Mark a batch pending before anything of it is written: a crash from here on is repaired on open."""
        self.catalog.mark_pending([(item.article, item.content_hash) for item in batch])
        return PendingBatch(self, batch)

    def embed(self, batch: list[PreparedArticle]) -> np.ndarray:
        """Encode a batch's sentences (the slow step, so it runs outside the stores' locks).

        Sentences are embedded alone (short inputs: about 3x faster than windows);
        retrieval rebuilds window vectors from neighbouring sentence vectors.
        """
        return self.embedder.encode([s.text for item in batch for s in item.sentences])

    def _store(self, batch: list[PreparedArticle], vectors: np.ndarray) -> int:
        self.vectors.delete_articles([item.article.id for item in batch])
        self.vectors.add(encode_records(batch, vectors))
        self.catalog.commit_articles(batch)
        stamp(self.catalog, self.vectors)
        return len(vectors)

    def delete(self, article_id: str) -> None:
        if self.catalog.get(article_id) is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r} is indexed")
        self.catalog.mark_pending([(Article(id=article_id, text=""), "")])
        self.vectors.delete_articles([article_id])
        self.catalog.delete_articles([article_id])
        stamp(self.catalog, self.vectors)

    # --- reading: what ingest needs ---------------------------------------------------
    def known_hashes(self, article_ids: list[str]) -> dict[str, tuple[str, str]]:
        """id -> (content hash, status) for the ids already in the catalog."""
        return self.catalog.hashes(article_ids)

    def id_with_hash(self, content_hash: str) -> str | None:
        return self.catalog.id_with_hash(content_hash)

    # --- reading: what retrieval needs (the SentenceStore protocol) -------------------
    def encode_question(self, text: str) -> np.ndarray:
        return self.embedder.encode_question(text)

    def nearest(self, vector: np.ndarray, k: int, filters: SearchFilters) -> list[SentenceKey]:
        """The k sentences whose vectors are closest to `vector`, best first."""
        if any(problem.kind in UNSEARCHABLE for problem in self.problems):  # it would answer from a fraction
            self.raise_if_damaged()
        if filters.is_empty or filters.sources or filters.article_ids:
            return [split_sentence_key(key) for key, _ in self.vectors.query(vector, k, filters)]
        return self._nearest_in_time(vector, k, filters)

    def _nearest_in_time(self, vector: np.ndarray, k: int, filters: SearchFilters) -> list[SentenceKey]:
        """Nearest sentences under date filters only (the as-of day, a window), without Chroma's range filter.

        Chroma answers a `date_int <= day` filter by listing every matching record first: 2-8 s
        a question on 837k sentences, against 5 ms unfiltered. So ask for enough unfiltered
        neighbours that about twice k of them should pass (at most OVERFETCH_CAP, 50 ms) and keep
        those whose article passes in the catalog. A narrow window may keep fewer than k (BM25,
        filtered in SQL, adds its own); only when none pass is Chroma asked to filter on the
        window's article ids (about 0.4 s).
        """
        wanted = self.catalog.overfetch(filters, k, OVERFETCH_CAP)
        if wanted == 0:
            return []
        kept = self._nearest_passing(vector, wanted, k, filters)
        if kept:
            return kept
        ids = self.catalog.matching_ids(filters)  # a narrow window none of the neighbours fell in
        if len(ids) > MAX_ID_FILTER:
            return []
        by_ids = SearchFilters(article_ids=tuple(ids))
        return [split_sentence_key(key) for key, _ in self.vectors.query(vector, k, by_ids)]

    def _nearest_passing(self, vector: np.ndarray, fetch: int, k: int, filters: SearchFilters) -> list[SentenceKey]:
        """The first k of `fetch` unfiltered neighbours whose article passes `filters` in the catalog."""
        found = self._last_neighbours.first(
            vector.tobytes(), self.catalog.article_dates(), fetch, lambda n: self._neighbours(vector, n)
        )
        keep = self.catalog.passing(sorted({article for article, _ in found}), filters)
        return [key for key in found if key[0] in keep][:k]

    def _neighbours(self, vector: np.ndarray, fetch: int) -> list[SentenceKey]:
        """The first `fetch` neighbours of `vector`, unfiltered."""
        return [split_sentence_key(key) for key, _ in self.vectors.query(vector, fetch, SearchFilters())]

    def bm25(self, terms: list[str], k: int, filters: SearchFilters) -> list[SentenceKey]:
        """The k sentences that rank best for `terms` under BM25, best first."""
        return [(article_id, index) for article_id, index, _ in self.catalog.search(terms, k, filters)]

    def dated_after_only(self, day: date) -> bool:
        """Whether every indexed article is dated after `day` (so an as-of that early finds nothing)."""
        return self.catalog.dated_after_only(day.isoformat())

    def sentence_count(self) -> int:
        return self.catalog.sentence_count()

    def document_frequencies(self, stems: list[str]) -> dict[str, int]:
        return self.catalog.document_frequencies(stems)

    def rows(self, keys: list[SentenceKey]) -> dict[SentenceKey, SentenceRow]:
        return self.catalog.sentences(keys)

    def stored_vectors(self, keys: list[SentenceKey]) -> dict[SentenceKey, np.ndarray]:
        """Stored sentence vectors by key (missing keys are left out)."""
        found = self.vectors.embeddings(sorted(sentence_key(*key) for key in keys))
        return {split_sentence_key(key): vector for key, vector in found.items()}

    # --- reading: copies of one story (retrieval/copies.py) ---------------------------
    def copies_of(self, article_id: str) -> list[str]:
        """Other ready articles that are near-duplicates of this one (estimated shingle Jaccard > 0.5), closest first."""
        return [other for other, _ in self.catalog.copies(article_id)]

    def briefs(self, article_ids: Iterable[str]) -> dict[str, tuple[str, str | None, str]]:
        """(title, date, source) of those ready articles, by id."""
        return self.catalog.briefs(article_ids)

    def matching_sentence(self, article_id: str, sentence: str) -> SentenceRow | None:
        """The article's stored sentence with this text (whitespace and case aside), if it has one."""
        wanted = " ".join(sentence.split()).casefold()
        for index, _, _, text, _ in self.catalog.article_sentences(article_id):
            if " ".join(text.split()).casefold() == wanted:
                return self.catalog.sentences([(article_id, index)]).get((article_id, index))
        return None

    # --- reading: the corpus ----------------------------------------------------------
    def get(self, article_id: str) -> StoredArticle | None:
        return self.catalog.get(article_id)

    def articles(self) -> list[StoredArticle]:
        return self.catalog.list_articles()

    def counts(self) -> dict[str, int]:
        return {
            "articles": len(self.catalog.list_articles()),
            "sentences": self.catalog.sentence_count(),
            "vectors": self.vectors.count(),
        }


def not_found_message(settings: Settings) -> str:
    """What to say when a read-only command names an index that does not exist."""
    folder = Path(settings.index_dir)
    existing = (
        sorted(p.name for p in folder.iterdir() if p.is_dir() and (p / "catalog.sqlite").is_file())
        if folder.is_dir()
        else []
    )
    known = f"indexes there: {', '.join(existing)}" if existing else "there are no indexes there yet"
    return (
        f"no index named {settings.index_name!r} in {folder} ({known}); "
        f"create it with `assistant --index {settings.index_name} ingest PATH`, or build the demo with `assistant demo`"
    )


@dataclass(frozen=True)
class PendingBatch:
    """A batch already marked pending: the only thing that can be committed to both stores."""

    index: SentenceIndex
    batch: list[PreparedArticle]

    def commit(self, vectors: np.ndarray) -> int:
        """Write the embedded batch to both stores and mark it ready; returns sentences written."""
        return self.index._store(self.batch, vectors)
