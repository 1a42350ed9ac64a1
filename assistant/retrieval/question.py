"""Understand a question without a language model: its type and its content terms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from assistant.config import MAX_QUESTION_CHARS
from assistant.errors import InvalidQuestionError

WORD = re.compile(r"\w+(?:['’]\w+)?")

_TYPE_RULES: tuple[tuple[str, str], ...] = (
    (
        r"\bhow (?:many|much)\b.*\b(?:percent|percentage|share|proportion)\b|\bwhat (?:percent|percentage|share)\b",
        "how_much",
    ),
    (r"\bhow many\b", "how_many"),
    (r"\bhow much\b", "how_much"),
    (r"\bhow long\b", "how_long"),
    (r"\b(?:when|what (?:year|day|date|time|month))\b", "when"),
    (r"\b(?:who|whom|whose)\b", "who"),
    (r"\bwhere\b", "where"),
    (r"\bwhich\b", "which"),
    (r"\bwhy\b", "why"),
    (r"\bwhat\b", "what"),
)


# Verbs that only restate what a where/when question asks ("where was it held?"):
# they carry the question type, not its topic, so they are not searched for.
_RELATION_VERBS = frozenset(
    [
        "held",
        "hold",
        "holds",
        "take",
        "takes",
        "took",
        "taken",
        "place",
        "happen",
        "happens",
        "happened",
        "occur",
        "occurs",
        "occurred",
        "located",
        "locate",
        "based",
        "situated",
    ]
)


@dataclass(frozen=True)
class Question:
    """A validated question with what retrieval and answering need to know."""

    text: str
    qtype: str
    keywords: tuple[str, ...]  # content words as written (lowercased)
    stems: tuple[str, ...]  # the same, Porter-stemmed like the BM25 index


def validate_question(question: object) -> str:
    """Return the stripped question or raise InvalidQuestionError with a clear message."""
    if not isinstance(question, str):
        raise InvalidQuestionError("the question must be text")
    text = question.strip()
    if not text:
        raise InvalidQuestionError("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestionError(
            f"the question is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS:,}"
        )
    if not WORD.search(text):
        raise InvalidQuestionError("the question has no words")
    return text


def question_type(text: str) -> str:
    lowered = text.lower()
    for pattern, qtype in _TYPE_RULES:
        if re.search(pattern, lowered):
            return qtype
    return "other"


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English stopwords from the NLTK list bundled with llama-index (no download)."""
    from llama_index.core.utils import globals_helper

    return frozenset(globals_helper.stopwords) | {"did", "does", "said", "say", "says"}


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    from nltk.stem.porter import PorterStemmer

    # The original algorithm matches SQLite FTS5's porter tokenizer.
    return PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Porter stem (cached: scoring stems every word of every candidate sentence)."""
    return _stemmer().stem(word.lower().replace("’", "'").split("'")[0])


def content_words(text: str) -> list[str]:
    stop = stopwords()
    return [w for w in (m.group().lower() for m in WORD.finditer(text)) if w not in stop]


def analyse(question: str) -> Question:
    text = validate_question(question)
    qtype = question_type(text)
    words = content_words(re.sub(r"(?i)\bhow (?:many|much|long)\b", " ", text))
    if qtype in ("where", "when"):
        words = [w for w in words if w not in _RELATION_VERBS] or words
    stems = tuple(dict.fromkeys(stem(w) for w in words if stem(w)))
    return Question(text=text, qtype=qtype, keywords=tuple(dict.fromkeys(words)), stems=stems)


ENGLISH_ONLY = (
    "I read English articles and questions, and this question does not look like English: please ask it in English."
)


def looks_non_english(text: str) -> bool:
    """Whether most letters of `text` are outside the Latin script (Chinese, Cyrillic, Arabic, ...).

    The reader and the lexical index are English-only, so such a question can only be refused;
    saying why beats a bare "not found". Latin-script languages are not detected.
    """
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if c.isascii() or "LATIN" in unicodedata.name(c, ""))
    return latin / len(letters) < 0.5
