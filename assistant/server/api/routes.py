"""The HTTP API's routes: ask, retrieve and manage articles over JSON, documented at /docs.

Handlers are plain functions over one shared Assistant.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from assistant.assistant import Assistant
from assistant.errors import ArticleNotFoundError, UnsupportedFileTypeError, UploadTooLargeError
from assistant.ingest.loaders import Skipped, article_from_record
from assistant.server.api.errors import error_response, safe_text
from assistant.server.api.models import (
    ArticleDetail,
    ArticleList,
    ArticlesIn,
    ArticleSummary,
    AskRequest,
    AskResponse,
    Deleted,
    Health,
    IngestOut,
    PassageOut,
    RetrieveRequest,
    RetrieveResponse,
    StoreProblem,
    ask_response,
    error_responses,
    ingest_out,
)
from assistant.server.api.openapi import ARTICLES_BODY
from assistant.server.uploads import store_and_ingest


def build_router(assistant: Assistant) -> APIRouter:
    """Routes over one shared Assistant (thread-safe for concurrent questions)."""
    router = APIRouter()

    @router.get("/healthz", response_model=Health, tags=["service"])
    def healthz() -> Health:
        problems = assistant.problems
        if problems:
            return degraded_health(assistant)
        counts = assistant.counts()
        return Health(
            status="ok", index=assistant.settings.index_name, articles=counts["articles"], sentences=counts["sentences"]
        )

    @router.api_route(
        "/api/ask", methods=["GET", "PUT", "PATCH", "DELETE"], include_in_schema=False, response_model=None
    )
    @router.api_route(
        "/api/retrieve", methods=["GET", "PUT", "PATCH", "DELETE"], include_in_schema=False, response_model=None
    )
    def questions_are_posted() -> JSONResponse:
        """405, not the browser app's 404: these paths exist, for POST (the app mounted at / would answer 404)."""
        return JSONResponse(
            status_code=405, content={"detail": "send the question with POST (see /docs)"}, headers={"Allow": "POST"}
        )

    @router.post("/api/ask", response_model=AskResponse, responses=error_responses(400, 422), tags=["questions"])
    def ask(body: AskRequest) -> AskResponse:
        """Answer with cited sentences, or refuse (with the nearest passages) when nothing supports an answer."""
        history = [t if isinstance(t, str) else t.model_dump() for t in body.history]
        filters = body.filters.to_search_filters() if body.filters else None
        answer = assistant.ask(
            body.question, history=history, filters=filters, as_of=body.as_of_value(), strictness=body.strictness
        )
        return ask_response(answer)

    @router.post(
        "/api/retrieve", response_model=RetrieveResponse, responses=error_responses(400, 422), tags=["questions"]
    )
    def retrieve(body: RetrieveRequest) -> RetrieveResponse:
        """The k best sentences with their articles and scores, without composing an answer."""
        from assistant.retrieval.question import validate_question

        filters = body.filters.to_search_filters() if body.filters else None
        passages = assistant.retrieve(
            validate_question(body.question), k=body.k, filters=filters, as_of=body.as_of_value()
        )
        return RetrieveResponse(passages=[PassageOut.of(p) for p in passages])

    @router.get("/api/articles", response_model=ArticleList, responses=error_responses(422), tags=["articles"])
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
        "/api/articles/{article_id:path}",
        response_model=ArticleDetail,
        responses=error_responses(404, 422),
        tags=["articles"],
    )
    def get_article(article_id: Annotated[str, Path(max_length=200)]) -> ArticleDetail:
        article = assistant.article(article_id)
        if article is None or article.status != "ready":
            raise ArticleNotFoundError(f"no article with id {article_id!r} is indexed")
        return ArticleDetail(**{k: getattr(article, k) for k in ArticleDetail.model_fields})

    @router.post(
        "/api/articles",
        response_model=IngestOut,
        responses=error_responses(400, 411, 413, 415, 422),
        openapi_extra=ARTICLES_BODY,
        tags=["articles"],
    )
    async def add_articles(request: Request) -> IngestOut:
        """Index articles sent as JSON `{"articles": [...]}` or as uploaded files (`files`, multipart)."""
        limit = assistant.settings.max_upload_bytes
        length = request.headers.get("content-length")
        if length is None:
            return error_response(411, "send a Content-Length header (chunked uploads are not accepted)")
        if not length.isdigit() or int(length) > limit:
            raise UploadTooLargeError(f"request body is {length} bytes; the limit is {limit:,} bytes")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            return await _ingest_json(assistant, await request.body())
        if content_type == "multipart/form-data":
            return await _ingest_files(assistant, request, limit)
        raise UnsupportedFileTypeError("send application/json or multipart/form-data")

    @router.delete(
        "/api/articles/{article_id:path}",
        response_model=Deleted,
        responses=error_responses(404, 422),
        tags=["articles"],
    )
    def delete_article(article_id: Annotated[str, Path(max_length=200)]) -> Deleted:
        assistant.delete(article_id)
        return Deleted(deleted=article_id)

    return router


