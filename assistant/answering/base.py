"""Build an answer from ranked sentences: cite the best 1-3, give a short answer, or refuse.

Every answerer shares this: `rank()` (each answerer's own `_rank()`) orders the
candidates, `compose()` refuses below the threshold or cites the best sentence plus
those that score nearly as well, with a short answer.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date

from assistant.answering.short_answers import extract
from assistant.answering.strictness import check_strictness
from assistant.retrieval.question import Question
from assistant.schema import Answer, Citation, Passage, SearchFilters

REFUSAL_TEXT = "I couldn't find that in the indexed articles."
# A further sentence is cited only when it scores close to the best one.
SUPPORT_MARGIN = 0.06
DEFAULT_CANDIDATES = 10  # ranked sentences an answerer chooses from


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
    candidates = DEFAULT_CANDIDATES  # how many of the ranked sentences it reads

    def __init__(
        self, refusal_threshold: float, max_sentences: int = 3, thresholds: dict[str, float] | None = None
    ) -> None:
        self.refusal_threshold = refusal_threshold
        self.max_sentences = max_sentences
        # strictness level -> calibrated threshold (answering/strictness.py); empty: one fixed threshold
        self.thresholds = dict(thresholds or {})

    def at(self, strictness: str | None) -> Answerer:
        """This answerer refusing at the threshold calibrated for `strictness` (None: as configured).

        FilterError for an unknown level; an answerer with one fixed threshold (the heuristic, or
        a threshold set by hand) stays as it is."""
        level = check_strictness(strictness)
        if level is None:
            return self
        threshold = self.thresholds.get(level)
        if threshold is None or threshold == self.refusal_threshold:
            return self
        twin = copy.copy(self)
        twin.refusal_threshold = threshold
        return twin

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


def filtered_refusal(filters: SearchFilters, had_candidates: bool, as_of: date | None = None) -> str:
    """The refusal under the caller's filters, naming them: a search the filters emptied must not read
    like a question the articles can't answer. `had_candidates`: some sentence passed the filters."""
    described = filters.describe()
    if had_candidates:
        return f"No article matching the filters ({described}) answers this question."
    day = as_of.isoformat() if as_of else None
    dated = f" dated on or before {day}" if day and not (filters.date_to and filters.date_to <= day) else ""
    return f"No indexed article{dated} matches the filters ({described}), so there is nothing to answer from."


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
