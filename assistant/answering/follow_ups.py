"""Resolve follow-up questions against earlier turns, deterministically (no LLM).

A follow-up that leans on context (a pronoun such as "them", or very few content
words) gets the previous turn's content words appended, so retrieval sees
"Who mediated them? talks Geneva" instead of a question about nobody.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant.config import MAX_QUESTION_CHARS
from assistant.retrieval.question import content_words

_CONTEXT_WORDS = re.compile(
    r"\b(?:he|him|his|she|her|hers|it|its|they|them|their|theirs|this|that|these|those|there|then|"
    r"the same|the other|the latter|the former)\b",
    re.IGNORECASE,
)
_ELLIPTIC = re.compile(r"^\s*(?:and|what about|how about|and what about)\b", re.IGNORECASE)
MIN_OWN_WORDS = 2
MAX_LOOK_BACK = 8  # earlier turns read to resolve a follow-up
MAX_CARRIED_WORDS = 20  # a follow-up borrows a topic, not a whole earlier turn


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
    """A standalone version of `question`, using the latest earlier turns when needed.

    Earlier turns are first made standalone themselves, oldest first, each from the ones
    before it, so the work is linear in the history; only the last MAX_LOOK_BACK turns
    are read (a follow-up leans on the latest one or two).
    """
    earlier = previous_questions(history)[-MAX_LOOK_BACK:]
    if not earlier or not needs_context(question):
        return question
    resolved: list[str] = []
    for previous in earlier:
        resolved.append(_lean_on(previous, resolved))
    return _lean_on(question, resolved)


def _lean_on(question: str, resolved: list[str]) -> str:
    """`question` with the content words of the latest standalone turn that has any new ones."""
    if not resolved or not needs_context(question):
        return question
    own = set(content_words(question))
    carried: list[str] = []
    for previous in reversed(resolved[-2:]):  # the latest turn weighs most
        for word in content_words(previous):
            if word not in own and word not in carried:
                carried.append(word)
        if carried:
            break
    carried = carried[:MAX_CARRIED_WORDS]
    while carried and len(question) + len(" ".join(carried)) + 1 > MAX_QUESTION_CHARS:
        carried.pop()  # the standalone question stays within the question limit
    return f"{question} {' '.join(carried)}" if carried else question
