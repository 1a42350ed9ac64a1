"""Is the index sound? What `assistant check` compares, and what every open checks cheaply.

Two stores hold one index: the catalog (SQLite: articles, sentences, BM25) and the
vectors (Chroma: one record per sentence, id `article::index`). Each write stamps a
fresh generation token on both (`sync.stamp`), which is how a check tells which side
lost something:

- the catalog cannot be read, or its token differs from the vector store's (a
  truncated, replaced or restored catalog): the catalog is the lost side, rebuilt from
  the vector records (which carry every sentence, and each article on its first one);
- the tokens match but the ids differ: the vectors are the damaged side: sentences with
  no vector are re-embedded from the catalog, vectors with no catalog sentence (orphans)
  are deleted;
- the HNSW segment does not answer (its folder lost): the collection is rebuilt from
  the catalog.

`quick_check` runs on every open and stays cheap on large indexes (counts, tokens, the
pending count, the format version and one probe search); `check_store` also compares
every id on both sides and runs SQLite's integrity check.
"""

from __future__ import annotations

import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import StoreDamagedError
from assistant.store.catalog import Catalog, UnreadableCatalog
from assistant.store.records import sentence_key
from assistant.store.sync import SYNCED_GENERATION
from assistant.store.upgrade import FORMAT_VERSION
from assistant.store.vectors import VectorIndex

# Problem kinds, each with what repair does about it.
CATALOG_UNREADABLE = "catalog_unreadable"  # SQLite cannot read the file: rebuilt from the vector records
CATALOG_INTEGRITY = "catalog_integrity"  # PRAGMA integrity_check is not "ok": rebuilt from the vector records
CATALOG_OUT_OF_STEP = "catalog_out_of_step"  # generation tokens differ: rebuilt from the vector records
VECTORS_UNSEARCHABLE = "vectors_unsearchable"  # the HNSW segment does not answer: collection rebuilt from catalog
VECTORS_UNREADABLE = "vectors_unreadable"  # Chroma cannot even count: rebuilt from catalog
VECTORS_LOST = "vectors_lost"  # an empty, never-written collection beside a full catalog: re-embedded
MISSING_VECTORS = "missing_vectors"  # catalog sentences with no vector: re-embedded
ORPHAN_VECTORS = "orphan_vectors"  # vectors with no catalog sentence: deleted
COUNTS_DIFFER = "counts_differ"  # (quick check) sentence and vector counts differ: ids compared by repair
PENDING = "pending"  # articles whose write was interrupted: wiped from both stores
FORMAT_OLD = "format_old"  # an older format: upgraded (re-embedded)
FORMAT_NEWER = "format_newer"  # written by a newer version of the assistant: not repairable here

CATALOG_SIDE = frozenset({CATALOG_UNREADABLE, CATALOG_INTEGRITY, CATALOG_OUT_OF_STEP})
UNSEARCHABLE = frozenset({VECTORS_UNSEARCHABLE, VECTORS_UNREADABLE})
IDS_SHOWN = 20  # ids listed per kind in a report (the counts are complete)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the index: its kind, a one-line reason and the file it concerns."""

    kind: str
    reason: str
    path: str


