"""Pick a short answer span out of a cited sentence, by question type.

Rules, not a model (the reader's span is preferred when it has one): among the spans
of the kind the question asks for, the one nearest to the question's words wins.
"""

from __future__ import annotations

from assistant.retrieval.answer_types import Span, candidates, drop_echoes
from assistant.retrieval.question import WORD, Question, stem


def extract(question: Question, sentence: str) -> str | None:
    """The best short answer in `sentence`, or None when the rules find nothing."""
    spans = drop_echoes(question, candidates(question, sentence))
    if not spans:
        return None
    anchors = [m.start() for m in WORD.finditer(sentence) if stem(m.group()) in question.stems]
    if not anchors:
        return spans[0].text.strip(" ,")

    def distance(span: Span) -> int:
        return min(min(abs(span.start - a), abs(span.end - a)) for a in anchors)

    return min(spans, key=distance).text.strip(" ,")
