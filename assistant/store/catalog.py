"""The article catalog and the lexical (BM25) sentence index, in one SQLite file.

SQLite's FTS5 gives BM25 ranking, incremental inserts/deletes and transactions,
so the lexical index never needs a full rebuild and a crash mid-write rolls back.
The catalog also records each article's content hash and write status, which is
how ingest stays idempotent and how a half-written article is found on reopen.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from assistant.errors import StoreDamagedError
from assistant.ingest.minhash import COPY_JACCARD, estimated_jaccard, signature, signature_values
from assistant.schema import Article, PreparedArticle, SearchFilters, SentenceRow, StoredArticle
from assistant.store.copies import band_buckets
from assistant.store.records import date_to_int

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    status TEXT NOT NULL,              -- 'pending' while being written, then 'ready'
    title TEXT NOT NULL DEFAULT '',
    date TEXT,
    date_int INTEGER,
    source TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    sentence_count INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(hash);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sentences (
    rowid INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL,
    sentence_index INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    window TEXT NOT NULL,
    UNIQUE(article_id, sentence_index)
);
CREATE VIRTUAL TABLE IF NOT EXISTS sentence_fts USING fts5(
    text, content='sentences', content_rowid='rowid', tokenize='porter unicode61'
);
CREATE VIRTUAL TABLE IF NOT EXISTS sentence_vocab USING fts5vocab(sentence_fts, 'row');
CREATE TRIGGER IF NOT EXISTS sentences_ai AFTER INSERT ON sentences BEGIN
    INSERT INTO sentence_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER IF NOT EXISTS sentences_ad AFTER DELETE ON sentences BEGIN
    INSERT INTO sentence_fts(sentence_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
-- Copies of one story (store/copies.py): each article's MinHash signature and its LSH band buckets.
-- Added without a format change: an older catalog gets the tables here and its signatures on first use.
CREATE TABLE IF NOT EXISTS article_minhash (article_id TEXT PRIMARY KEY, signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS article_bands (bucket INTEGER NOT NULL, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS article_bands_bucket ON article_bands(bucket);
CREATE INDEX IF NOT EXISTS article_bands_article ON article_bands(article_id);
"""


def is_damage(exc: BaseException) -> bool:
    """Whether an SQLite error means the file is damaged (not a busy lock, a constraint or a bad query)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    message = str(exc).lower()
    if "malformed" in message or "not a database" in message or "corrupt" in message:
        return True
    return not isinstance(exc, (sqlite3.OperationalError, sqlite3.IntegrityError, sqlite3.ProgrammingError))


def damaged_catalog_error(path: Path, exc: BaseException, repair_hint: str = "") -> StoreDamagedError:
    """The one-paragraph StoreDamagedError for a catalog SQLite cannot read."""
    how = f"Run `{repair_hint}` to rebuild it" if repair_hint else "Run `assistant repair` to rebuild it"
    message = (
        f"The index catalog {path} is damaged and cannot be read (SQLite: {exc}). {how} from the vector store; "
        "the damaged file is kept aside, nothing is deleted."
    )
    return StoreDamagedError(message, path=str(path), repair=repair_hint)


class _GuardedCursor(sqlite3.Cursor):
    """A cursor whose reads turn a damaged file's errors into StoreDamagedError (rows are read lazily)."""

    damage: Callable[[BaseException], StoreDamagedError]

    def execute(self, *args: Any) -> sqlite3.Cursor:
        with self._guard():
            return super().execute(*args)

    def executemany(self, *args: Any) -> sqlite3.Cursor:
        with self._guard():
            return super().executemany(*args)

    def fetchone(self) -> Any:
        with self._guard():
            return super().fetchone()

    def fetchall(self) -> list[Any]:
        with self._guard():
            return super().fetchall()

    def fetchmany(self, *args: Any) -> list[Any]:
        with self._guard():
            return super().fetchmany(*args)

    def __next__(self) -> Any:
        with self._guard():
            return super().__next__()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise self.connection.damage(exc) from exc  # type: ignore[attr-defined]
            raise