@dataclass
class HealthReport:
    """What a check found: counts on both sides and the problems (none: the index is sound)."""

    catalog_path: str
    chroma_location: str
    full: bool = False  # False: the quick check of every open (no id comparison, no integrity check)
    problems: list[Problem] = field(default_factory=list)
    articles: int | None = None
    sentences: int | None = None
    vectors: int | None = None
    missing_vectors: int | None = None  # catalog sentences with no vector (full check only)
    orphan_vectors: int | None = None  # vector ids with no catalog sentence (full check only)
    missing_examples: list[str] = field(default_factory=list)
    orphan_examples: list[str] = field(default_factory=list)
    pending: int | None = None
    format_version: int | None = None
    expected_format: int = FORMAT_VERSION
    integrity: str | None = None  # PRAGMA integrity_check's verdict (full check only)
    catalog_generation: str | None = None
    vector_generation: str | None = None
    probe: str = "not run"  # "ok", or why the probe search failed

    @property
    def ok(self) -> bool:
        return not self.problems

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}

    def add(self, kind: str, reason: str, path: str | Path) -> None:
        self.problems.append(Problem(kind, reason, str(path)))

    def verdict(self) -> str:
        if self.ok:
            return "OK"
        return "DAMAGED: " + "; ".join(p.reason for p in self.problems)

    def lines(self) -> list[str]:
        """The check, one line per comparison, for `assistant check`."""

        def shown(value: object) -> str:
            return "unknown" if value is None else str(value)

        lines = [
            f"catalog: {self.catalog_path}",
            f"vectors: {self.chroma_location}",
            f"articles: {shown(self.articles)}",
            f"sentences in the catalog: {shown(self.sentences)}",
            f"vectors in the vector store: {shown(self.vectors)}",
        ]
        if self.full:
            lines += [
                f"catalog sentences with no vector: {shown(self.missing_vectors)}",
                f"vectors with no catalog sentence (orphans): {shown(self.orphan_vectors)}",
            ]
        lines += [
            f"pending (interrupted) articles: {shown(self.pending)}",
            f"format version: {shown(self.format_version)} (this version writes {self.expected_format})",
            f"generation tokens: catalog {shown(self.catalog_generation) or '-'}, "
            f"vectors {shown(self.vector_generation) or '-'}",
            f"probe search: {self.probe}",
        ]
        if self.full:
            lines.append(f"SQLite integrity check: {shown(self.integrity)}")
        lines += [f"problem ({p.kind}): {p.reason} [{p.path}]" for p in self.problems]
        lines.append(self.verdict())
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}


def repair_command(settings: Settings) -> str:
    """The exact command that repairs this index."""
    parts = ["assistant", "--index-dir", str(settings.index_dir), "--index", settings.index_name]
    if settings.chroma_url:
        parts += ["--chroma-url", settings.chroma_url]
    return " ".join(shlex.quote(part) for part in [*parts, "repair"])


def damaged_error(report: HealthReport, repair: str) -> StoreDamagedError:
    """One paragraph naming what is wrong, the files concerned and the exact repair command."""
    files = sorted({p.path for p in report.problems})
    reasons = "; ".join(p.reason for p in report.problems)
    message = (
        f"The index is damaged or out of step ({', '.join(files)}): {reasons}. "
        f"Run `{repair}` to repair it (it rebuilds what is lost from the other store, keeps any damaged "
        "file aside and deletes no article), or `assistant check` to see the details."
    )
    return StoreDamagedError(message, path=files[0] if files else "", repair=repair)


def quick_check(catalog: Catalog, vectors: VectorIndex) -> HealthReport:
    """The check every open runs: cheap at any size (counts, tokens, pending, format, one probe search)."""
    return _check(catalog, vectors, full=False)


def check_store(catalog: Catalog, vectors: VectorIndex) -> HealthReport:
    """The full check: the quick one, plus every id compared on both sides and SQLite's integrity check."""
    return _check(catalog, vectors, full=True)


def _check(catalog: Catalog, vectors: VectorIndex, full: bool) -> HealthReport:
    catalog_file = catalog.path
    chroma = vectors.location or vectors.name
    report = HealthReport(str(catalog_file), chroma, full=full)
    catalog_ok = _check_catalog(catalog, report, full)
    vectors_ok = _check_vectors(vectors, report)
    if not (catalog_ok and vectors_ok):
        return report
    empty_collection = report.vectors == 0 and not report.vector_generation
    if empty_collection and report.sentences:
        report.add(
            VECTORS_LOST,
            f"the vector store holds no vectors for the catalog's {report.sentences} sentences",
            chroma,
        )
    elif report.catalog_generation != report.vector_generation:
        report.add(
            CATALOG_OUT_OF_STEP,
            "the catalog's generation token differs from the vector store's (the catalog was replaced, "
            "truncated or missed writes)",
            catalog_file,
        )
    elif full:
        _compare_ids(catalog, vectors, report)
    elif report.sentences != report.vectors and not report.pending:  # pending: a write is under way
        report.add(
            COUNTS_DIFFER,
            f"the catalog has {report.sentences} sentences but the vector store has {report.vectors} vectors",
            chroma,
        )
    return report


