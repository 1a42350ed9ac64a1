"""Every user mistake maps to a 4xx with a JSON `{"detail": ...}` body; only real faults may be 5xx.

Bodies never fail to encode: text that is not valid Unicode (a lone surrogate sent
as a JSON escape) is written with backslash escapes, and a 422 repeats only short
scalar inputs, never a whole (possibly huge or deeply nested) body.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from assistant.errors import (
    ArticleNotFoundError,
    AssistantError,
    EmptyIndexError,
    FilterError,
    IndexBusyError,
    IndexUnavailableError,
    InvalidQuestionError,
    StoreDamagedError,
    UnsupportedFileTypeError,
    UploadError,
    UploadTooLargeError,
)

MAX_ERRORS_SHOWN = 50
MAX_ECHO_CHARS = 200


def safe_text(text: str, limit: int | None = None) -> str:
    """`text` that encodes as UTF-8: unpaired surrogates become `\\udxxx` escapes; cut to `limit`."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if limit is not None and len(safe) > limit:
        safe = safe[:limit] + "…"
    return safe


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": safe_text(str(message))})


STATUS_OF_ERROR = (
    (UploadTooLargeError, 413),
    (UnsupportedFileTypeError, 415),
    (UploadError, 400),
    (InvalidQuestionError, 422),
    (FilterError, 422),  # a reversed date range, a source the index does not hold: the message names them
    (ArticleNotFoundError, 404),
    (EmptyIndexError, 409),
    (IndexBusyError, 409),
    (IndexUnavailableError, 503),
    (StoreDamagedError, 503),  # the message names the damaged file and the repair command
    (AssistantError, 400),
)


def _echo(value: Any) -> Any:
    """A validation error's input as it may be repeated back: short scalars only."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return safe_text(value, MAX_ECHO_CHARS)
    return None


def _field_error(error: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "type": safe_text(str(error.get("type", "invalid"))),
        "loc": [
            item if isinstance(item, int) else safe_text(str(item), MAX_ECHO_CHARS) for item in error.get("loc", ())
        ],
        "msg": safe_text(str(error.get("msg", "")), 2 * MAX_ECHO_CHARS),
    }
    echoed = _echo(error.get("input"))
    if echoed is not None:
        shown["input"] = echoed
    return shown


def validation_detail(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    detail = [_field_error(e) for e in errors[:MAX_ERRORS_SHOWN]]
    if len(errors) > MAX_ERRORS_SHOWN:
        detail.append(
            {"type": "too_many_errors", "loc": ["body"], "msg": f"and {len(errors) - MAX_ERRORS_SHOWN:,} more errors"}
        )
    return detail


def install_error_handlers(app: FastAPI) -> None:
    """Our own errors become JSON 4xx/503 responses with a readable message; 422s are always encodable."""

    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        status = next(code for kind, code in STATUS_OF_ERROR if isinstance(exc, kind))
        return error_response(status, str(exc))

    async def invalid_request(_request: Request, exc: Exception) -> JSONResponse:
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        return JSONResponse(status_code=422, content={"detail": validation_detail(list(errors))})

    for kind, _ in STATUS_OF_ERROR:
        app.add_exception_handler(kind, handle)
    app.add_exception_handler(RequestValidationError, invalid_request)
