"""What kind of answer a question asks for, and where a sentence holds one.

Part of understanding the question: retrieval's scoring uses it to demote sentences
with nothing of the kind asked for (no number for "how many"), and the short-answer
rules pick their span among the same candidates. Candidate spans are numbers, dates,
durations or capitalised names; spans made only of the question's own words are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.retrieval.question import WORD, Question, stem

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|a dozen|dozens|hundreds|thousands"
)
_QUALIFIER = r"(?:(?:about|around|roughly|nearly|almost|some|over|more than|less than|fewer than|up to|at least|just over|just under)\s+)?"
_NUMBER = rf"(?:[$€£]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?|(?:{_NUMBER_WORDS})(?:[- ](?:{_NUMBER_WORDS}))*)"
_SCALE = r"(?:\s?(?:%|percent|per cent|percentage points?)|\s(?:million|billion|trillion|thousand|bn|m)\b)?"
_UNIT_WORD = r"(?:\s(?:[a-z][\w-]*))?"
QUANTITY = re.compile(rf"\b{_QUALIFIER}{_NUMBER}{_SCALE}", re.IGNORECASE)
QUANTITY_START = re.compile(rf"(?:(?<=\s)|^|(?<=[(“\"]))(?:{_QUALIFIER}{_NUMBER}{_SCALE})", re.IGNORECASE)
_TIME_UNITS = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)"
DURATION = re.compile(rf"\b{_QUALIFIER}(?:{_NUMBER}|an?|half an?)\s(?:and a half\s)?{_TIME_UNITS}\b", re.IGNORECASE)
_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_WEEKDAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
DATE = re.compile(
    rf"\b(?:(?:{_WEEKDAYS},?\s)?{_MONTHS}\s\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s\d{{4}})?|\d{{1,2}}\s{_MONTHS}(?:\s\d{{4}})?"
    rf"|{_MONTHS}\s\d{{4}}|(?:late |early |on |last |next )?{_WEEKDAYS}(?: (?:night|morning|afternoon|evening))?"
    rf"|\d{{1,2}}(?::\d{{2}})?\s?(?:a\.m\.|p\.m\.|am|pm)|(?:in |since )?(?:19|20)\d{{2}}s?)\b",
)
_NAME_WORD = r"(?:[A-Z][\w’'.-]*[\w]|[A-Z]\.)"
_CONNECTOR = r"(?:\s(?:of|de|van|von|der|al|bin|la|le|du)\s|\s|-)"
NAME = re.compile(rf"{_NAME_WORD}(?:{_CONNECTOR}{_NAME_WORD})*")
_NAME_LIST = re.compile(rf"({NAME.pattern})((?:,\s|\s(?:and|&)\s|,\sand\s)({NAME.pattern}))+")
_PLACE = re.compile(rf"\b(?:in|at|near|from|to|inside|outside)\s(?:the\s)?({NAME.pattern})")
_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "As",
        "But",
        "And",
        "Or",
        "If",
        "When",
        "While",
        "After",
        "Before",
        "He",
        "She",
        "It",
        "They",
        "We",
        "I",
        "This",
        "That",
        "These",
        "Those",
        "His",
        "Her",
        "Its",
        "Their",
        "Our",
        "Just",
        "Then",
        "There",
        "Here",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
    ]
)

ANSWER_TYPES = {"who", "where", "when", "how_many", "how_much", "how_long", "which"}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def candidates(question: Question, sentence: str) -> list[Span]:
    """Spans of the kind the question asks for, in sentence order."""
    qtype = question.qtype
    if qtype in ("how_many", "how_much"):
        spans = _matches(QUANTITY, sentence)
        if qtype == "how_many":  # counts are plain numbers, not years or money
            spans = [s for s in spans if not re.fullmatch(r"(?:19|20)\d{2}", s.text)] or spans
        return spans
    if qtype == "how_long":
        return _matches(DURATION, sentence)
    if qtype == "when":
        return _matches(DATE, sentence)
    if qtype == "where":
        places = [Span(m.start(1), m.end(1), m.group(1)) for m in _PLACE.finditer(sentence)]
        return _clean_names(places) or _names(sentence)
    if qtype in ("who", "which"):
        return _names(sentence)
    return []


def has_answer_type(question: Question, sentence: str) -> bool:
    """Whether the sentence holds something of the kind asked for (a number, a place...)."""
    if question.qtype not in ANSWER_TYPES:
        return True
    if question.qtype == "where":  # a place is introduced by a preposition, not just any name
        places = [Span(m.start(1), m.end(1), m.group(1)) for m in _PLACE.finditer(sentence)]
        return bool(drop_echoes(question, _clean_names(places)))
    return bool(drop_echoes(question, candidates(question, sentence)))


def _matches(pattern: re.Pattern[str], sentence: str) -> list[Span]:
    return [Span(m.start(), m.end(), m.group()) for m in pattern.finditer(sentence) if m.group().strip()]


def _names(sentence: str) -> list[Span]:
    spans = [Span(m.start(), m.end(), m.group()) for m in _NAME_LIST.finditer(sentence)]
    covered = [(s.start, s.end) for s in spans]
    for m in NAME.finditer(sentence):
        if not any(a <= m.start() < b for a, b in covered):
            spans.append(Span(m.start(), m.end(), m.group()))
    return sorted(_clean_names(spans), key=lambda s: s.start)


def _clean_names(spans: list[Span]) -> list[Span]:
    cleaned = []
    for span in spans:
        words = span.text.split()
        while words and words[0].strip(".") in _NOT_NAMES:
            words = words[1:]
        if not words:
            continue
        text = " ".join(words)
        start = span.end - len(text) if span.text.endswith(text) else span.start
        cleaned.append(Span(start, span.end, text.rstrip(".")))
    return cleaned


def drop_echoes(question: Question, spans: list[Span]) -> list[Span]:
    """Drop spans made only of the question's own words (they cannot be the answer)."""
    kept = []
    for span in spans:
        words = [w.group() for w in WORD.finditer(span.text)]
        if (
            words
            and all(stem(w) in question.stems for w in words if w[0].isalpha())
            and any(w[0].isalpha() for w in words)
        ):
            continue
        kept.append(span)
    return kept