class _GuardedConnection(sqlite3.Connection):
    """Every statement runs through a _GuardedCursor; `damage` makes the error naming the file."""

    damage: Callable[[BaseException], StoreDamagedError]

    def cursor(self, factory: Any = _GuardedCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def execute(self, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        return self.cursor().execute(*args)

    def executemany(self, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        return self.cursor().executemany(*args)

    def executescript(self, script: str) -> sqlite3.Cursor:  # type: ignore[override]
        try:
            return super().executescript(script)
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise self.damage(exc) from exc
            raise


class Catalog:
    """Articles, sentences and their FTS5 index; safe to share between threads.

    An SQLite error that means the file is damaged ("file is not a database", "database
    disk image is malformed"), met when opening or on any later read or write, is raised
    as StoreDamagedError naming the file and `repair_hint` (the command that repairs it).
    """

    def __init__(self, path: Path, repair_hint: str = "") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.repair_hint = repair_hint
        try:
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, factory=_GuardedConnection)
        except sqlite3.DatabaseError as exc:
            raise damaged_catalog_error(path, exc, repair_hint) from exc
        conn.damage = lambda exc: damaged_catalog_error(path, exc, self.repair_hint)
        self._conn = conn
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)
        except BaseException:
            self._conn.close()
            raise
        self._lock = threading.RLock()
        self._sentence_total: int | None = None  # count(*) scans the table: cached, reset by writes
        self._article_dates: ArticleDates | None = None  # for date limits on dense search; reset by writes
        self._last_ranking: LastSearch[tuple[str, int, float]] = LastSearch()  # reused by a second search
        self._signatures_complete = False  # every ready article has a signature (checked on first use)

    def close(self) -> None:
        self._conn.close()

    def close_single_file(self) -> None:
        """Close, leaving one self-contained file (no -wal beside it), so it can be renamed into place."""
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=DELETE")
            self._conn.close()

    def invalidate_counts(self) -> None:
        """Forget the cached sentence total (another process may have written)."""
        with self._lock:
            self._sentence_total = None
            self._article_dates = None

    # --- format version ----------------------------------------------------------
    def format_version(self) -> int:
        """0 for catalogs written before versions were recorded, else what set_format_version stored."""
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def set_format_version(self, version: int) -> None:
        with self._lock:
            self._conn.execute(f"PRAGMA user_version = {int(version)}")

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def article_states(self) -> dict[str, tuple[str, int]]:
        """(content hash, sentence count) of every ready article, by id."""
        with self._lock:
            rows = self._conn.execute("SELECT id, hash, sentence_count FROM articles WHERE status = 'ready'").fetchall()
        return {article_id: (digest, count) for article_id, digest, count in rows}

    def iter_sentences(self, batch: int = 2048) -> Iterator[list[tuple[str, int, str]]]:
        """Every stored sentence as (article id, index, text), in batches."""
        last = 0
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT rowid, article_id, sentence_index, text FROM sentences WHERE rowid > ? "
                    "ORDER BY rowid LIMIT ?",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [(article_id, index, text) for _, article_id, index, text in rows]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._sentence_total = None
            self._article_dates = None
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:  # a damaged file may have ended it already
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # --- health -------------------------------------------------------------------
    def integrity(self) -> list[str]:
        """SQLite's `PRAGMA integrity_check` result: ["ok"] for a sound file, else what is wrong."""
        with self._lock:
            return [str(row[0]) for row in self._conn.execute("PRAGMA integrity_check(20)").fetchall()]

    def article_count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM articles WHERE status = 'ready'").fetchone()[0])

    def iter_keys(self, batch: int = 20000) -> Iterator[list[tuple[str, int]]]:
        """Every stored sentence's (article id, index), in batches."""
        last = 0
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT rowid, article_id, sentence_index FROM sentences WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [(article_id, index) for _, article_id, index in rows]

    def article_sentences(self, article_id: str) -> list[tuple[int, int, int, str, str]]:
        """(index, start, end, text, window) of one article's stored sentences, in order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT sentence_index, start, end, text, window FROM sentences WHERE article_id = ? "
                "ORDER BY sentence_index",
                (article_id,),
            ).fetchall()
        return [(int(i), int(start), int(end), text, window) for i, start, end, text, window in rows]

    # --- articles -----------------------------------------------------------------
    def get(self, article_id: str) -> StoredArticle | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, hash, status, title, date, source, url, category, origin, text, sentence_count "
                "FROM articles WHERE id = ?",
                (article_id,),
            ).fetchone()
        return StoredArticle(*row) if row else None

    def hashes(self, article_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """id -> (hash, status) for those ids that exist."""
        ids = list(article_ids)
        found: dict[str, tuple[str, str]] = {}
        with self._lock:
            for chunk in chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                for row in self._conn.execute(f"SELECT id, hash, status FROM articles WHERE id IN ({marks})", chunk):
                    found[row[0]] = (row[1], row[2])
        return found

    def id_with_hash(self, content_hash: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id FROM articles WHERE hash = ? AND status = 'ready' LIMIT 1", (content_hash,)
            ).fetchone()
        return row[0] if row else None

    def list_articles(self) -> list[StoredArticle]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, hash, status, title, date, source, url, category, origin, '', sentence_count "
                "FROM articles WHERE status = 'ready' ORDER BY date DESC, title"
            ).fetchall()
        return [StoredArticle(*row) for row in rows]

    def dated_after_only(self, iso_day: str) -> bool:
        """Whether there are ready articles and every one is dated after `iso_day` (none undated)."""
        with self._lock:
            total, early = self._conn.execute(
                "SELECT count(*), count(CASE WHEN date_int IS NULL OR date_int <= ? THEN 1 END) "
                "FROM articles WHERE status = 'ready'",
                (date_to_int(iso_day),),
            ).fetchone()
        return total > 0 and early == 0

    def date_share(self, filters: SearchFilters) -> tuple[int, int]:
        """(sentences in ready articles whose dates pass `filters`' date limits, sentences in all ready ones).

        From cached arrays of every ready article's date (reset by writes), not SQL: retrieval asks
        this beside a BM25 query that holds the connection, and numpy answers in microseconds."""
        dates = self.article_dates()
        return int(dates.counts[_passing_mask(dates.days, filters)].sum()), int(dates.counts.sum())

    def matching_ids(self, filters: SearchFilters) -> list[str]:
        """Ids of the ready articles whose dates pass `filters`' date limits."""
        dates = self.article_dates()
        return [dates.ids[i] for i in np.flatnonzero(_passing_mask(dates.days, filters))]

    def passing(self, article_ids: list[str], filters: SearchFilters) -> set[str]:
        """Those of `article_ids` that are ready and whose dates pass `filters`' date limits."""
        dates = self.article_dates()
        known = [a for a in article_ids if a in dates.positions]
        if not known:
            return set()
        mask = _passing_mask(dates.days[[dates.positions[a] for a in known]], filters)
        return {a for a, ok in zip(known, mask, strict=True) if ok}

    def overfetch(self, filters: SearchFilters, k: int, cap: int) -> int:
        """How many unfiltered hits to rank so that about twice `k` should pass `filters`' date limits
        (at most `cap`, never more than there are sentences); 0 when no article passes."""
        matching, total = self.date_share(filters)
        return 0 if matching == 0 else min(total, math.ceil(2 * k * total / matching), cap)

    def article_dates(self) -> ArticleDates:
        """The cached arrays of ready articles' dates: a new object after every write."""
        cached = self._article_dates
        if cached is None:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT id, date_int, sentence_count FROM articles WHERE status = 'ready'"
                ).fetchall()
                cached = self._article_dates = ArticleDates.from_rows(rows)
        return cached

    def pending_ids(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._conn.execute("SELECT id FROM articles WHERE status = 'pending'")]

    def mark_pending(self, articles: list[tuple[Article, str]]) -> None:
        """Record that these articles are about to be (re)written everywhere."""
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO articles(id, hash, status, text) VALUES (?, ?, 'pending', '') "
                "ON CONFLICT(id) DO UPDATE SET status = 'pending'",
                [(a.id, h) for a, h in articles],
            )

    def commit_articles(self, items: list[PreparedArticle]) -> None:
        """Replace sentences and mark articles ready, atomically."""
        with self.transaction() as conn:
            for item in items:
                article, content_hash, sentences, windows = (
                    item.article,
                    item.content_hash,
                    item.sentences,
                    item.windows,
                )
                conn.execute("DELETE FROM sentences WHERE article_id = ?", (article.id,))
                conn.executemany(
                    "INSERT INTO sentences(article_id, sentence_index, start, end, text, window) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (article.id, s.index, s.start, s.end, s.text, w)
                        for s, w in zip(sentences, windows, strict=False)
                    ],
                )
                conn.execute(
                    "INSERT INTO articles(id, hash, status, title, date, date_int, source, url, category, "
                    "origin, text, sentence_count) VALUES (?, ?, 'ready', ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, status = 'ready', "
                    "title = excluded.title, date = excluded.date, date_int = excluded.date_int, "
                    "source = excluded.source, url = excluded.url, category = excluded.category, "
                    "origin = excluded.origin, text = excluded.text, "
                    "sentence_count = excluded.sentence_count, updated_at = datetime('now')",
                    (
                        article.id,
                        content_hash,
                        article.title,
                        article.date,
                        date_to_int(article.date),
                        article.source,
                        article.url,
                        article.category,
                        article.origin,
                        article.text,
                        len(sentences),
                    ),
                )
                _write_signature(conn, article.id, item.signature)
                if item.signature is None:  # a catalog rebuilt from vectors, or ingest without signatures
                    self._signatures_complete = False

    def delete_articles(self, article_ids: list[str]) -> None:
        with self.transaction() as conn:
            for article_id in article_ids:
                conn.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
                conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
                _write_signature(conn, article_id, None)

    # --- copies of one story ------------------------------------------------------
    def ensure_signatures(self, batch: int = 256) -> int:
        """Compute the signature of every ready article that has none (an index written before
        signatures, or a catalog rebuilt from the vector store); returns how many were computed."""
        with self._lock:
            if self._signatures_complete:
                return 0
            missing = [
                row[0]
                for row in self._conn.execute(
                    "SELECT a.id FROM articles a LEFT JOIN article_minhash m ON m.article_id = a.id "
                    "WHERE a.status = 'ready' AND m.article_id IS NULL"
                )
            ]
            for part in chunks(missing, batch):
                marks = ",".join("?" * len(part))
                texts = self._conn.execute(f"SELECT id, text FROM articles WHERE id IN ({marks})", part).fetchall()
                computed = [(article_id, signature(text)) for article_id, text in texts]
                with self.transaction() as conn:
                    for article_id, blob in computed:
                        _write_signature(conn, article_id, blob)
            self._signatures_complete = True
        return len(missing)

    def signature_of(self, article_id: str) -> bytes | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT signature FROM article_minhash WHERE article_id = ?", (article_id,)
            ).fetchone()
        return bytes(row[0]) if row else None

    def signatures(self) -> dict[str, bytes]:
        """Every ready article's stored signature, by id."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT m.article_id, m.signature FROM article_minhash m JOIN articles a ON a.id = m.article_id "
                "WHERE a.status = 'ready'"
            ).fetchall()
        return {article_id: bytes(blob) for article_id, blob in rows}

    def copies(self, article_id: str, threshold: float = COPY_JACCARD) -> list[tuple[str, float]]:
        """Ready articles whose estimated Jaccard similarity with `article_id` exceeds `threshold`, closest first."""
        self.ensure_signatures()
        with self._lock:
            rows = self._conn.execute(
                "SELECT m.article_id, m.signature FROM article_minhash m JOIN articles a ON a.id = m.article_id "
                "WHERE a.status = 'ready' AND m.article_id IN (SELECT DISTINCT other.article_id "
                "FROM article_bands mine JOIN article_bands other ON other.bucket = mine.bucket "
                "WHERE mine.article_id = ? AND other.article_id != ?)",
                (article_id, article_id),
            ).fetchall()
            own = self.signature_of(article_id) if rows else None
        if own is None:
            return []
        values = signature_values(own)
        found = [(other, estimated_jaccard(values, signature_values(bytes(blob)))) for other, blob in rows]
        return sorted((pair for pair in found if pair[1] > threshold), key=lambda pair: (-pair[1], pair[0]))

    def briefs(self, article_ids: Iterable[str]) -> dict[str, tuple[str, str | None, str]]:
        """(title, date, source) of those ready articles, by id."""
        found: dict[str, tuple[str, str | None, str]] = {}
        with self._lock:
            for chunk in chunks(list(article_ids), 500):
                marks = ",".join("?" * len(chunk))
                for row in self._conn.execute(
                    f"SELECT id, title, date, source FROM articles WHERE status = 'ready' AND id IN ({marks})", chunk
                ):
                    found[row[0]] = (row[1], row[2], row[3])
        return found

    # --- sentences ----------------------------------------------------------------
    def sentence_count(self, article_id: str | None = None) -> int:
        with self._lock:
            if article_id is None:
                if self._sentence_total is None:
                    self._sentence_total = int(self._conn.execute("SELECT count(*) FROM sentences").fetchone()[0])
                return self._sentence_total
            return int(
                self._conn.execute("SELECT count(*) FROM sentences WHERE article_id = ?", (article_id,)).fetchone()[0]
            )

    def sentences(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], SentenceRow]:
        """Fetch sentence rows (with article metadata) for (article id, index) keys."""
        found: dict[tuple[str, int], SentenceRow] = {}
        with self._lock:
            for chunk in chunks(keys, 400):
                clause = " OR ".join("(s.article_id = ? AND s.sentence_index = ?)" for _ in chunk)
                params = [v for key in chunk for v in key]
                for row in self._conn.execute(
                    "SELECT s.article_id, s.sentence_index, s.start, s.end, s.text, s.window, "
                    "a.title, a.date, a.source, a.url FROM sentences s JOIN articles a ON a.id = s.article_id "
                    f"WHERE a.status = 'ready' AND ({clause})",
                    params,
                ):
                    found[(row[0], row[1])] = SentenceRow(*row)
        return found

    def document_frequencies(self, stems: list[str]) -> dict[str, int]:
        """How many sentences contain each (already stemmed) term."""
        if not stems:
            return {}
        marks = ",".join("?" * len(stems))
        with self._lock:
            rows = self._conn.execute(f"SELECT term, doc FROM sentence_vocab WHERE term IN ({marks})", stems)
            found = {term: int(doc) for term, doc in rows}
        return {s: found.get(s, 0) for s in stems}

    def search(self, terms: list[str], limit: int, filters: SearchFilters) -> list[tuple[str, int, float]]:
        """BM25 search over sentences: (article id, sentence index, score), best first.

        Scores are made positive (FTS5's bm25() is lower-is-better).
        """
        if not terms:
            return []
        match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
        if filters.is_empty:
            return self._search_unfiltered(match, limit)
        if not (filters.sources or filters.article_ids):
            return self._search_in_time(match, limit, filters)
        return self._search_filtered(match, limit, filters)

    def _search_in_time(self, match: str, limit: int, filters: SearchFilters) -> list[tuple[str, int, float]]:
        """Date limits only (every question's as-of day): FTS5 ranks alone, as many as should leave
        about twice `limit` passing (at most LEXICAL_OVERFETCH_CAP), and the cached article dates keep
        those that pass. The join per match costs tens of ms on large indexes; this costs one lookup.
        A narrow window may keep fewer than `limit`; only when none pass is SQL asked to filter."""
        fetch = self.overfetch(filters, limit, LEXICAL_OVERFETCH_CAP)
        if fetch == 0:
            return []
        fetch = max(fetch, limit)
        hits = self._last_ranking.first(match, self.article_dates(), fetch, lambda n: self._search_unfiltered(match, n))
        keep = self.passing(sorted({article for article, _, _ in hits}), filters)
        kept = [hit for hit in hits if hit[0] in keep]
        if kept or len(hits) < fetch:  # some passed, or every match was seen
            return kept[:limit]
        return self._search_filtered(match, limit, filters)

    def _search_filtered(self, match: str, limit: int, filters: SearchFilters) -> list[tuple[str, int, float]]:
        """Filters in SQL: a join per match, needed for sources and article ids."""
        where, params = _filter_sql(filters)
        sql = (
            "SELECT s.article_id, s.sentence_index, -bm25(sentence_fts) AS score "
            "FROM sentence_fts JOIN sentences s ON s.rowid = sentence_fts.rowid "
            "JOIN articles a ON a.id = s.article_id "
            f"WHERE sentence_fts MATCH ? AND a.status = 'ready' {where} "
            "ORDER BY bm25(sentence_fts) LIMIT ?"
        )
        with self._lock:
            rows = self._conn.execute(sql, [match, *params, limit]).fetchall()
        return [(r[0], r[1], float(r[2])) for r in rows]

    def _search_unfiltered(self, match: str, limit: int) -> list[tuple[str, int, float]]:
        """FTS5 ranks alone (no join per match, which dominates on large indexes); rows are looked up after."""
        with self._lock:
            ranked = self._conn.execute(
                "SELECT rowid, -rank FROM sentence_fts WHERE sentence_fts MATCH ? ORDER BY rank LIMIT ?",
                [match, limit * 2],  # room for rows of articles being rewritten, dropped below
            ).fetchall()
            if not ranked:
                return []
            marks = ",".join("?" * len(ranked))
            rows = self._conn.execute(
                "SELECT s.rowid, s.article_id, s.sentence_index FROM sentences s JOIN articles a ON a.id = s.article_id "
                f"WHERE a.status = 'ready' AND s.rowid IN ({marks})",
                [rowid for rowid, _ in ranked],
            ).fetchall()
        where = {rowid: (article_id, index) for rowid, article_id, index in rows}
        hits = [(*where[rowid], float(score)) for rowid, score in ranked if rowid in where]
        return hits[:limit]


Hit = TypeVar("Hit")
LEXICAL_OVERFETCH_CAP = 1_000  # BM25 hits ranked unfiltered, at most, for a question with date limits only
UNDATED = -1  # date_int of an undated article in the cached date arrays


@dataclass(frozen=True)
class ArticleDates:
    """Every ready article's id, date_int (UNDATED when none) and sentence count, as arrays."""

    ids: list[str]
    days: np.ndarray
    counts: np.ndarray
    positions: dict[str, int]  # id -> index in the arrays

    @classmethod
    def from_rows(cls, rows: list[tuple[str, int | None, int]]) -> ArticleDates:
        ids = [row[0] for row in rows]
        days = np.array([UNDATED if row[1] is None else row[1] for row in rows], dtype=np.int64)
        counts = np.array([int(row[2]) for row in rows], dtype=np.int64)
        return cls(ids, days, counts, {article_id: n for n, article_id in enumerate(ids)})


class LastSearch(Generic[Hit]):
    """The last unfiltered search's hits, kept for the next search of the same query.

    A question with a stated window is searched twice (inside it, then under the as-of day
    alone), both ranked unfiltered and cut by date: the second reuses the first's hits while
    no write has happened (`version`, the catalog's cached dates, is then the same object)
    and they reach deep enough (or were every hit there is)."""

    def __init__(self) -> None:
        self._last: tuple[Hashable, object, int, list[Hit]] | None = None

    def first(self, query: Hashable, version: object, fetch: int, search: Callable[[int], list[Hit]]) -> list[Hit]:
        """The first `fetch` hits for `query`, from the last search when it serves, else `search(fetch)`."""
        last = self._last
        if (
            last is not None
            and last[0] == query
            and last[1] is version
            and (last[2] >= fetch or len(last[3]) < last[2])
        ):
            return last[3][:fetch]
        hits = search(fetch)
        self._last = (query, version, fetch, hits)
        return hits


def _passing_mask(days: np.ndarray, filters: SearchFilters) -> np.ndarray:
    """Which articles' date_int pass `filters`' date limits, as _filter_sql has them (undated: only as_of)."""
    mask = np.ones(len(days), dtype=bool)
    dated = days != UNDATED
    if filters.date_from:
        mask &= dated & (days >= date_to_int(filters.date_from))
    if filters.date_to:
        mask &= dated & (days <= date_to_int(filters.date_to))
    if filters.as_of:
        mask &= ~dated | (days <= date_to_int(filters.as_of))
    return mask


def _filter_sql(filters: SearchFilters) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if filters.sources:
        clauses.append(f"AND a.source IN ({','.join('?' * len(filters.sources))})")
        params.extend(filters.sources)
    if filters.date_from:
        clauses.append("AND a.date_int >= ?")
        params.append(date_to_int(filters.date_from))
    if filters.date_to:
        clauses.append("AND a.date_int <= ?")
        params.append(date_to_int(filters.date_to))
    if filters.as_of:
        clauses.append("AND (a.date_int IS NULL OR a.date_int <= ?)")  # undated articles stay candidates
        params.append(date_to_int(filters.as_of))
    if filters.article_ids:
        clauses.append(f"AND a.id IN ({','.join('?' * len(filters.article_ids))})")
        params.extend(filters.article_ids)
    return " ".join(clauses), params


def _write_signature(conn: sqlite3.Connection, article_id: str, blob: bytes | None) -> None:
    """Replace an article's signature and band buckets (None: remove them), inside the caller's transaction."""
    conn.execute("DELETE FROM article_minhash WHERE article_id = ?", (article_id,))
    conn.execute("DELETE FROM article_bands WHERE article_id = ?", (article_id,))
    if blob is None:
        return
    conn.execute("INSERT INTO article_minhash(article_id, signature) VALUES (?, ?)", (article_id, blob))
    conn.executemany(
        "INSERT INTO article_bands(bucket, article_id) VALUES (?, ?)", [(b, article_id) for b in band_buckets(blob)]
    )


def chunks(items: list, size: int) -> Iterator[list]:
    """Consecutive slices of at most `size` items (SQL parameter and Chroma batch limits)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class UnreadableCatalog(Catalog):
    """Stands in for a catalog SQLite cannot open, so `check` and `repair` can still open the index.

    Every use but `close` raises the StoreDamagedError that opening it raised.
    """

    _OWN = frozenset({"error", "path", "repair_hint", "close", "__class__", "__dict__"})

    def __init__(self, path: Path, error: StoreDamagedError) -> None:  # no connection: the file is unreadable
        self.error = error
        self.path = path
        self.repair_hint = error.repair

    def close(self) -> None:
        pass

    def __getattribute__(self, name: str) -> Any:
        if name in UnreadableCatalog._OWN or name.startswith("__"):
            return object.__getattribute__(self, name)
        raise object.__getattribute__(self, "error")
