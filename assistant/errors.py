"""Errors the public API raises, so callers can tell user mistakes from faults."""


class AssistantError(Exception):
    """Base class for every error the assistant raises on purpose."""


class InvalidQuestionError(AssistantError, ValueError):
    """The question is empty, whitespace only, or longer than the allowed limit."""


class ArticleNotFoundError(AssistantError, KeyError):
    """No article with the requested id is indexed."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else "article not found"


class IndexUnavailableError(AssistantError):
    """The vector store (embedded or server) could not be opened."""
