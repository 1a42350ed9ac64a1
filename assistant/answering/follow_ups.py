"""Resolve follow-up questions against earlier turns, deterministically (no LLM).

A follow-up that leans on context (a pronoun such as "them", or very few content
words) is resolved against the latest earlier turns, in two forms:

- what retrieval reads (`FollowUp.searched`): the question with the previous turn's
  content words appended, "Who mediated them? talks held". Keyword soup, but it is what
  retrieves best, and it is never shown.
- what people read (`FollowUp.readable`): the question rewritten to stand alone when that
  is simple, the pronoun replaced by the earlier turn's noun phrase: "Who mediated the
  talks?". When no safe rewrite exists it is None, and `FollowUp.leaned_on` (the earlier
  question, as asked) says what the follow-up was read against.

Turns that are not English (mostly non-Latin letters) never lend context, and a question
that is not English is never completed from English turns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.config import MAX_QUESTION_CHARS
from assistant.retrieval.question import content_words, looks_non_english, stopwords

_CONTEXT_WORDS = re.compile(
    r"\b(?:he|him|his|she|her|hers|it|its|they|them|their|theirs|this|that|these|those|there|then|"
    r"the same|the other|the latter|the former)\b",
    re.IGNORECASE,
)
_ELLIPTIC = re.compile(r"^\s*(?:and|what about|how about|and what about)\b", re.IGNORECASE)
MIN_OWN_WORDS = 2
MAX_LOOK_BACK = 8  # earlier turns read to resolve a follow-up
MAX_CARRIED_WORDS = 20  # a follow-up borrows a topic, not a whole earlier turn


@dataclass(frozen=True)
class FollowUp:
    """A question resolved against the conversation before it."""

    question: str  # as asked
    searched: str  # what retrieval and the reader read: the question, plus carried content words
    readable: str | None = None  # the question rewritten to stand alone, for people; None: no safe rewrite
    leaned_on: str | None = None  # the earlier question (as asked) it was resolved against; None: stands alone


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
    """What retrieval reads for `question`: see `resolve` (its `searched`)."""
    return resolve(question, history).searched


def resolve(question: str, history: Sequence[Any] | None) -> FollowUp:
    """`question` resolved against the latest earlier turns, when it needs them.

    Earlier turns are first resolved themselves, oldest first, each from the ones before
    it, so the work is linear in the history; only the last MAX_LOOK_BACK turns are read
    (a follow-up leans on the latest one or two), and of those only the English ones.
    """
    if looks_non_english(question):
        return FollowUp(question, question)
    earlier = [q for q in previous_questions(history)[-MAX_LOOK_BACK:] if not looks_non_english(q)]
    if not earlier or not needs_context(question):
        return FollowUp(question, question)
    resolved: list[FollowUp] = []
    for previous in earlier:
        resolved.append(_lean_on(previous, resolved))
    return _lean_on(question, resolved)


def _lean_on(question: str, resolved: list[FollowUp]) -> FollowUp:
    """`question` with the content words of the latest resolved turn that has any new ones, and,
    when simple, rewritten with the latest turn's noun phrase in place of its pronoun."""
    if not resolved or not needs_context(question):
        return FollowUp(question, question)
    own = set(content_words(question))
    carried: list[str] = []
    source: FollowUp | None = None
    for previous in reversed(resolved[-2:]):  # the latest turn weighs most
        for word in content_words(previous.searched):
            if word not in own and word not in carried:
                carried.append(word)
        if carried:
            source = previous
            break
    carried = carried[:MAX_CARRIED_WORDS]
    while carried and len(question) + len(" ".join(carried)) + 1 > MAX_QUESTION_CHARS:
        carried.pop()  # the standalone question stays within the question limit
    searched = f"{question} {' '.join(carried)}" if carried else question
    latest = resolved[-1]
    readable = rewrite(question, latest.readable or latest.question)
    if readable is not None:
        source = latest
    elif not carried:
        source = None
    return FollowUp(question, searched, readable, source.question if source else None)


# --- the readable rewrite: one pronoun, one noun phrase it can stand for -------------------

_PLURAL = frozenset(["they", "them", "their"])
_THING = frozenset(["it", "its"])
_PERSON = frozenset(["he", "him", "his", "she", "her"])
_POSSESSIVE = frozenset(["their", "its", "his"])  # "her" is possessive when a noun follows
_DETERMINERS = frozenset(["the", "a", "an", "this", "these", "those"])
# Auxiliaries a question's subject follows ("where WERE the talks held?"): the noun phrase
# after one may end with the clause's verb, which is not part of it.
_DO_AUX = frozenset(["do", "does", "did", "will", "would", "can", "could", "should", "may", "might", "must"])
_BE_AUX = frozenset(["is", "are", "was", "were", "has", "have", "had", "be", "been"])
# fmt: off
_PARTICIPLES = frozenset([
    "held", "built", "made", "shot", "hit", "won", "lost", "paid", "said", "told", "sold", "found", "put",
    "set", "run", "cut", "taken", "given", "done", "seen", "known", "shown", "begun", "brought", "bought",
    "caught", "kept", "led", "left", "meant", "met", "read", "sent", "spent", "struck", "thrown", "located",
    "based", "situated"
])
# fmt: on
_NOT_NOUNS = frozenset(["would", "could", "might", "may", "must", "shall", "be", "also", "first", "still", "ever"])
_IRREGULAR_PLURALS = frozenset(["people", "children", "men", "women", "police", "staff", "media"])
_TOKEN = re.compile(r"[^\W_](?:[\w.'’\-]*\w)?\.?|[^\w\s]")
_PHRASE_WORDS = frozenset(["of", "the", "a", "an"])  # stopwords a noun phrase may hold
_COPULAR_WHO = re.compile(r"^\s*who\s+(is|was|are|were)\s+(.+?)[\s?.!]*$", re.IGNORECASE)
MAX_PHRASE_WORDS = 8


