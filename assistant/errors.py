"""Errors the assistant raises on purpose, so callers can tell user mistakes from faults.

Every one is an `AssistantError`; those that are a caller's mistake are also `ValueError`s.
"""


class AssistantError(Exception):
    """Base class for every error the assistant raises on purpose."""


class InvalidQuestionError(AssistantError, ValueError):
    """The question is empty, whitespace only, or longer than the allowed limit."""


class ConfigError(AssistantError, ValueError):
    """A setting (an ASSISTANT_* variable or a Settings field) has a value that can't be used."""


class FilterError(AssistantError, ValueError):
    """A search filter can't be used (e.g. a date that isn't one); the message names the field."""


class ArticleNotFoundError(AssistantError, KeyError):
    """No article with the requested id is indexed."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else "article not found"


class IndexUnavailableError(AssistantError):
    """The vector store (embedded or server) could not be opened."""


class UploadError(AssistantError, ValueError):
    """An upload we refuse before reading it: bad name, unsupported type, too large."""


class UploadTooLargeError(UploadError):
    """The upload is over the size limit."""


class UnsupportedFileTypeError(UploadError):
    """Not one of the article formats we read."""


class IndexNotFoundError(AssistantError, ValueError):
    """A read-only command named an index that does not exist (it is never created by reading)."""


class EmptyIndexError(AssistantError, ValueError):
    """A question was asked of an index that holds no articles: nothing to answer from, which is not a refusal."""


class IndexBusyError(AssistantError):
    """Another process owns the index (one writer per index) and the request could not go through it."""

    def __init__(self, message: str, owner: object = None) -> None:
        super().__init__(message)
        self.owner = owner  # the lock's Owner record, when known


class StoreDamagedError(AssistantError):
    """The catalog or the vector store is damaged or out of step; the message names the file and the repair."""

    def __init__(self, message: str, path: str = "", repair: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.repair = repair