def degraded_health(assistant: Assistant) -> Health:
    """Health of an index the check on open found damaged: the reason, the repair command, counts if readable."""
    found = assistant.index.health  # the counts the check on open could read (None where it could not)
    reason = f"{'; '.join(p.reason for p in assistant.problems)}. Run `{assistant.index.repair_command()}`"
    return Health(
        status="degraded",
        index=assistant.settings.index_name,
        articles=found.articles if found else None,
        sentences=found.sentences if found else None,
        reason=safe_text(reason),
        problems=[
            StoreProblem(kind=p.kind, reason=safe_text(p.reason), path=safe_text(p.path)) for p in assistant.problems
        ],
    )


def _first_unpaired_surrogate(data: object) -> list[str | int] | None:
    """Where in parsed JSON a string holds a lone surrogate (json.loads lets `"\\ud800"` through), else None."""
    stack: list[tuple[object, list[str | int]]] = [(data, [])]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return where
        elif isinstance(node, dict):
            for key, value in node.items():
                stack.append((key, where))
                stack.append((value, [*where, key]))
        elif isinstance(node, list):
            stack.extend((value, [*where, number]) for number, value in enumerate(node))
    return None


def _parse_articles(raw: bytes) -> ArticlesIn:
    """The JSON body as ArticlesIn, or RequestValidationError (422) saying what is wrong with it."""
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ["body"], "msg": "JSON nested too deeply to read"}]
        ) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestValidationError([{"type": "json_invalid", "loc": ["body"], "msg": str(exc)}]) from exc
    where = _first_unpaired_surrogate(data)
    if where is not None:
        raise RequestValidationError(
            [
                {
                    "type": "string_unicode",
                    "loc": ["body", *where],
                    "msg": "text with an unpaired surrogate (not valid Unicode)",
                }
            ]
        )
    try:
        return ArticlesIn.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc
    except RecursionError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ["body"], "msg": "JSON nested too deeply to read"}]
        ) from exc


async def _ingest_json(assistant: Assistant, raw: bytes) -> IngestOut:
    payload = _parse_articles(raw)
    articles, skipped = [], []
    for number, item in enumerate(payload.articles):
        record = item.model_dump(exclude_none=True, exclude={"origin"})
        made = article_from_record(record, origin=item.origin or f"articles[{number}]")
        (skipped if isinstance(made, Skipped) else articles).append(made)
    report = await run_in_threadpool(assistant.ingest, articles)
    report.skipped = [(s.origin, s.reason) for s in skipped] + report.skipped
    return ingest_out(report)


async def _ingest_files(assistant: Assistant, request: Request, limit: int) -> IngestOut:
    """Every file is read, stored and ingested, or the request is refused before anything is written."""
    form = await request.form(max_files=100, max_fields=10, max_part_size=limit)
    try:
        uploads = [item for key, item in form.multi_items() if key == "files" and not isinstance(item, str)]
        if not uploads:
            raise RequestValidationError([{"type": "missing", "loc": ["body", "files"], "msg": "no files uploaded"}])
        files = [(upload.filename or "", await upload.read()) for upload in uploads]
    finally:
        await form.close()
    return ingest_out(await run_in_threadpool(store_and_ingest, assistant, files))
