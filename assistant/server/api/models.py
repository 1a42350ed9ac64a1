"""The HTTP API's request and response bodies (pydantic), and how our objects become them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.config import MAX_QUESTION_CHARS
from assistant.ingest.loaders import (
    MAX_ARTICLE_CHARS,
    MAX_CATEGORY_CHARS,
    MAX_ID_CHARS,
    MAX_SOURCE_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
)
from assistant.schema import (
    SENTENCE_INDEX_DOC,
    SENTENCE_NUMBER_DOC,
    Answer,
    Citation,
    IngestReport,
    Passage,
    SearchFilters,
)
from assistant.server.uploads import shown_by_file_name

MAX_ARTICLES_PER_REQUEST = 1000
MAX_HISTORY_TURNS = 50
MAX_HISTORY_ITEM_CHARS = 2000  # each earlier turn
MAX_HISTORY_CHARS = 20_000  # all earlier turns together


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    """Every 4xx/5xx body: a message, or FastAPI's list of field errors."""

    detail: str | list[dict[str, Any]]


class Filters(_Strict):
    """Restrict the answer to some articles; every filter given must hold. A reversed date range or a
    source the index does not hold is a 422 naming it, never a silent empty search."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"sources": ["Agency"], "date_from": "2026-01-01", "date_to": "2026-03-31"},
                {"article_ids": ["geneva-peace-talks"]},
            ]
        },
    )

    sources: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list,
        max_length=50,
        description="only articles from these sources (matched ignoring case; an unknown one is a 422 that lists "
        "the index's sources)",
    )
    date_from: dt.date | None = Field(None, description="only articles dated on or after this day (inclusive)")
    date_to: dt.date | None = Field(None, description="only articles dated on or before this day (inclusive)")
    article_ids: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list,
        max_length=100,
        description="only these articles, by id as GET /api/articles lists them (e.g. to ask about one story); "
        "ids that are not indexed match nothing",
    )

    def to_search_filters(self) -> SearchFilters:
        return SearchFilters.parse(self.sources, self.date_from, self.date_to, self.article_ids)


class ChatTurn(_Strict):
    role: Literal["user", "assistant"]
    content: Annotated[str, Field(max_length=MAX_HISTORY_ITEM_CHARS)]


Question = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS, examples=["Who mediated?"])]


AS_OF_DESCRIPTION = (
    'The day the question is asked as of (YYYY-MM-DD; default today; "none": no limit). No article dated '
    'after it is a candidate (undated articles are), and "this week", "on Tuesday", "latest" are read '
    "against it."
)


class _AsOf(_Strict):
    as_of: Annotated[str, Field(max_length=40, description=AS_OF_DESCRIPTION, examples=["2026-02-20"])] | None = None

    @field_validator("as_of")
    @classmethod
    def _as_of_is_a_day(cls, value: str | None) -> str | None:
        from assistant.dates import resolve_as_of

        if value is not None:
            try:
                resolve_as_of(value)
            except ValueError as exc:
                raise ValueError(str(exc)) from None
        return value

    def as_of_value(self) -> str:
        from assistant.dates import TODAY

        return TODAY if self.as_of is None else self.as_of


class AskRequest(_AsOf):
    """A question and, separately limited, the conversation before it."""

    # Real examples for the docs' "Try it out" (placeholders such as "string" in history and
    # filters would make the default request a refusal).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": "Who mediated?"},
                {"question": "Who mediated them?", "history": ["Where were the talks held?"]},
                {"question": "Who mediated?", "filters": {"sources": ["Agency"], "date_from": "2026-01-01"}},
                {"question": "Who mediated?", "filters": {"article_ids": ["geneva-peace-talks"]}},
            ]
        },
    )

    question: Question
    history: list[Annotated[str, Field(max_length=MAX_HISTORY_ITEM_CHARS)] | ChatTurn] = Field(
        default_factory=list,
        max_length=MAX_HISTORY_TURNS,
        description=(
            "Earlier turns, oldest first: user questions as strings, or {role, content} messages. "
            f"At most {MAX_HISTORY_TURNS} turns of at most {MAX_HISTORY_ITEM_CHARS:,} characters each, "
            f"{MAX_HISTORY_CHARS:,} characters in all (limits of their own, apart from the question's)."
        ),
    )
    filters: Filters | None = None
    strictness: Literal["strict", "balanced", "lenient"] | None = Field(
        None,
        description="How sure the reader must be to answer: strict, balanced or lenient, calibrated for about 95, 90 "
        "and 80 % of answers holding the answer in their first citation. Stricter answers fewer questions. "
        "Default: the server's setting, else the threshold calibrated for accuracy.",
    )

    @field_validator("history", mode="before")
    @classmethod
    def _history_within_limits(cls, value: Any) -> Any:
        """Each limit with its own message, checked before the turns are parsed."""
        if not isinstance(value, list):
            return value
        if len(value) > MAX_HISTORY_TURNS:
            raise ValueError(f"history has {len(value):,} turns; the limit is {MAX_HISTORY_TURNS}")
        total = 0
        for number, turn in enumerate(value):
            text = turn.get("content") if isinstance(turn, dict) else turn
            if not isinstance(text, str):
                continue  # the type check below names it
            if len(text) > MAX_HISTORY_ITEM_CHARS:
                raise ValueError(
                    f"history turn {number} is {len(text):,} characters long; "
                    f"the limit per turn is {MAX_HISTORY_ITEM_CHARS:,}"
                )
            total += len(text)
        if total > MAX_HISTORY_CHARS:
            raise ValueError(f"the history is {total:,} characters in all; the limit is {MAX_HISTORY_CHARS:,}")
        return value


class RetrieveRequest(_AsOf):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"question": "How many drones were shot down?", "k": 5}]}
    )

    question: Question
    k: int = Field(5, ge=1, le=50)
    filters: Filters | None = None


class PassageOut(BaseModel):
    """A retrieved sentence, its article and its scores."""

    article_id: str
    sentence_index: int = Field(description=SENTENCE_INDEX_DOC)
    sentence_number: int = Field(description=SENTENCE_NUMBER_DOC)
    sentence: str
    start: int = Field(description="character offset of the sentence in the article's text")
    end: int
    title: str
    date: str | None
    source: str
    url: str
    window: str
    score: float
    scores: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def of(cls, passage: Passage) -> PassageOut:
        return cls(**passage.to_dict())


class CitationOut(BaseModel):
    """One numbered source of an answer: the exact sentence and where it sits."""

    number: int = Field(description="the [n] the answer cites it by")
    article_id: str
    title: str
    date: str | None
    source: str
    url: str
    sentence: str
    sentence_index: int = Field(description=SENTENCE_INDEX_DOC)
    sentence_number: int = Field(description=SENTENCE_NUMBER_DOC)
    start: int = Field(description="character offset of the sentence in the article's text")
    end: int
    score: float
    also_reported_by: list[dict[str, Any]] = Field(
        default_factory=list,
        description="other copies of the same story (syndicated, re-published): article_id, title, source, date",
    )

    @classmethod
    def of(cls, citation: Citation) -> CitationOut:
        return cls(**citation.to_dict())


class AskResponse(BaseModel):
    question: str
    standalone_question: str | None = Field(
        description='A follow-up rewritten to stand alone, as it was understood ("How long did the talks last on '
        'Tuesday?"); null when the question stands alone or no safe rewrite exists (see leaned_on).'
    )
    leaned_on: str | None = Field(
        None,
        description="A follow-up: the earlier question (as asked) it was resolved against; null when the question "
        'was read on its own. Shown as "Follow-up to: ..." when standalone_question is null.',
    )
    filters_applied: str | None = Field(
        None,
        description='The request\'s filters in words ("sources: Agency; from 2026-03-01"); null when none. A refusal '
        "under filters names them in its text too.",
    )
    answer: str
    short_answer: str | None
    refused: bool
    citations: list[CitationOut]
    nearest: list[PassageOut] = Field(description="On a refusal: the closest passages, which are not an answer.")
    as_of: str | None = Field(None, description="The day the answer is as of (null: no time limit).")
    reported: str | None = Field(None, description='"reported YYYY-MM-DD" when the answer\'s article is much older.')
    strictness: str | None = Field(
        None, description="The strictness the reader answered at (null: an answerer with one fixed threshold)."
    )


class RetrieveResponse(BaseModel):
    passages: list[PassageOut]


class ArticleSummary(BaseModel):
    id: str
    title: str
    date: str | None
    source: str
    url: str
    category: str
    sentence_count: int


class ArticleList(BaseModel):
    total: int
    articles: list[ArticleSummary]


class ArticleDetail(ArticleSummary):
    text: str


class ArticleIn(_Strict):
    # The loader's limits, so the JSON API refuses (422) exactly what a file upload would skip.
    id: Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)] | None = None
    title: Annotated[str, Field(max_length=MAX_TITLE_CHARS)] = ""
    text: Annotated[str, Field(min_length=1, max_length=MAX_ARTICLE_CHARS)]
    date: Annotated[str, Field(max_length=40)] | None = None
    source: Annotated[str, Field(max_length=MAX_SOURCE_CHARS)] = ""
    url: Annotated[str, Field(max_length=MAX_URL_CHARS)] = ""
    category: Annotated[str, Field(max_length=MAX_CATEGORY_CHARS)] = ""
    origin: Annotated[str, Field(max_length=1000, description="where it came from (a file name), for reports")] = ""


class ArticlesIn(_Strict):
    articles: list[ArticleIn] = Field(min_length=1, max_length=MAX_ARTICLES_PER_REQUEST)


class Problem(BaseModel):
    origin: str
    reason: str


class IngestOut(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    skipped: list[Problem]
    cleaned: list[Problem]
    sentences_indexed: int
    seconds: float


class Deleted(BaseModel):
    deleted: str


class StoreProblem(BaseModel):
    kind: str
    reason: str
    path: str


class Health(BaseModel):
    """`ok`, or `degraded` (still serving) when the check on open found the index damaged or out of step."""

    status: Literal["ok", "degraded"]
    index: str
    articles: int | None = None  # None when the catalog cannot be read
    sentences: int | None = None
    reason: str | None = Field(default=None, description="what is wrong and the command that repairs it")
    problems: list[StoreProblem] = Field(default_factory=list)


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


def ask_response(answer: Answer) -> AskResponse:
    return AskResponse(
        question=answer.question,
        standalone_question=answer.standalone_question,
        leaned_on=answer.leaned_on,
        filters_applied=answer.filters_applied,
        answer=answer.text,
        short_answer=answer.short_answer,
        refused=answer.refused,
        citations=[CitationOut.of(c) for c in answer.citations],
        nearest=[PassageOut.of(p) for p in answer.nearest],
        as_of=answer.as_of,
        reported=answer.reported,
        strictness=answer.strictness,
    )


def ingest_out(report: IngestReport) -> IngestOut:
    report = shown_by_file_name(report)
    return IngestOut(
        added=report.added,
        updated=report.updated,
        unchanged=report.unchanged,
        skipped=[Problem(origin=o, reason=r) for o, r in report.skipped],
        cleaned=[Problem(origin=o, reason=r) for o, r in report.cleaned],
        sentences_indexed=report.sentences_indexed,
        seconds=round(report.seconds, 3),
    )
