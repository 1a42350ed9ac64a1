"""The one object every front end calls: ingest, ask, retrieve, delete, list articles."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from assistant.answering.base import filtered_refusal
from assistant.answering.evidence import load_weight as load_evidence_weight
from assistant.answering.factory import build_answerer
from assistant.answering.follow_ups import FollowUp, resolve
from assistant.answering.strictness import DEFAULT_LABEL, check_strictness
from assistant.config import Settings, prompt_text
from assistant.dates import TODAY, resolve_as_of
from assistant.errors import EmptyIndexError
from assistant.ingest.pipeline import Ingestor
from assistant.models.embedder import Embedder, get_embedder
from assistant.retrieval.as_of import merged, stale_note, with_as_of, within_window
from assistant.retrieval.copies import fold_copies
from assistant.retrieval.question import ENGLISH_ONLY, Question, analyse, looks_non_english, validate_question
from assistant.retrieval.recency import NO_PRIOR, RecencyPrior, has_time_cue, load_prior, order_answers
from assistant.retrieval.retriever import HybridRetriever
from assistant.retrieval.temporal import TimeScope, resolve_time
from assistant.schema import Answer, Article, IngestReport, Passage, SearchFilters, StoredArticle
from assistant.store.index import HealthReport, RepairReport, SentenceIndex, SyncReport

if TYPE_CHECKING:
    from llama_index.core.base.base_retriever import BaseRetriever
    from llama_index.core.llms import LLM
    from llama_index.core.query_engine import RetrieverQueryEngine

    from assistant.store.migrate import MigrateReport


DEMO_SEEDED = "demo_seeded"  # index note: the demo corpus was built here once


@dataclass(frozen=True)
class Candidates:
    """A question as retrieval read it, and the sentences retrieved for it (see `Assistant.candidates`)."""

    follow_up: FollowUp
    parsed: Question  # the standalone question the reader reads
    scope: TimeScope | None  # its time expressions, resolved against as_of (None: no as-of day)
    as_of: date | None
    filters: SearchFilters  # the caller's, checked
    searched_with: SearchFilters  # the caller's, with the as-of limit (and a stated window, when it filtered)
    cued: bool  # the question says something of time (the recency prior's stronger setting)
    passages: list[Passage]


class Assistant:
    """Grounded question answering over one named index of news articles.

    Use it as a context manager (or call `close()`) so the catalog is closed when done.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        create: bool = True,
        command: str = "python",
        damaged_ok: bool = False,
    ) -> None:
        """Open the index `settings` names, holding its writer lock until `close()` (see store/lock.py).

        `create=False` raises IndexNotFoundError instead of creating a missing index;
        IndexBusyError when another process holds the index; `damaged_ok` opens even a
        catalog SQLite cannot read (for `check` and `repair`).
        """
        self.settings = settings or Settings.from_env()
        self.embedder = embedder or get_embedder(self.settings.resolved_model_path(), self.settings.embed_batch_size)
        self.index = SentenceIndex.open(
            self.settings, self.embedder, create=create, command=command, damaged_ok=damaged_ok
        )
        self.retriever = HybridRetriever(
            self.index,
            dense_k=self.settings.dense_candidates,
            lexical_k=self.settings.lexical_candidates,
            candidates=self.settings.rerank_candidates,
            window_size=self.settings.window_size,
        )
        self.answerer = build_answerer(self.settings)
        self._write_lock = threading.Lock()  # one writer at a time when a server shares this object

    @classmethod
    def open(
        cls,
        index: str | None = None,
        index_dir: str | Path | None = None,
        chroma_url: str | None = None,
        embedder: Embedder | None = None,
        create: bool = True,
        command: str = "python",
        damaged_ok: bool = False,
        **overrides: Any,
    ) -> Assistant:
        """Open (or, unless `create=False`, create) an index by name; unset arguments come from the environment.

        `damaged_ok` opens even a catalog SQLite cannot read (for `check` and `repair`);
        what the quick check on open found is in `problems` either way.
        """
        settings = Settings.from_env().with_overrides(
            index_name=index, index_dir=Path(index_dir) if index_dir else None, chroma_url=chroma_url, **overrides
        )
        return cls(settings, embedder, create=create, command=command, damaged_ok=damaged_ok)

    # --- corpus -----------------------------------------------------------------
    def ingest(
        self,
        sources: Iterable[str | Path | Article] | str | Path,
        progress: bool = False,
        on_progress: Ingestor.ProgressCallback | None = None,
    ) -> IngestReport:
        """Index files/folders (paths) or Article objects; unchanged articles cost nothing.

        `progress` draws a terminal bar. `on_progress(articles_done, articles_total)` is for front ends
        that draw their own (and then no bar is drawn): called in this thread, first with (0, total),
        never going back, last with (total, total); `total` counts every article of `sources` and every
        entry the loaders skip (docs/ingest.md, "Progress").
        """
        items = [sources] if isinstance(sources, (str, Path)) else list(sources)
        ingestor = Ingestor(
            self.index,
            self.settings.window_size,
            self.settings.ingest_batch_articles,
            progress=progress,
            on_progress=on_progress,
        )
        articles = [i for i in items if isinstance(i, Article)]
        paths = [i for i in items if not isinstance(i, Article)]
        with self._write_lock:
            report = ingestor.ingest(paths, articles)
        return report

    def delete(self, article_id: str) -> None:
        """Remove an article from every index; ArticleNotFoundError if unknown."""
        with self._write_lock:
            self.index.delete(article_id)

    def articles(self, query: str | None = None) -> list[StoredArticle]:
        """Indexed articles, newest first; `query` keeps those whose id, title or source contain it."""
        rows = self.index.articles()
        needle = (query or "").strip().casefold()
        if not needle:
            return rows
        return [a for a in rows if needle in f"{a.id}\n{a.title}\n{a.source}".casefold()]

    def seed_demo(self, reset: bool = False) -> IngestReport | None:
        """Build the bundled demo corpus into this index once: on the first start of an empty index, or on `reset`.

        Never again after that, so articles the user deleted stay deleted. Returns None when nothing was done.
        """
        from assistant.config import DEMO_CORPUS

        seeded = self.index.get_note(DEMO_SEEDED) is not None
        if not reset and (seeded or not self.index.is_empty()):
            if not seeded:
                self.index.set_note(DEMO_SEEDED, "existing")  # built before this was recorded
            return None
        report = self.ingest([DEMO_CORPUS])
        self.index.set_note(DEMO_SEEDED, "reset" if reset else "first start")
        return report

    def sources(self) -> list[str]:
        """Distinct source names, for filter menus."""
        return sorted({a.source for a in self.index.articles() if a.source})

    def article(self, article_id: str) -> StoredArticle | None:
        """One article with its full text (for showing a citation in context)."""
        return self.index.get(article_id)

    # --- questions --------------------------------------------------------------
    def retrieve(
        self,
        question: str,
        k: int = 5,
        filters: SearchFilters | dict | None = None,
        as_of: date | str | None = TODAY,
    ) -> list[Passage]:
        """The k best sentences for `question` (none dated after `as_of`; a window the question states is
        kept when it holds any; the recency prior applied); EmptyIndexError when nothing is indexed,
        FilterError for a reversed date range or a source the index does not hold."""
        if k < 1:
            raise ValueError("k must be at least 1")
        return self.candidates(question, filters=filters, as_of=as_of, k=k).passages

    def _checked_filters(self, filters: SearchFilters | dict | None) -> SearchFilters:
        """The caller's filters, or FilterError: a reversed date range, or a source the index does not hold
        (sources match ignoring case and become the index's own spelling)."""
        chosen = SearchFilters.from_dict(filters).check_range()
        return chosen.with_known_sources(self.sources()) if chosen.sources else chosen

    def _require_articles(self) -> None:
        """An empty index is not a refusal: say so, and how to fill it."""
        if self.index.is_empty():
            name = self.settings.index_name
            raise EmptyIndexError(
                f"the index {name!r} has no articles yet, so there is nothing to answer from: add some with "
                f"`assistant --index {name} ingest PATH`, the app's Corpus tab, or POST /api/articles"
            )

    def ask(
        self,
        question: str,
        history: Sequence[Any] | None = None,
        filters: SearchFilters | dict | None = None,
        as_of: date | str | None = TODAY,
        strictness: str | None = None,
    ) -> Answer:
        """Answer with cited sentences, or refuse when the articles don't support an answer.

        `as_of` (default today; None or "none": no limit) is the moment the question is asked:
        no article dated after it is cited, and "this week", "on Tuesday", "latest" are read
        against it (see retrieval/as_of.py). FilterError for a reversed date range or a source the
        index does not hold; a refusal under filters names them (`Answer.filters_applied`).
        `strictness` (strict | balanced | lenient; default: Settings.strictness) is how sure the
        reader must be to answer (answering/strictness.py); FilterError for another value.
        """
        return self.ask_ranked(question, history, filters, as_of=as_of, strictness=strictness)[0]

    def ask_ranked(
        self,
        question: str,
        history: Sequence[Any] | None = None,
        filters: SearchFilters | dict | None = None,
        k: int | None = None,
        as_of: date | str | None = TODAY,
        strictness: str | None = None,
    ) -> tuple[Answer, list[Passage]]:
        """The answer plus the ranked sentences it was chosen from (evaluation reads both).

        The answerer chooses from its own number of candidates (`Answerer.candidates`);
        `k` (default: that number) is how many ranked sentences come back.
        """
        text = validate_question(question)
        answerer = self.answerer.at(strictness)
        read = answerer.candidates
        k = read if k is None else k
        found = self.candidates(text, history, filters, as_of, k=max(k, read))
        parsed, scope, day, chosen, used = found.parsed, found.scope, found.as_of, found.filters, found.searched_with
        follow_up, passages = found.follow_up, found.passages
        ranking = answerer.rank(parsed, passages[:read])
        floor = answerer.refusal_threshold
        ranked = order_answers(self.prior, ranking.passages, day, scope, floor, self.evidence_weight)
        folded = fold_copies(ranked, self.index, day, used, floor=floor)  # one story, cited once
        shorts = dict(ranking.short_answers)
        shorts.update({new: shorts[old] for new, old in folded.moved.items() if old in shorts})
        answer = folded.cite(answerer.compose(parsed, replace(ranking, passages=folded.passages, short_answers=shorts)))
        if answerer.thresholds:
            level = check_strictness(strictness) or self.settings.strictness
            answer = replace(answer, strictness=level or DEFAULT_LABEL)
        passages = folded.passages + folded.drop_copies(passages[len(ranked) :], self.index)
        if follow_up.leaned_on:
            answer = replace(
                answer, question=text, standalone_question=follow_up.readable, leaned_on=follow_up.leaned_on
            )
        described = chosen.describe()
        if described:
            answer = replace(answer, filters_applied=described)
            if answer.refused:
                answer = replace(answer, text=filtered_refusal(chosen, bool(passages), day))
        if day is not None:
            answer = self._dated(answer, day, passages)
        if answer.refused and looks_non_english(text):
            answer = replace(answer, text=ENGLISH_ONLY)
        return answer, passages[:k]

    def candidates(
        self,
        question: str,
        history: Sequence[Any] | None = None,
        filters: SearchFilters | dict | None = None,
        as_of: date | str | None = TODAY,
        k: int | None = None,
    ) -> Candidates:
        """What the answerer will choose from: the question read against `as_of` (follow-up resolved,
        time expressions found), then the retrieved sentences (within a window the question states if that
        finds any, or read beside it: `Settings.stated_windows`), rescored by the recency prior, best first, `k` deep (default: all scored)."""
        text = validate_question(question)
        day = resolve_as_of(as_of)
        self._require_articles()
        chosen = self._checked_filters(filters)
        follow_up = resolve(text, history)
        standalone = follow_up.searched  # what retrieval and the reader read; the readable form is shown
        scope = resolve_time(standalone, day) if day else None
        parsed = analyse(standalone)
        searched = analyse(scope.text_without_time) if scope and scope.expressions else parsed
        depth = max(k or 0, self.settings.rerank_candidates)  # the prior may lift any scored candidate
        base = with_as_of(chosen, day)
        windowed = within_window(base, scope)
        inside = self.retriever.retrieve(searched, k=depth, filters=windowed) if windowed else []
        weigh = self.settings.stated_windows == "weigh"
        used = windowed if inside and not weigh else base
        if weigh:  # the window is a preference: read what it finds beside what the as-of limit finds
            passages = merged(inside, self.retriever.retrieve(searched, k=depth, filters=base))
        else:  # the window filters; one that finds nothing is dropped (never a refusal for a misread)
            passages = inside or self.retriever.retrieve(searched, k=depth, filters=base)
        cued = has_time_cue(scope)
        window = scope.article_window() if windowed and weigh and scope else None
        passages = self.prior.rescore_retrieval(passages, day, cued, window)
        return Candidates(follow_up, parsed, scope, day, chosen, used, cued, passages[:k] if k else passages)

    @property
    def prior(self) -> RecencyPrior:
        """The fitted recency prior, or none when settings switch it off (for A/B measurements)."""
        return load_prior(windows=self.settings.stated_windows) if self.settings.recency_prior else NO_PRIOR

    @property
    def evidence_weight(self) -> float:
        """The fitted weight of evidence pooled per article (0 when settings switch it off)."""
        return load_evidence_weight() if self.settings.article_evidence else 0.0

    def _dated(self, answer: Answer, day: date, passages: list[Passage]) -> Answer:
        """Say what day the answer is as of, when it was reported if long before, and why nothing was found."""
        answer = replace(answer, as_of=day.isoformat())
        if not answer.refused:
            return replace(answer, reported=stale_note(answer.citations[0].date, day))
        if not passages and self.index.dated_after_only(day):
            return replace(
                answer, text=f"No indexed article is dated on or before {day.isoformat()}: nothing is that old."
            )
        return answer

    def with_answerer(self, kind: str) -> Assistant:
        """The same index and retriever with another answerer ("reader" or "heuristic"), for comparisons."""
        twin = copy.copy(self)
        twin.answerer = build_answerer(self.settings, kind)
        return twin

    def as_llama_retriever(self, k: int = 5, filters: SearchFilters | dict | None = None) -> BaseRetriever:
        """This retriever as a llama-index BaseRetriever (NodeWithScore per sentence)."""
        from assistant.integrations.llama_index import LlamaIndexSentenceRetriever

        return LlamaIndexSentenceRetriever(self.retriever, k=k, filters=SearchFilters.from_dict(filters))

    def as_query_engine(self, llm: LLM, k: int = 5) -> RetrieverQueryEngine:
        """A llama-index query engine over our retriever, for users who bring an LLM."""
        from llama_index.core import PromptTemplate
        from llama_index.core.query_engine import RetrieverQueryEngine

        template = PromptTemplate(prompt_text("grounded_answer.txt"))
        return RetrieverQueryEngine.from_args(self.as_llama_retriever(k=k), llm=llm, text_qa_template=template)

    def counts(self) -> dict[str, int]:
        return self.index.counts()

    def sync(self, force: bool = False) -> SyncReport:
        """Reconcile the local catalog with the vector store (a Chroma server's changes)."""
        return self.index.sync(force=force)

    def export(self, path: str | Path) -> int:
        """Back up every ready article to `path` (.jsonl or .jsonl.gz), re-ingestable with the same ids; returns how many."""
        from assistant.store.backup import export_articles

        return export_articles(self.index.catalog, path).written

    def migrate_to(self, url: str, replace: bool = False, progress: bool = False) -> MigrateReport:
        """Copy this embedded index onto a Chroma server (vectors as stored) and verify the copy; see store.migrate."""
        from assistant.store.migrate import migrate_index

        with self._write_lock:
            return migrate_index(self.index, url, self.embedder, replace_existing=replace, progress=progress)

    # --- health -----------------------------------------------------------------
    @property
    def problems(self) -> list[Any]:
        """What the quick check on open found wrong with the index (empty: sound); see `check()`."""
        return list(self.index.problems)

    def check(self) -> HealthReport:
        """Compare the catalog and the vector store in full; `report.ok` when they are sound and in step."""
        return self.index.check()

    def repair(self, progress: bool = False) -> RepairReport:
        """Fix what `check()` finds; idempotent, and a run cut short is finished by the next one."""
        with self._write_lock:
            return self.index.repair_store(progress=progress)

    # --- lifetime ---------------------------------------------------------------
    def announce_server(self, url: str, auth: bool) -> None:
        """Note in the index's lock where the app serving it listens, so CLI commands come through it."""
        if self.index.lock is not None:
            self.index.lock.announce_url(url, auth)

    def close(self) -> None:
        """Close the index's files; the shared models stay loaded for other assistants."""
        self.index.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