def _check_catalog(catalog: Catalog, report: HealthReport, full: bool) -> bool:
    if isinstance(catalog, UnreadableCatalog):
        report.add(CATALOG_UNREADABLE, f"SQLite cannot read the catalog ({_cause(catalog.error)})", catalog.path)
        return False
    try:
        if full:
            verdict = catalog.integrity()
            report.integrity = "ok" if verdict == ["ok"] else " | ".join(verdict)[:500]
            if verdict != ["ok"]:
                report.add(CATALOG_INTEGRITY, f"SQLite's integrity check fails: {verdict[0][:200]}", catalog.path)
        catalog.invalidate_counts()
        report.sentences = catalog.sentence_count()
        report.articles = catalog.article_count()
        report.pending = len(catalog.pending_ids())
        report.format_version = catalog.format_version()
        report.catalog_generation = catalog.get_meta(SYNCED_GENERATION) or ""
    except StoreDamagedError as exc:
        report.add(CATALOG_UNREADABLE, f"SQLite cannot read the catalog ({_cause(exc)})", catalog.path)
        return False
    if report.pending:
        report.add(PENDING, f"{report.pending} article(s) were being written when a process stopped", catalog.path)
    if report.format_version > FORMAT_VERSION:
        report.add(
            FORMAT_NEWER,
            f"the catalog is format {report.format_version}, newer than this version's {FORMAT_VERSION}: "
            "upgrade the assistant",
            catalog.path,
        )
    elif report.format_version < FORMAT_VERSION and report.sentences:
        report.add(FORMAT_OLD, f"the index is format {report.format_version}, not {FORMAT_VERSION}", catalog.path)
    return CATALOG_INTEGRITY not in report.kinds()


def _check_vectors(vectors: VectorIndex, report: HealthReport) -> bool:
    where = report.chroma_location
    try:
        report.vectors = vectors.count()
        report.vector_generation = vectors.generation()
    except Exception as exc:  # chromadb raises many types for a store it cannot read
        report.add(VECTORS_UNREADABLE, f"Chroma cannot read the collection ({exc})", where)
        return False
    failure = vectors.probe()
    report.probe = failure or "ok"
    if failure:
        report.add(VECTORS_UNSEARCHABLE, failure, where)
    return True


def _compare_ids(catalog: Catalog, vectors: VectorIndex, report: HealthReport) -> None:
    try:
        missing, orphans = missing_and_orphans(catalog, vectors)
    except StoreDamagedError as exc:
        report.add(CATALOG_UNREADABLE, f"SQLite cannot read the catalog ({_cause(exc)})", catalog.path)
        return
    report.missing_vectors, report.orphan_vectors = len(missing), len(orphans)
    report.missing_examples, report.orphan_examples = missing[:IDS_SHOWN], orphans[:IDS_SHOWN]
    if missing:
        report.add(
            MISSING_VECTORS,
            f"{len(missing)} catalog sentence(s) have no vector (e.g. {missing[0]})",
            report.chroma_location,
        )
    if orphans:
        report.add(
            ORPHAN_VECTORS,
            f"{len(orphans)} vector(s) have no catalog sentence (e.g. {orphans[0]})",
            report.chroma_location,
        )


def missing_and_orphans(catalog: Catalog, vectors: VectorIndex) -> tuple[list[str], list[str]]:
    """Every catalog sentence key with no vector, and every vector id with no catalog sentence."""
    mine = {sentence_key(*key) for keys in catalog.iter_keys() for key in keys}
    stored: set[str] = set()
    for ids in vectors.iter_ids():
        stored.update(ids)
    return sorted(mine - stored), sorted(stored - mine)


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__
    return str(cause) if cause is not None else str(exc)
