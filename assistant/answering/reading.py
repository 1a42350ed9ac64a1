"""The reader answerer (default): our trained reader rescores candidates and reads the short answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

from assistant.answering.base import Answerer, Ranking, passage_key
from assistant.answering.reader.reader import Reading, combined_score
from assistant.retrieval.question import Question
from assistant.schema import Passage


class Reader(Protocol):
    """What the answerer needs from a reader: a relevance and an answer span per sentence."""

    config: dict[str, Any]

    def read(
        self,
        question: str,
        sentences: Sequence[str],
        contexts: Sequence[str] | None = None,
        titles: Sequence[str] | None = None,
    ) -> list[Reading]: ...


class ReaderAnswerer(Answerer):
    """Our trained reader rescores the top candidates and reads the short answer from them.

    A passage's score becomes the probability that it answers the question, from the
    reader's relevance and the retrieval score combined as calibrated on held-out data;
    both inputs are kept in `scores`.
    """

    support_margin = 0.25

    def __init__(
        self,
        reader: Reader,
        refusal_threshold: float,
        max_sentences: int = 3,
        candidates: int = 10,
        thresholds: dict[str, float] | None = None,
    ) -> None:
        super().__init__(refusal_threshold, max_sentences, thresholds)
        self.reader = reader
        self.candidates = candidates
        self.score_weights = reader.config.get("score_weights")

    def _rank(self, question: Question, passages: list[Passage]) -> Ranking:
        read = passages[: self.candidates]
        readings = self.reader.read(
            question.text, [p.sentence for p in read], [context_of(p) for p in read], [p.title for p in read]
        )
        rescored = [
            replace(
                p,
                score=round(combined_score(r.relevance, p.score, self.score_weights), 4),
                scores={**p.scores, "retrieval": p.score, "reader": round(r.relevance, 4)},
            )
            for p, r in zip(read, readings, strict=True)
        ]
        order = sorted(range(len(read)), key=lambda i: (-rescored[i].score, i))
        short = {passage_key(read[i]): r.answer for i, r in enumerate(readings) if r.answer}
        return Ranking([rescored[i] for i in order], short)


def context_of(passage: Passage) -> str:
    """The passage's window without the sentence itself: the neighbours the reader sees."""
    window, sentence = passage.window, passage.sentence
    at = window.find(sentence)
    if at < 0:
        return window if window != sentence else ""
    return f"{window[:at].strip()} {window[at + len(sentence) :].strip()}".strip()
