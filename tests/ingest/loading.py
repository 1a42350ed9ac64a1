"""What `load_articles` yields for some files, split by kind (articles, skips, notes), for the ingest tests."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.loaders import Note, Skipped, load_articles
from assistant.schema import Article


def load_split(*paths: Path) -> tuple[list[Article], list[Skipped], list[Note]]:
    items = list(load_articles(paths))
    return (
        [i for i in items if isinstance(i, Article)],
        [i for i in items if isinstance(i, Skipped)],
        [i for i in items if isinstance(i, Note)],
    )
