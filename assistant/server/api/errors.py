"""Every user mistake maps to a 4xx with a JSON `{"detail": ...}` body; only real faults may be 5xx."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from assistant.errors import (
    ArticleNotFoundError,
    AssistantError,
    IndexUnavailableError,
    InvalidQuestionError,
    UnsupportedFileTypeError,
    UploadError,
    UploadTooLargeError,
)


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": message})


STATUS_OF_ERROR = (
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
        status = next(code for kind, code in STATUS_OF_ERROR if isinstance(exc, kind))
        return error_response(status, str(exc))

    for kind, _ in STATUS_OF_ERROR:
        app.add_exception_handler(kind, handle)
