"""The HTTP API: ask, retrieve and manage articles over JSON, documented at /docs.

Every user mistake maps to a 4xx with a JSON `{"detail": ...}` body; only real
faults may surface as 5xx. Handlers are plain functions over one shared Assistant.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.articles import MAX_ARTICLE_CHARS, Skipped, article_from_record
from assistant.config import MAX_QUESTION_CHARS
from assistant.errors import ArticleNotFoundError, AssistantError, IndexUnavailableError, InvalidQuestionError
from assistant.schema import Answer, Citation, IngestReport, Passage, SearchFilters
from assistant.server.uploads import (
    UnsupportedFileTypeError,
    UploadError,
    UploadTooLargeError,
    max_upload_bytes,
    shown_by_file_name,
    store_uploads,
)

MAX_ARTICLES_PER_REQUEST = 1000
MAX_HISTORY_TURNS = 50


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    """Every 4xx/5xx body: a message, or FastAPI's list of field errors."""

    detail: str | list[dict[str, Any]]


class Filters(_Strict):
    sources: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=50)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    article_ids: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=100, description="only these articles (e.g. to ask about one story)"
    )

    def to_search_filters(self) -> SearchFilters:
        return SearchFilters(
            tuple(self.sources),
            self.date_from.isoformat() if self.date_from else None,
            self.date_to.isoformat() if self.date_to else None,
            tuple(self.article_ids),
        )


class ChatTurn(_Strict):
    role: Literal["user", "assistant"]
    content: Annotated[str, Field(max_length=20_000)]


Question = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS, examples=["Who mediated?"])]


class AskRequest(_Strict):
    question: Question
    history: list[Annotated[str, Field(max_length=MAX_QUESTION_CHARS)] | ChatTurn] = Field(
        default_factory=list,
        max_length=MAX_HISTORY_TURNS,
        description="Earlier turns, oldest first: user questions as strings, or {role, content} messages.",
    )
    filters: Filters | None = None


class RetrieveRequest(_Strict):
    question: Question
    k: int = Field(5, ge=1, le=50)
    filters: Filters | None = None


class AskResponse(BaseModel):
    question: str
    standalone_question: str | None
    answer: str
    short_answer: str | None
    refused: bool
    citations: list[Citation]
    nearest: list[Passage] = Field(description="On a refusal: the closest passages, which are not an answer.")


class RetrieveResponse(BaseModel):
    passages: list[Passage]


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
    id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    title: Annotated[str, Field(max_length=2000)] = ""
    text: Annotated[str, Field(min_length=1, max_length=MAX_ARTICLE_CHARS)]
    date: Annotated[str, Field(max_length=40)] | None = None
    source: Annotated[str, Field(max_length=200)] = ""
    url: Annotated[str, Field(max_length=2000)] = ""
    category: Annotated[str, Field(max_length=200)] = ""


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


class Health(BaseModel):
    status: Literal["ok"]
    index: str
    articles: int
    sentences: int


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


