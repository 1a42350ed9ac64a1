"""Build an answer from ranked sentences: cite the best 1-3, give a short answer, or refuse.

Two answerers share that logic and differ in how they rank and read:
- `ReaderAnswerer` (default): our trained reader scores each candidate sentence and
  points at the answer span inside it;
- `ExtractiveAnswerer`: retrieval scores and rule-based short answers; used by config,
  or when the reader's weights are absent.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.question import Question
from assistant.reader.reader import DEFAULT_RUNTIME, combined_score
from assistant.schema import Answer, Citation, Passage
from assistant.short_answer import extract

REFUSAL_TEXT = "I couldn't find that in the indexed articles."
# A further sentence is cited only when it scores close to the best one.
SUPPORT_MARGIN = 0.06
DEFAULT_READER_THRESHOLD = 0.5


@dataclass(frozen=True)
class Ranking:
    """Candidate sentences, best first, with any short answers read from them."""

    passages: list[Passage]
    short_answers: dict[tuple[str, int], str] = field(default_factory=dict)


def passage_key(passage: Passage) -> tuple[str, int]:
    return passage.article_id, passage.sentence_index


class Answerer(ABC):
    """Public `answer()` handles refusal and formatting; subclasses rank the candidates."""

    support_margin = SUPPORT_MARGIN

    def __init__(self, refusal_threshold: float, max_sentences: int = 3) -> None:
        self.refusal_threshold = refusal_threshold
        self.max_sentences = max_sentences

    def answer(self, question: Question, passages: list[Passage]) -> Answer:
        return self.compose(question, self.rank(question, passages))

    def rank(self, question: Question, passages: list[Passage]) -> Ranking:
        """Order the candidates by how well they answer; scores are what refusal compares."""
        return self._rank(question, passages) if passages else Ranking([])

    def compose(self, question: Question, ranking: Ranking) -> Answer:
        passages = ranking.passages
        if not passages or passages[0].score < self.refusal_threshold:
            return Answer(question=question.text, text=REFUSAL_TEXT, citations=[], refused=True, nearest=passages[:3])
        chosen = self._choose(passages)
        citations = [_citation(number, p) for number, p in enumerate(chosen, start=1)]
        text = " ".join(f"{c.sentence} [{c.number}]" for c in citations)
        short = ranking.short_answers.get(passage_key(chosen[0])) or extract(question, chosen[0].sentence)
        return Answer(question=question.text, text=text, citations=citations, short_answer=short, refused=False)

    def _choose(self, passages: list[Passage]) -> list[Passage]:
        """The best sentence, plus up to two more that score nearly as well."""
        best = passages[0]
        chosen = [best]
        for passage in passages[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if passage.score >= max(self.refusal_threshold, best.score - self.support_margin):
                chosen.append(passage)
        return chosen

    @abstractmethod
    def _rank(self, question: Question, passages: list[Passage]) -> Ranking:
        """Reorder (and rescore) non-empty candidates."""


class ExtractiveAnswerer(Answerer):
    """Retrieval scores as they are; short answers come from rules in `short_answer`."""

    def _rank(self, question: Question, passages: list[Passage]) -> Ranking:
        return Ranking(list(passages))


class ReaderAnswerer(Answerer):
    """Our trained reader rescores the top candidates and reads the short answer from them.

    A passage's score becomes the probability that it answers the question, from the
    reader's relevance and the retrieval score combined as calibrated on held-out data;
    both inputs are kept in `scores`.
    """

    support_margin = 0.25

    def __init__(self, reader: Any, refusal_threshold: float, max_sentences: int = 3, candidates: int = 10) -> None:
        super().__init__(refusal_threshold, max_sentences)
        self.reader = reader
        self.candidates = candidates
        self.score_weights = reader.config.get("score_weights")

    def _rank(self, question: Question, passages: list[Passage]) -> Ranking:
        read = passages[: self.candidates]
        readings = self.reader.read(question.text, [p.sentence for p in read], [context_of(p) for p in read])
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


ANSWERERS = ("reader", "heuristic")
_READERS: dict[str, Any] = {}
_READERS_LOCK = threading.Lock()


def build_answerer(settings: Settings, kind: str | None = None) -> Answerer:
    """The configured answerer; the reader falls back to the heuristics when its weights are absent."""
    kind = kind or settings.answerer
    if kind not in ANSWERERS:
        raise ValueError(f"unknown answerer {kind!r}; choose from {', '.join(ANSWERERS)}")
    reader = shared_reader(settings.reader_dir, settings.reader_runtime) if kind == "reader" else None
    if reader is None:
        return ExtractiveAnswerer(settings.refusal_threshold, settings.max_answer_sentences)
    threshold = settings.reader_refusal_threshold
    if threshold is None:
        threshold = float(reader.config.get("refusal_threshold", DEFAULT_READER_THRESHOLD))
    return ReaderAnswerer(reader, threshold, settings.max_answer_sentences, settings.reader_candidates)


def shared_reader(folder: Path | None = None, runtime: str = DEFAULT_RUNTIME) -> Any:
    """A reader (the shipped one by default), loaded once per process; None when its files are absent."""
    from assistant.config import _default_model_path
    from assistant.reader import load_default_reader, shipped_weights

    folder = Path(folder or shipped_weights())
    key = f"{folder}:{runtime}"
    with _READERS_LOCK:
        if key not in _READERS:
            _READERS[key] = load_default_reader(_default_model_path(), folder, runtime)
        return _READERS[key]


def context_of(passage: Passage) -> str:
    """The passage's window without the sentence itself: the neighbours the reader sees."""
    window, sentence = passage.window, passage.sentence
    at = window.find(sentence)
    if at < 0:
        return window if window != sentence else ""
    return f"{window[:at].strip()} {window[at + len(sentence) :].strip()}".strip()


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
