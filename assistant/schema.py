"""Plain data objects passed between the pipeline stages and returned to callers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Article:
    """One news article, already decoded and cleaned to plain text."""

    id: str
    text: str
    title: str = ""
    date: str | None = None  # ISO YYYY-MM-DD
    source: str = ""
    url: str = ""
    category: str = ""
    origin: str = ""  # file path (and record number) it was read from


@dataclass(frozen=True)
class Sentence:
    """A sentence with exact character offsets into its article's text."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class PreparedArticle:
    """An article split into sentences and context windows: what ingest hands the store."""

    article: Article
    content_hash: str
    sentences: list[Sentence]
    windows: list[str]
    signature: bytes | None = None  # MinHash of the text (ingest/minhash.py); None: computed when first needed


@dataclass(frozen=True)
class StoredArticle:
    """An article row as the catalog keeps it."""

    id: str
    hash: str
    status: str
    title: str
    date: str | None
    source: str
    url: str
    category: str
    origin: str
    text: str
    sentence_count: int


@dataclass(frozen=True)
class SentenceRow:
    """A stored sentence joined with its article's metadata: what retrieval scores."""

    article_id: str
    sentence_index: int
    start: int
    end: int
    text: str
    window: str
    title: str
    date: str | None
    source: str
    url: str

    def as_passage(self, score: float, scores: dict[str, float]) -> Passage:
        """This sentence as a retrieved passage with the given scores."""
        return Passage(
            article_id=self.article_id,
            sentence_index=self.sentence_index,
            sentence=self.text,
            start=self.start,
            end=self.end,
            title=self.title,
            date=self.date,
            source=self.source,
            url=self.url,
            window=self.window,
            score=score,
            scores=scores,
        )


SENTENCE_INDEX_DOC = "0-based position of the sentence among its article's stored sentences"
SENTENCE_NUMBER_DOC = "1-based: the sentence's number as people read it (sentence_index + 1); the UI and CLI show it"


