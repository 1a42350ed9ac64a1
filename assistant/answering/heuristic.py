"""The heuristic answerer: retrieval's scores as they are, short answers from rules.

Used when configured (`answerer="heuristic"`) or when the reader's weights are absent.
"""

from __future__ import annotations

from assistant.answering.base import Answerer, Ranking
from assistant.retrieval.question import Question
from assistant.schema import Passage


class HeuristicAnswerer(Answerer):
    """Retrieval scores as they are; short answers come from rules in `short_answers`."""

    def _rank(self, question: Question, passages: list[Passage]) -> Ranking:
        return Ranking(list(passages))
