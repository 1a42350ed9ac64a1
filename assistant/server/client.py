"""Send CLI work to the app that owns an index, over its HTTP API, instead of touching its files.

A serving app holds its index's writer lock for its lifetime (store/lock.py) and notes
where it listens. `assistant ingest|delete|ask|chat|articles|demo` aimed at that index
use `AppClient`, which offers the same calls as `Assistant` for those commands, so the
app stays the one writer and its answers include the new articles at once.

Files are read here, by the same loaders as a local ingest, and sent as JSON articles
with their ids, so an article gets the same id either way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from assistant.answering.strictness import check_strictness
from assistant.dates import NO_LIMIT, TODAY, resolve_as_of
from assistant.errors import (
    ArticleNotFoundError,
    AssistantError,
    EmptyIndexError,
    IndexBusyError,
    InvalidQuestionError,
    StoreDamagedError,
)
from assistant.ingest.loaders import Note, Skipped, load_articles, report_skip_or_note
from assistant.schema import Answer, Article, Citation, IngestReport, Passage, SearchFilters, StoredArticle
from assistant.store.lock import Owner

MAX_REQUEST_ARTICLES = 200
MAX_REQUEST_BYTES = 4 * 1024 * 1024  # well under the app's default upload limit (20 MB)
TIMEOUT_S = 600.0  # a batch of articles is embedded before the reply


class AppClient:
    """The calls the CLI makes, answered by the app at `owner.url`."""

    def __init__(self, owner: Owner, credentials: tuple[str, str] | None = None) -> None:
        if not owner.url:
            raise ValueError("the owner has no URL")
        if owner.auth and credentials is None:
            raise IndexBusyError(
                f"the index is served by {owner.describe()}, which asks for a password: "
                "set ASSISTANT_AUTH=user:password to send this command through it"
            )
        self.owner = owner
        self.url = owner.url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, auth=credentials, timeout=TIMEOUT_S)

    def close(self) -> None:
        self._http.close()

    def describe(self) -> str:
        return f"through {self.owner.describe()}"

    # --- corpus -----------------------------------------------------------------
    def ingest(self, sources: Iterable[str | Path] | str | Path, progress: bool = False) -> IngestReport:
        from tqdm.auto import tqdm

        items = [sources] if isinstance(sources, (str, Path)) else list(sources)
        report = IngestReport()
        bar = tqdm(desc="Sending to the app", unit=" articles", disable=not progress, dynamic_ncols=True)
        try:
            for batch in _batches(load_articles(items), report):
                report.merge(self._send(batch))
                bar.update(len(batch))
        finally:
            bar.close()
        return report

    def _send(self, batch: list[Article]) -> IngestReport:
        body = {"articles": [_article_json(article) for article in batch]}
        data = self._call("POST", "/api/articles", json=body)
        report = IngestReport(
            added=list(data["added"]),
            updated=list(data["updated"]),
            unchanged=list(data["unchanged"]),
            sentences_indexed=int(data["sentences_indexed"]),
            seconds=float(data.get("seconds") or 0.0),
        )
        for problem in data["skipped"]:
            report.skip(problem["origin"], problem["reason"])
        for problem in data["cleaned"]:
            report.clean(problem["origin"], problem["reason"])
        return report

    def delete(self, article_id: str) -> None:
        self._call("DELETE", f"/api/articles/{quote(article_id, safe='')}")

    def articles(self, query: str | None = None) -> list[StoredArticle]:
        rows: list[StoredArticle] = []
        while True:
            params: dict[str, Any] = {"limit": 1000, "offset": len(rows)}
            if query:
                params["q"] = query
            page = self._call("GET", "/api/articles", params=params)
            rows += [_stored(item) for item in page["articles"]]
            if not page["articles"] or len(rows) >= page["total"]:
                return rows

    def counts(self) -> dict[str, int]:
        health = self._call("GET", "/healthz")
        return {"articles": int(health["articles"]), "sentences": int(health["sentences"])}

    # --- questions --------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: Sequence[Any] | None = None,
        filters: SearchFilters | dict | None = None,
        as_of: date | str | None = TODAY,
        strictness: str | None = None,
    ) -> Answer:
        body: dict[str, Any] = {"question": question, "history": list(history or [])}
        if strictness is not None:
            body["strictness"] = check_strictness(strictness)  # checked here: exit 2 before the request
        day = resolve_as_of(as_of)  # resolved here: "today" is the caller's today
        body["as_of"] = day.isoformat() if day else NO_LIMIT
        chosen = SearchFilters.from_dict(filters)
        if chosen.sources or chosen.date_from or chosen.date_to or chosen.article_ids:
            body["filters"] = {
                "sources": list(chosen.sources),
                "date_from": chosen.date_from,
                "date_to": chosen.date_to,
                "article_ids": list(chosen.article_ids),
            }
        data = self._call("POST", "/api/ask", json=body)
        return Answer(
            question=data["question"],
            text=data["answer"],
            citations=[Citation(**_without_derived(item)) for item in data["citations"]],
            short_answer=data.get("short_answer"),
            refused=bool(data["refused"]),
            nearest=[Passage(**_without_derived(item)) for item in data.get("nearest") or []],
            standalone_question=data.get("standalone_question"),
            as_of=data.get("as_of"),
            reported=data.get("reported"),
            leaned_on=data.get("leaned_on"),
            filters_applied=data.get("filters_applied"),
            strictness=data.get("strictness"),
        )

    # --- transport ----------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise IndexBusyError(
                f"the index is owned by {self.owner.describe()}, but its API did not answer ({exc}); "
                "try again, or stop the app and rerun the command"
            ) from exc
        if response.is_success:
            return response.json()
        raise _error_of(response, self.owner)


def _batches(items: Iterator[Article | Skipped | Note], report: IngestReport) -> Iterator[list[Article]]:
    """Articles in requests the app accepts; what the loaders skipped goes straight to the report."""
    batch: list[Article] = []
    size = 0
    for item in items:
        if report_skip_or_note(report, item):
            continue
        weight = len(json.dumps(_article_json(item)).encode("utf-8"))
        if batch and (len(batch) >= MAX_REQUEST_ARTICLES or size + weight > MAX_REQUEST_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += weight
    if batch:
        yield batch


def _article_json(article: Article) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "text": article.text,
        "source": article.source,
        "url": article.url,
        "category": article.category,
        "origin": article.origin,
    }
    if article.date:
        data["date"] = article.date
    return data


def _stored(item: dict[str, Any]) -> StoredArticle:
    return StoredArticle(
        id=item["id"],
        hash="",
        status="ready",
        title=item.get("title") or "",
        date=item.get("date"),
        source=item.get("source") or "",
        url=item.get("url") or "",
        category=item.get("category") or "",
        origin="",
        text="",
        sentence_count=int(item.get("sentence_count") or 0),
    )


def _error_of(response: httpx.Response, owner: Owner) -> AssistantError:
    """The app's error reply as the error the CLI would have met locally."""
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = response.text
    if isinstance(detail, list):
        detail = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg', '')}" for e in detail)
    message = str(detail or response.reason_phrase)
    status = response.status_code
    if status == 401:
        return IndexBusyError(f"{owner.describe()} refused the credentials: check ASSISTANT_AUTH")
    if status == 404:
        return ArticleNotFoundError(message)
    if status == 409 and "no articles" in message:
        return EmptyIndexError(message)
    if status == 422:
        return InvalidQuestionError(message)
    if status == 503:
        return StoreDamagedError(message)
    return AssistantError(f"{owner.describe()} answered {status}: {message}")


def _without_derived(item: dict) -> dict:
    """A citation or passage from the API without the fields derived on construction (sentence_number)."""
    return {key: value for key, value in item.items() if key != "sentence_number"}