@dataclass(frozen=True)
class Passage:
    """A retrieved sentence with the article it came from and its scores.

    `sentence_index` (0-based) indexes the stored sentences; `sentence_number` (1-based,
    derived) is what the UI and CLI show as "sentence N".
    """

    article_id: str
    sentence_index: int
    sentence: str
    start: int
    end: int
    title: str
    date: str | None
    source: str
    url: str
    window: str
    score: float
    scores: dict[str, float] = field(default_factory=dict)
    sentence_number: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sentence_number", self.sentence_index + 1)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """One numbered source of an answer: the exact sentence and where it sits.

    `sentence_index` is 0-based (it indexes the stored sentences); `sentence_number` is the
    same sentence counted from 1, as the UI and CLI show it.
    """

    number: int
    article_id: str
    title: str
    date: str | None
    source: str
    url: str
    sentence: str
    sentence_index: int
    start: int
    end: int
    score: float
    # Other copies of the same story (syndicated, re-published), folded into this citation:
    # {"article_id", "title", "source", "date"} each, oldest first; see retrieval/copies.py.
    also_reported_by: list[dict[str, Any]] = field(default_factory=list)
    sentence_number: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sentence_number", self.sentence_index + 1)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """What the assistant says: cited sentences, an optional short answer, or a refusal."""

    question: str
    text: str
    citations: list[Citation]
    short_answer: str | None = None
    refused: bool = False
    nearest: list[Passage] = field(default_factory=list)
    # A follow-up rewritten to stand alone, for people ("How long did the talks last on Tuesday?");
    # None when the question stands alone or no safe rewrite exists (then see leaned_on).
    standalone_question: str | None = None
    as_of: str | None = None  # the day the question was answered as of (None: no time limit)
    reported: str | None = None  # "reported 2023-05-02" when the answer's article is much older than as_of
    leaned_on: str | None = None  # a follow-up: the earlier question (as asked) it was resolved against
    filters_applied: str | None = None  # the caller's filters in words, "source: Agency; from 2026-03-01"; None: none
    strictness: str | None = None  # the level the reader answered at (None: an answerer with one fixed threshold)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestReport:
    """Counts and reasons from one ingest run, shown to the user at the end.

    At most MAX_ENTRIES skip reasons and MAX_ENTRIES cleaning notes are kept (add them with
    `skip` and `clean`); further ones are only counted, in `skipped_more` and `cleaned_more`,
    so a hostile input cannot grow the report without bound.
    """

    MAX_ENTRIES = 1_000  # not annotated: a class constant, not a dataclass field

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (origin, reason)
    cleaned: list[tuple[str, str]] = field(default_factory=list)  # (origin, what was removed)
    sentences_indexed: int = 0
    seconds: float = 0.0
    skipped_more: int = 0  # skips past MAX_ENTRIES: counted, not listed
    cleaned_more: int = 0  # notes past MAX_ENTRIES: counted, not listed

    def skip(self, origin: str, reason: str) -> None:
        if len(self.skipped) < self.MAX_ENTRIES:
            self.skipped.append((origin, reason))
        else:
            self.skipped_more += 1

    def clean(self, origin: str, message: str) -> None:
        if len(self.cleaned) < self.MAX_ENTRIES:
            self.cleaned.append((origin, message))
        else:
            self.cleaned_more += 1

    def merge(self, other: IngestReport) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        for origin, reason in other.skipped:
            self.skip(origin, reason)
        for origin, message in other.cleaned:
            self.clean(origin, message)
        self.skipped_more += other.skipped_more
        self.cleaned_more += other.cleaned_more
        self.sentences_indexed += other.sentences_indexed
        self.seconds += other.seconds

    def summary(self) -> str:
        text = (
            f"added {len(self.added)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, skipped {len(self.skipped) + self.skipped_more}"
        )
        unlisted = [
            f"{count:,} {what} not listed"
            for count, what in ((self.skipped_more, "skip reasons"), (self.cleaned_more, "cleaning notes"))
            if count
        ]
        return f"{text} ({', '.join(unlisted)})" if unlisted else text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SearchFilters:
    """Restrict retrieval to some sources, a date range (inclusive ISO dates) and/or given articles."""

    sources: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    article_ids: tuple[str, ...] = ()
    # The question's "as of" moment: articles dated after it are never candidates; undated ones stay.
    as_of: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.sources or self.date_from or self.date_to or self.article_ids or self.as_of)

    def describe(self) -> str | None:
        """The caller's filters in words ("sources: Agency; from 2026-03-01 to 2026-03-31"); None when there
        are none. The as-of day is not one of them (answers report it on their own)."""
        parts = []
        if self.sources:
            parts.append(f"{'source' if len(self.sources) == 1 else 'sources'}: {_listed(self.sources)}")
        if self.date_from and self.date_to:
            parts.append(f"from {self.date_from} to {self.date_to}")
        elif self.date_from:
            parts.append(f"from {self.date_from}")
        elif self.date_to:
            parts.append(f"until {self.date_to}")
        if self.article_ids:
            parts.append(f"{'article' if len(self.article_ids) == 1 else 'articles'}: {_listed(self.article_ids)}")
        return "; ".join(parts) or None

    def check_range(self, labels: tuple[str, str] = ("date_from", "date_to")) -> SearchFilters:
        """These filters, or FilterError naming both date fields (by their labels) when the range is reversed."""
        from assistant.errors import FilterError

        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise FilterError(
                f"{labels[0]} {self.date_from} is after {labels[1]} {self.date_to}, so no article can match: "
                "swap the two dates or clear one"
            )
        return self

    def with_known_sources(self, known: Iterable[str]) -> SearchFilters:
        """These filters with each source spelled as the index stores it (matched ignoring case), or
        FilterError naming the unknown ones and the sources the index holds (at most MAX_SOURCES_LISTED)."""
        from assistant.errors import FilterError

        if not self.sources:
            return self
        stored: dict[str, list[str]] = {}
        for name in sorted(set(known)):
            stored.setdefault(name.casefold(), []).append(name)
        unknown = [s for s in self.sources if s.strip().casefold() not in stored]
        if unknown:
            names = ", ".join(repr(s) for s in unknown)
            holds = sorted({name for spellings in stored.values() for name in spellings}, key=str.casefold)
            if not holds:
                listed = "no indexed article names its source"
            else:
                listed = "the index holds: " + ", ".join(holds[:MAX_SOURCES_LISTED])
                if len(holds) > MAX_SOURCES_LISTED:
                    listed += f" (and {len(holds) - MAX_SOURCES_LISTED:,} more)"
            raise FilterError(f"unknown {'source' if len(unknown) == 1 else 'sources'} {names}; {listed}")
        spelled = dict.fromkeys(name for s in self.sources for name in stored[s.strip().casefold()])
        return replace(self, sources=tuple(spelled))

    @classmethod
    def parse(
        cls,
        sources: Any = (),
        date_from: Any = None,
        date_to: Any = None,
        article_ids: Any = (),
        labels: tuple[str, str] = ("date_from", "date_to"),
    ) -> SearchFilters:
        """Filters from what a user typed (CLI, UI, API): dates normalised to ISO, or FilterError naming
        the field by its label there (e.g. "--since", "From date")."""
        from assistant.dates import parse_date
        from assistant.errors import FilterError

        dates: list[str | None] = []
        for label, value in zip(labels, (date_from, date_to), strict=True):
            text = str(value).strip() if value is not None else ""
            parsed = parse_date(text) if text else None
            if text and parsed is None:
                raise FilterError(f"{label} must look like 2026-02-18, got {text!r}")
            dates.append(parsed)
        return cls(_strings(sources), dates[0], dates[1], _strings(article_ids)).check_range(labels)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | SearchFilters | None) -> SearchFilters:
        if data is None:
            return cls()
        if isinstance(data, SearchFilters):
            return data
        parsed = cls.parse(  # dates normalised to ISO and checked, as from any front end
            data.get("sources") or data.get("source"),
            data.get("date_from"),
            data.get("date_to"),
            data.get("article_ids"),
        )
        return replace(parsed, as_of=data.get("as_of"))


MAX_SOURCES_LISTED = 20  # an unknown-source error lists at most this many of the index's sources
MAX_LISTED = 10  # filter values named in a description


def _listed(values: tuple[str, ...]) -> str:
    shown = ", ".join(values[:MAX_LISTED])
    return f"{shown} and {len(values) - MAX_LISTED:,} more" if len(values) > MAX_LISTED else shown


def _strings(value: Any) -> tuple[str, ...]:
    """One string or a list of them, as a tuple (filters accept either)."""
    if not value:
        return ()
    return (str(value),) if isinstance(value, str) else tuple(str(v) for v in value)
