"""Newsroom QA: grounded, cited answers over news articles, offline.

Public API: `Assistant`, the data objects it returns, and its errors. Heavy
modules (torch, chromadb, llama-index) load only when an Assistant is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.errors import ArticleNotFoundError, AssistantError, IndexUnavailableError, InvalidQuestionError
from assistant.schema import Answer, Article, Citation, IngestReport, Passage, SearchFilters

if TYPE_CHECKING:
    from assistant.assistant import Assistant

__all__ = [
    "Answer",
    "Article",
    "ArticleNotFoundError",
    "Assistant",
    "AssistantError",
    "Citation",
    "IndexUnavailableError",
    "IngestReport",
    "InvalidQuestionError",
    "Passage",
    "SearchFilters",
    "Settings",
]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from assistant.assistant import Assistant

        return Assistant
    raise AttributeError(name)
