"""Build an answer from scored sentences: cite the best 1-3, extract a short answer, or refuse."""

from __future__ import annotations

from abc import ABC, abstractmethod

from assistant.question import Question
from assistant.schema import Answer, Citation, Passage
from assistant.short_answer import extract

REFUSAL_TEXT = "I couldn't find that in the indexed articles."
# A further sentence is cited only when it scores close to the best one.
SUPPORT_MARGIN = 0.06


class Answerer(ABC):
    """Public `answer()` handles refusal and formatting; subclasses choose sentences."""

    def __init__(self, refusal_threshold: float, max_sentences: int = 3) -> None:
        self.refusal_threshold = refusal_threshold
        self.max_sentences = max_sentences

    def answer(self, question: Question, passages: list[Passage]) -> Answer:
        if not passages or passages[0].score < self.refusal_threshold:
            return Answer(question=question.text, text=REFUSAL_TEXT, citations=[], refused=True, nearest=passages[:3])
        chosen = self._choose(question, passages)
        citations = [_citation(number, p) for number, p in enumerate(chosen, start=1)]
        text = " ".join(f"{c.sentence} [{c.number}]" for c in citations)
        return Answer(
            question=question.text,
            text=text,
            citations=citations,
            short_answer=self._short_answer(question, chosen),
            refused=False,
        )

    @abstractmethod
    def _choose(self, question: Question, passages: list[Passage]) -> list[Passage]:
        """Pick the supporting sentences, most relevant first."""

    @abstractmethod
    def _short_answer(self, question: Question, chosen: list[Passage]) -> str | None:
        """A short span answering the question, if one can be found."""


class ExtractiveAnswerer(Answerer):
    """Offline default: best-scoring sentences and rule-based short answers."""

    def _choose(self, question: Question, passages: list[Passage]) -> list[Passage]:
        best = passages[0]
        chosen = [best]
        for passage in passages[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if passage.score >= max(self.refusal_threshold, best.score - SUPPORT_MARGIN):
                chosen.append(passage)
        return chosen

    def _short_answer(self, question: Question, chosen: list[Passage]) -> str | None:
        return extract(question, chosen[0].sentence)


def _citation(number: int, passage: Passage) -> Citation:
    return Citation(
        number=number,
        article_id=passage.article_id,
        title=passage.title,
        date=passage.date,
        source=passage.source,
        url=passage.url,
        sentence=passage.sentence,
        sentence_index=passage.sentence_index,
        start=passage.start,
        end=passage.end,
        score=passage.score,
    )