@dataclass(frozen=True)
class _Phrase:
    text: str
    plural: bool
    person: bool


def rewrite(question: str, earlier: str) -> str | None:
    """`question` with its one pronoun replaced by the noun phrase of `earlier` it stands for, or None.

    Only the simple cases: exactly one context word in the question, a personal pronoun
    (he/she/it/they and their forms), no "And ..." opener, and exactly one noun phrase in
    `earlier` that agrees with it: "they/them/their" a plural one, "it/its" a singular one
    ("the talks", "the new plant"), "he/she" the person a "Who is ...?" asks about.
    """
    found = list(_CONTEXT_WORDS.finditer(question))
    if len(found) != 1 or _ELLIPTIC.search(question):
        return None
    match = found[0]
    pronoun = match.group().lower()
    if pronoun not in _PLURAL | _THING | _PERSON:
        return None
    candidates = [p for p in _phrases(earlier) if _agrees(pronoun, p)]
    if len(candidates) != 1:
        return None
    phrase = candidates[0].text
    after = question[match.end() :]
    if pronoun in _POSSESSIVE or (pronoun == "her" and _noun_follows(after)):
        phrase += "'" if phrase.endswith("s") else "'s"
    if match.start() == 0 or not question[: match.start()].strip():
        phrase = phrase[0].upper() + phrase[1:]
    text = f"{question[: match.start()]}{phrase}{after}"
    return text if len(text) <= MAX_QUESTION_CHARS else None


def _agrees(pronoun: str, phrase: _Phrase) -> bool:
    if pronoun in _PERSON:
        return phrase.person and not phrase.plural
    if pronoun in _PLURAL:
        return phrase.plural
    return not phrase.plural and not phrase.person


def _tokens(text: str) -> list[str]:
    """Words (keeping "U.S.", "Aurora-2", "Lumentra's") and punctuation marks; a sentence's full stop is its own."""
    tokens = []
    for token in _TOKEN.findall(text):
        if len(token) > 1 and token.endswith(".") and "." not in token[:-1]:
            tokens += [token[:-1], "."]
        else:
            tokens.append(token)
    return tokens


def _noun_follows(text: str) -> bool:
    tokens = _tokens(text)
    return bool(tokens) and tokens[0][0].isalnum() and tokens[0].lower() not in stopwords()


def _phrases(question: str) -> list[_Phrase]:
    """The noun phrases a pronoun in a follow-up can stand for: the person of "Who is X?", and
    each phrase led by a determiner ("the talks", "a state of emergency")."""
    copular = _COPULAR_WHO.match(question)
    if copular:
        words = copular.group(2).split()
        cut = next((n for n, w in enumerate(words) if n and w.lower() in stopwords() - _PHRASE_WORDS), len(words))
        words = words[:cut]  # "the U.S. special envoy [at the talks]", but "the mayor of Harbor City"
        if 0 < len(words) <= MAX_PHRASE_WORDS and not _CONTEXT_WORDS.search(" ".join(words)):
            return [_Phrase(_lower_determiner(" ".join(words)), copular.group(1).lower() in ("are", "were"), True)]
        return []
    tokens = _tokens(question)
    phrases = []
    for at, token in enumerate(tokens):
        if token.lower() in _DETERMINERS:
            phrase = _phrase_at(tokens, at)
            if phrase is not None:
                phrases.append(phrase)
    return phrases


def _phrase_at(tokens: list[str], at: int) -> _Phrase | None:
    """The phrase led by the determiner tokens[at]: its nouns (and one "of ..." part), or None."""
    stop = stopwords()
    words: list[str] = []
    head = -1  # index in `words` of the head noun (the last one before "of")
    i = at + 1
    while i < len(tokens) and len(words) < MAX_PHRASE_WORDS:
        word = tokens[i]
        lowered = word.lower()
        if lowered == "of" and words and head == -1 and i + 1 < len(tokens):
            head = len(words) - 1
            words.append(word)
            if tokens[i + 1].lower() in ("the", "a", "an"):
                words.append(tokens[i + 1])
                i += 1
        elif word[0].isalnum() and lowered not in stop and lowered not in _NOT_NOUNS:
            words.append(word)
        else:
            break
        i += 1
    while words and words[-1].lower() in ("of", "the", "a", "an"):
        words.pop()
    if head >= len(words):
        head = -1
    before = tokens[at - 1].lower() if at > 0 else ""
    if head == -1 and len(words) >= 2 and (before in _DO_AUX or (before in _BE_AUX and _participle(words[-1]))):
        words.pop()  # "did the talks END", "were the talks HELD": the clause's verb
    if not words:
        return None
    noun = words[head].lower() if head != -1 else words[-1].lower()
    determiner = tokens[at].lower()
    if determiner in ("a", "an", "this"):
        plural = False
    elif determiner in ("these", "those"):
        plural = True
    else:
        plural = noun in _IRREGULAR_PLURALS or (
            noun.endswith("s") and not noun.endswith(("ss", "us", "is", "'s", "’s")) and len(noun) > 3
        )
    return _Phrase(" ".join([determiner, *words]), plural, False)


def _participle(word: str) -> bool:
    lowered = word.lower()
    return lowered in _PARTICIPLES or (len(lowered) > 4 and lowered.endswith(("ed", "en", "wn")))


def _lower_determiner(text: str) -> str:
    first, _, rest = text.partition(" ")
    return f"{first.lower()} {rest}" if first.lower() in _DETERMINERS and rest else text
