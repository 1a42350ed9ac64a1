"""Fast tests of answer composition: refusal threshold, supporting citations, short answers."""

from __future__ import annotations

from assistant.answering.base import REFUSAL_TEXT
from assistant.answering.heuristic import HeuristicAnswerer
from assistant.retrieval.question import analyse
from assistant.schema import Passage


def _passage(index: int, sentence: str, score: float) -> Passage:
    return Passage("a", index, sentence, 0, len(sentence), "T", "2026-01-01", "S", "", sentence, score)


def test_below_the_threshold_is_a_refusal_that_offers_the_nearest_passages():
    answerer = HeuristicAnswerer(refusal_threshold=0.5)
    passages = [_passage(n, f"Sentence {n}.", 0.4 - n / 100) for n in range(5)]
    answer = answerer.answer(analyse("Who won?"), passages)
    assert answer.refused and answer.text == REFUSAL_TEXT and not answer.citations
    assert [p.sentence_index for p in answer.nearest] == [0, 1, 2]


def test_cites_the_best_and_those_within_the_margin_up_to_the_limit():
    answerer = HeuristicAnswerer(refusal_threshold=0.3, max_sentences=2)
    passages = [_passage(0, "Ana Ruiz won the race.", 0.9), _passage(1, "Ruiz led.", 0.86), _passage(2, "Ok.", 0.85)]
    answer = answerer.answer(analyse("Who won the race?"), passages)
    assert [c.sentence_index for c in answer.citations] == [0, 1]
    assert answer.text == "Ana Ruiz won the race. [1] Ruiz led. [2]"
    assert answer.short_answer == "Ana Ruiz"
    far = answerer.answer(analyse("Who won the race?"), [passages[0], _passage(1, "Far.", 0.5)])
    assert len(far.citations) == 1


def test_no_candidates_is_a_refusal():
    assert HeuristicAnswerer(refusal_threshold=0.1).answer(analyse("Who?"), []).refused
