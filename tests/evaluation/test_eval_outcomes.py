"""The "where the answers go" breakdown: each answerable question lands in exactly one bucket,
the first that fits (hand-built answers, no model, no index)."""

from __future__ import annotations

from assistant.evaluation.datasets import QAItem
from assistant.evaluation.report import _markdown
from assistant.evaluation.results import OUTCOMES, EvalRun, summarise
from assistant.evaluation.runner import score_item
from assistant.evaluation.systems import BuildStats, SystemOutput, Unit

GOLD = "Talks in Geneva were mediated by Norway, officials said."
ITEM = QAItem("q", "Who mediated?", ["Norway"], support_sentence=GOLD, article_id="geneva")
LATER = Unit("geneva", "Norway's envoy arrived on Monday.")
WRONG = Unit("geneva", "The talks began on Monday.")
ELSEWHERE = Unit("other", "Markets rose.")


def outcome(cited: list[Unit], ranked: list[Unit], refused: bool = False) -> str | None:
    output = SystemOutput(text=" ".join(u.text for u in cited), cited=cited, ranked=ranked, refused=refused)
    return score_item(ITEM, output, 0.01).outcome()


def test_each_question_lands_in_the_first_bucket_that_fits() -> None:
    gold = Unit("geneva", GOLD)
    assert outcome([gold], [gold]) == OUTCOMES[0]
    assert outcome([WRONG, LATER], [WRONG, LATER]) == OUTCOMES[1]
    assert outcome([WRONG], [ELSEWHERE, WRONG]) == OUTCOMES[2]
    assert outcome([], [gold], refused=True) == OUTCOMES[3]
    assert outcome([ELSEWHERE], [ELSEWHERE]) == OUTCOMES[4]


def test_unanswerable_questions_are_left_out_and_the_shares_sum_to_one() -> None:
    gold = Unit("geneva", GOLD)
    results = [
        score_item(ITEM, SystemOutput(text=GOLD, cited=[gold], ranked=[gold]), 0.01),
        score_item(ITEM, SystemOutput(text="x", cited=[ELSEWHERE], ranked=[ELSEWHERE]), 0.01),
        score_item(QAItem("u", "Who won?", []), SystemOutput(text="x", cited=[ELSEWHERE], ranked=[ELSEWHERE]), 0.01),
    ]
    assert results[2].outcome() is None
    shares = summarise(results).outcomes()
    assert shares[OUTCOMES[0]] == 0.5 and shares[OUTCOMES[4]] == 0.5
    assert sum(shares.values()) == 1.0
    run = EvalRun("set", "open", "demo", 2, 3, {"ours": summarise(results)}, {"ours": BuildStats(units=1, seconds=1)})
    assert "## Where the answers go" in _markdown(run)
    assert run.to_dict()["systems"]["ours"]["outcomes"] == shares