def ask_response(answer: Answer) -> AskResponse:
    return AskResponse(
        question=answer.question,
        standalone_question=answer.standalone_question,
        answer=answer.text,
        short_answer=answer.short_answer,
        refused=answer.refused,
        citations=answer.citations,
        nearest=answer.nearest,
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


def _inline_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """Pydantic's `$defs` refs inlined, so the schema can sit inside an OpenAPI request body."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


_ARTICLES_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _inline_defs(ArticlesIn.model_json_schema())},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                    "required": ["files"],
                }
            },
        },
    }
}


def build_router(assistant: Any) -> APIRouter:
    """Routes over one shared Assistant (thread-safe for concurrent questions)."""
    router = APIRouter()

    @router.get("/healthz", response_model=Health, tags=["service"])
    def healthz() -> Health:
        counts = assistant.counts()
        return Health(
            status="ok", index=assistant.settings.index_name, articles=counts["articles"], sentences=counts["sentences"]
        )

    @router.post("/api/ask", response_model=AskResponse, responses=_errors(400, 422), tags=["questions"])
    def ask(body: AskRequest) -> AskResponse:
        """Answer with cited sentences, or refuse (with the nearest passages) when nothing supports an answer."""
        history = [t if isinstance(t, str) else t.model_dump() for t in body.history]
        filters = body.filters.to_search_filters() if body.filters else None
        return ask_response(assistant.ask(body.question, history=history, filters=filters))

    @router.post("/api/retrieve", response_model=RetrieveResponse, responses=_errors(400, 422), tags=["questions"])
    def retrieve(body: RetrieveRequest) -> RetrieveResponse:
        """The k best sentences with their articles and scores, without composing an answer."""
        from assistant.question import validate_question

        filters = body.filters.to_search_filters() if body.filters else None
        passages = assistant.retrieve(validate_question(body.question), k=body.k, filters=filters)
        return RetrieveResponse(passages=passages)

    @router.get("/api/articles", response_model=ArticleList, responses=_errors(422), tags=["articles"])
    def list_articles(
        q: Annotated[str | None, Query(max_length=500, description="keep ids/titles/sources containing this")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> ArticleList:
        rows = assistant.articles(q)
        page = rows[offset : offset + limit]
        return ArticleList(
            total=len(rows),
            articles=[ArticleSummary(**{k: getattr(a, k) for k in ArticleSummary.model_fields}) for a in page],
        )

    @router.get(
        "/api/articles/{article_id:path}", response_model=ArticleDetail, responses=_errors(404, 422), tags=["articles"]
    )
    def get_article(article_id: Annotated[str, Path(max_length=200)]) -> ArticleDetail:
        article = assistant.article(article_id)
        if article is None or article.status != "ready":
            raise ArticleNotFoundError(f"no article with id {article_id!r} is indexed")
        return ArticleDetail(**{k: getattr(article, k) for k in ArticleDetail.model_fields})

    @router.post(
        "/api/articles",
        response_model=IngestOut,
        responses=_errors(400, 411, 413, 415, 422),
        openapi_extra=_ARTICLES_BODY,
        tags=["articles"],
    )
    async def add_articles(request: Request) -> IngestOut:
        """Index articles sent as JSON `{"articles": [...]}` or as uploaded files (`files`, multipart)."""
        limit = max_upload_bytes()
        length = request.headers.get("content-length")
        if length is None:
            return _error(411, "send a Content-Length header (chunked uploads are not accepted)")
        if not length.isdigit() or int(length) > limit:
            raise UploadTooLargeError(f"request body is {length} bytes; the limit is {limit:,} bytes")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            return await _ingest_json(assistant, await request.body())
        if content_type == "multipart/form-data":
            return await _ingest_files(assistant, request, limit)
        raise UnsupportedFileTypeError("send application/json or multipart/form-data")

    @router.delete(
        "/api/articles/{article_id:path}", response_model=Deleted, responses=_errors(404, 422), tags=["articles"]
    )
    def delete_article(article_id: Annotated[str, Path(max_length=200)]) -> Deleted:
        assistant.delete(article_id)
        return Deleted(deleted=article_id)

    return router


async def _ingest_json(assistant: Any, raw: bytes) -> IngestOut:
    try:
        payload = ArticlesIn.model_validate(json.loads(raw))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestValidationError([{"type": "json_invalid", "loc": ["body"], "msg": str(exc)}]) from exc
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc
    articles, skipped = [], []
    for number, item in enumerate(payload.articles):
        made = article_from_record(item.model_dump(exclude_none=True), origin=f"articles[{number}]")
        (skipped if isinstance(made, Skipped) else articles).append(made)
    report = await run_in_threadpool(assistant.ingest, articles)
    report.skipped = [(s.origin, s.reason) for s in skipped] + report.skipped
    return ingest_out(report)


async def _ingest_files(assistant: Any, request: Request, limit: int) -> IngestOut:
    form = await request.form(max_files=100, max_fields=10, max_part_size=limit)
    uploads = [item for key, item in form.multi_items() if key == "files" and not isinstance(item, str)]
    if not uploads:
        raise RequestValidationError([{"type": "missing", "loc": ["body", "files"], "msg": "no files uploaded"}])
    files = [(upload.filename or "", await upload.read()) for upload in uploads]
    paths = store_uploads(assistant.settings.index_path, files, limit)
    return ingest_out(await run_in_threadpool(assistant.ingest, paths))


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": message})


_STATUS = (
    (UploadTooLargeError, 413),
    (UnsupportedFileTypeError, 415),
    (UploadError, 400),
    (InvalidQuestionError, 422),
    (ArticleNotFoundError, 404),
    (IndexUnavailableError, 503),
    (AssistantError, 400),
)


def install_error_handlers(app: FastAPI) -> None:
    """Our own errors become JSON 4xx/503 responses with a readable message."""

    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        status = next(code for kind, code in _STATUS if isinstance(exc, kind))
        return _error(status, str(exc))

    for kind, _ in _STATUS:
        app.add_exception_handler(kind, handle)
