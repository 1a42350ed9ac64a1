"""What the first screen says about the corpus: counts, sources, dates, and example questions from it."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.schema import Answer, StoredArticle

EXAMPLES_SHOWN = 4
HEADLINES_TRIED = 8  # newest headlines turned into questions; only the answered ones are shown
TOPIC_MAX_CHARS = 90


@dataclass(frozen=True)
class CorpusOverview:
    """The index at a glance: how many articles, from which sources, over which days."""

    articles: int
    sources: tuple[str, ...]
    first_date: str | None
    last_date: str | None
    newest: StoredArticle | None  # the latest dated article (None when no article has a date)


def newest_first(articles: Sequence[StoredArticle]) -> list[StoredArticle]:
    """Dated articles newest first, then the undated ones by title (the Corpus table's order)."""
    dated = sorted((a for a in articles if a.date), key=lambda a: (a.date, a.id), reverse=True)
    undated = sorted((a for a in articles if not a.date), key=lambda a: ((a.title or a.id).lower(), a.id))
    return dated + undated


def corpus_overview(articles: Sequence[StoredArticle]) -> CorpusOverview:
    dates = sorted(a.date for a in articles if a.date)
    ordered = newest_first(articles)
    return CorpusOverview(
        articles=len(articles),
        sources=tuple(sorted({a.source for a in articles if a.source}, key=str.lower)),
        first_date=dates[0] if dates else None,
        last_date=dates[-1] if dates else None,
        newest=ordered[0] if ordered and ordered[0].date else None,
    )


def headline_question(title: str) -> str | None:
    """An example question from a headline ("What happened: Record storm floods Tallow River valley?").

    The headline is cut at its first comma, colon or semicolon (the rest is usually a second
    clause); None when nothing of it is left or it is too long to read as a question.
    """
    topic = re.split(r"[,:;|]| [—–-] ", title, maxsplit=1)[0].strip().rstrip(".!?")
    if len(topic.split()) < 2 or len(topic) > TOPIC_MAX_CHARS:
        return None
    return f"What happened: {topic}?"


class ExampleQuestions:
    """Example questions drawn from the newest headlines, shown only when the assistant answers them.

    Each candidate is asked once per state of the corpus (the article ids and content hashes),
    so a page load after nothing changed costs nothing; asking them at start-up also warms the models.
    """

    def __init__(self, ask: Callable[[str], Answer], shown: int = EXAMPLES_SHOWN, tried: int = HEADLINES_TRIED) -> None:
        self._ask = ask
        self._shown = shown
        self._tried = tried
        self._lock = threading.Lock()
        self._key: tuple[tuple[str, str], ...] | None = None
        self._questions: list[str] = []

    def for_corpus(self, articles: Sequence[StoredArticle]) -> list[str]:
        key = tuple(sorted((a.id, a.hash) for a in articles))
        with self._lock:
            if key != self._key:
                self._questions = self._answered(newest_first(articles))
                self._key = key
            return list(self._questions)

    def _answered(self, articles: list[StoredArticle]) -> list[str]:
        questions: list[str] = []
        for article in articles[: self._tried]:
            question = headline_question(article.title)
            if question is None or question in questions:
                continue
            answer = self._ask(question)
            if not answer.refused and answer.citations and answer.citations[0].article_id == article.id:
                questions.append(question)
            if len(questions) == self._shown:
                break
        return questions
