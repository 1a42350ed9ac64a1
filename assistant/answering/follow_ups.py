"""Resolve follow-up questions against earlier turns, deterministically (no LLM).

A follow-up that leans on context (a pronoun such as "them", or very few content
words) gets the previous turn's content words appended, so retrieval sees
"Who mediated them? talks Geneva" instead of a question about nobody.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant.retrieval.question import content_words

_CONTEXT_WORDS = re.compile(
    r"\b(?:he|him|his|she|her|hers|it|its|they|them|their|theirs|this|that|these|those|there|then|"
    r"the same|the other|the latter|the former)\b",
    re.IGNORECASE,
)
_ELLIPTIC = re.compile(r"^\s*(?:and|what about|how about|and what about)\b", re.IGNORECASE)
MIN_OWN_WORDS = 2


def previous_questions(history: Sequence[Any] | None) -> list[str]:
    """User turns from a history given as strings, (user, bot) pairs, or role dicts."""
    questions: list[str] = []
    for turn in history or []:
        if isinstance(turn, str):
            questions.append(turn)
        elif isinstance(turn, dict) and turn.get("role") == "user" and isinstance(turn.get("content"), str):
            questions.append(turn["content"])
        elif isinstance(turn, (list, tuple)) and turn and isinstance(turn[0], str):
            questions.append(turn[0])
    return questions


def needs_context(question: str) -> bool:
    return (
        bool(_CONTEXT_WORDS.search(question) or _ELLIPTIC.search(question))
        or len(content_words(question)) < MIN_OWN_WORDS
    )


def condense(question: str, history: Sequence[Any] | None) -> str:
    """A standalone version of `question`, using the latest earlier turns when needed."""
    earlier = previous_questions(history)
    if not earlier or not needs_context(question):
        return question
    own = {w for w in content_words(question)}
    carried: list[str] = []
    for previous in reversed(earlier[-2:]):  # the latest turn weighs most
        for word in content_words(condense(previous, earlier[: earlier.index(previous)])):
            if word not in own and word not in carried:
                carried.append(word)
        if carried:
            break
    return f"{question} {' '.join(carried)}" if carried else question
