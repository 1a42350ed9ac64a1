"""Strictness: thresholds chosen for a precision target on a risk-coverage curve, and answerers that
refuse at the level asked for."""

from __future__ import annotations

import pytest

from assistant.answering.base import Answerer, Ranking
from assistant.answering.strictness import (
    CurvePoint,
    Outcome,
    check_strictness,
    risk_coverage,
    threshold_for,
)
from assistant.config import ConfigError, Settings
from assistant.errors import FilterError
from assistant.retrieval.question import analyse
from assistant.schema import Passage


def outcomes() -> list[Outcome]:
    """Scores 0.99 .. 0.00: the confident half always right, below that right one time in two, then never."""
    rows = []
    for i in range(100):
        score = round(1 - i / 100 - 0.01, 2)
        correct = i < 50 or (i < 80 and i % 2 == 0)
        rows.append(Outcome(score, correct, answerable=i < 80))
    return rows


def test_the_curve_runs_from_the_strictest_cut_to_answering_everything() -> None:
    curve = risk_coverage(outcomes())
    assert curve[0].threshold == 0.99 and curve[0].answered == 1 and curve[0].precision == 1.0
    assert curve[-1].coverage == pytest.approx(1.0) and curve[-1].answered == 100
    assert curve[-1].precision == pytest.approx(65 / 100)
    assert [p.coverage for p in curve] == sorted(p.coverage for p in curve)


def test_a_stricter_target_gives_a_higher_threshold_and_fewer_answers() -> None:
    curve = risk_coverage(outcomes())
    strict, balanced, lenient = (threshold_for(curve, t) for t in (0.95, 0.90, 0.80))
    assert strict.threshold > balanced.threshold > lenient.threshold
    assert strict.coverage < balanced.coverage < lenient.coverage
    for point, target in ((strict, 0.95), (balanced, 0.90), (lenient, 0.80)):
        assert point.precision >= target
    # The 50 sure ones, then right one time in two: 57 of 63 is 0.905; 57 of 64 would be 0.891.
    assert balanced.answered == 63
    assert threshold_for(curve, 0.80).coverage == max(p.coverage for p in curve if p.precision >= 0.80)


def test_weighting_to_a_mix_counts_unanswerable_questions_as_the_share_says() -> None:
    rows = [Outcome(0.9, True, True), Outcome(0.8, False, False), Outcome(0.7, False, False)]
    unweighted = risk_coverage(rows)[-1]
    weighted = risk_coverage(rows, unanswerable_share=0.5)[-1]
    assert unweighted.precision == pytest.approx(1 / 3)
    assert weighted.precision == pytest.approx(0.5)


def test_when_no_cut_meets_the_target_the_most_precise_is_taken() -> None:
    curve = [CurvePoint(0.9, 0.3, 0.7, 30), CurvePoint(0.5, 1.0, 0.6, 100)]
    assert threshold_for(curve, 0.95).threshold == 0.9


def test_a_cut_answering_too_few_questions_is_not_trusted() -> None:
    curve = [CurvePoint(0.99, 0.01, 1.0, 1), CurvePoint(0.6, 0.5, 0.85, 50)]
    assert threshold_for(curve, 0.95).threshold == 0.6


def test_levels_are_read_in_any_case_and_anything_else_is_refused_with_the_choices() -> None:
    assert check_strictness("Strict") == "strict"
    assert check_strictness(None) is None and check_strictness("  ") is None  # the default threshold
    with pytest.raises(FilterError, match="strict, balanced, lenient"):
        check_strictness("paranoid")
    assert Settings.from_env({"ASSISTANT_STRICTNESS": "LENIENT"}).strictness == "lenient"
    with pytest.raises(ConfigError, match="ASSISTANT_STRICTNESS"):
        Settings.from_env({"ASSISTANT_STRICTNESS": "sometimes"})


class FixedScores(Answerer):
    """An answerer that keeps the candidates' own scores."""

    def _rank(self, question, passages):
        return Ranking(passages)


def passage(score: float) -> Passage:
    return Passage("a", 0, "The talks were mediated by Witkoff.", 0, 10, "T", None, "S", "", "", score)


def test_an_answer_at_one_level_is_a_refusal_at_a_stricter_one() -> None:
    answerer = FixedScores(0.3, thresholds={"strict": 0.6, "balanced": 0.3, "lenient": 0.1})
    question = analyse("Who mediated?")
    assert not answerer.at("balanced").answer(question, [passage(0.45)]).refused
    assert answerer.at("strict").answer(question, [passage(0.45)]).refused
    assert answerer.at(None) is answerer
    assert answerer.at("strict").refusal_threshold == 0.6 and answerer.refusal_threshold == 0.3
    with pytest.raises(FilterError):
        answerer.at("bogus")


def test_an_answerer_with_one_fixed_threshold_ignores_the_level() -> None:
    answerer = FixedScores(0.3)
    assert answerer.at("strict") is answerer
