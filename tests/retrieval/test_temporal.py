"""Temporal expressions resolved against an "as of" day: windows, kinds, traps, cost."""

from __future__ import annotations

import json
import random
import time
from datetime import date, datetime, timedelta

import pytest

from assistant.config import shared_data
from assistant.retrieval.temporal import TimeScope, mentions_time, resolve_time

WED = date(2026, 10, 14)  # a Wednesday
MON = date(2026, 10, 12)
SAT = date(2026, 10, 17)
SUN = date(2026, 10, 18)
FIRST = date(2026, 11, 1)  # the 1st of a month, a Sunday
NEW_YEAR = date(2027, 1, 1)  # a Friday; its ISO week began on Monday 2026-12-28
D = date


def scope(question: str, as_of: date = WED) -> TimeScope:
    return resolve_time(question, as_of)


def window(question: str, as_of: date = WED) -> tuple[date, date] | None:
    return scope(question, as_of).window


@pytest.mark.parametrize(
    ("question", "as_of", "expected", "kind"),
    [
        # weeks (ISO: Monday..Sunday)
        ("What happened this week?", WED, (D(2026, 10, 12), WED), "window"),
        ("What happened this week?", MON, (MON, MON), "window"),
        ("What happened this week?", SUN, (MON, SUN), "window"),
        ("What happened last week?", WED, (D(2026, 10, 5), D(2026, 10, 11)), "window"),
        ("What happened last week?", MON, (D(2026, 10, 5), D(2026, 10, 11)), "window"),
        ("What happened last week?", SUN, (D(2026, 10, 5), D(2026, 10, 11)), "window"),
        ("What happened this week?", NEW_YEAR, (D(2026, 12, 28), NEW_YEAR), "window"),
        ("What happened last week?", NEW_YEAR, (D(2026, 12, 21), D(2026, 12, 27)), "window"),
        ("What happened in the past week?", WED, (D(2026, 10, 7), WED), "window"),
        ("What happened earlier this week?", WED, (MON, WED), "window"),
        # days
        ("Who spoke yesterday?", WED, (D(2026, 10, 13),) * 2, "window"),
        ("Who spoke yesterday?", NEW_YEAR, (D(2026, 12, 31),) * 2, "window"),
        ("Who spoke yesterday?", D(2024, 3, 1), (D(2024, 2, 29),) * 2, "window"),
        ("What did the union say today?", WED, (WED, WED), "window"),
        ("What did they say last night?", WED, (D(2026, 10, 13), WED), "window"),
        ("What happened the day before yesterday?", WED, (MON, MON), "window"),
        # weekdays: the latest such day not after as_of
        ("What happened on Tuesday?", WED, (D(2026, 10, 13),) * 2, "window"),
        ("What was agreed Tuesday?", WED, (D(2026, 10, 13),) * 2, "window"),
        ("What was the result of Tuesday's vote?", WED, (D(2026, 10, 13),) * 2, "window"),
        ("What happened on Wednesday?", WED, (WED, WED), "window"),
        ("What happened last Wednesday?", WED, (D(2026, 10, 7),) * 2, "window"),
        ("What happened last Tuesday?", WED, (D(2026, 10, 13),) * 2, "window"),
        ("What happened on Monday?", MON, (MON, MON), "window"),
        ("What happened on Sunday?", MON, (D(2026, 10, 11),) * 2, "window"),
        ("What happened on Thursday?", NEW_YEAR, (D(2026, 12, 31),) * 2, "window"),
        ("What happened this Monday?", WED, (MON, MON), "window"),
        ("What happened Tuesday morning?", WED, (D(2026, 10, 13),) * 2, "window"),
        ("What has changed since Tuesday?", WED, (D(2026, 10, 13), WED), "window"),
        # weekends
        ("What happened over the weekend?", WED, (D(2026, 10, 10), D(2026, 10, 11)), "window"),
        ("What happened this weekend?", WED, (D(2026, 10, 10), D(2026, 10, 11)), "window"),
        ("What happened this weekend?", SUN, (SAT, SUN), "window"),
        ("What happened this weekend?", SAT, (SAT, SAT), "window"),
        ("What happened last weekend?", SUN, (D(2026, 10, 10), D(2026, 10, 11)), "window"),
        ("What happened over the weekend?", MON, (D(2026, 10, 10), D(2026, 10, 11)), "window"),
        # months
        ("What happened last month?", WED, (D(2026, 9, 1), D(2026, 9, 30)), "window"),
        ("What happened last month?", FIRST, (D(2026, 10, 1), D(2026, 10, 31)), "window"),
        ("What happened last month?", NEW_YEAR, (D(2026, 12, 1), D(2026, 12, 31)), "window"),
        ("What happened last month?", D(2024, 3, 31), (D(2024, 2, 1), D(2024, 2, 29)), "window"),
        ("What happened this month?", WED, (D(2026, 10, 1), WED), "window"),
        ("What happened this month?", FIRST, (FIRST, FIRST), "window"),
        ("What happened in March?", WED, (D(2026, 3, 1), D(2026, 3, 31)), "window"),
        ("What happened in March?", D(2026, 3, 10), (D(2026, 3, 1), D(2026, 3, 10)), "window"),
        ("What happened in March?", D(2026, 1, 10), (D(2025, 3, 1), D(2025, 3, 31)), "prefer"),
        ("What happened in March 2023?", WED, (D(2023, 3, 1), D(2023, 3, 31)), "window"),
        ("What happened in early March 2023?", WED, (D(2023, 3, 1), D(2023, 3, 10)), "window"),
        ("What happened in August last year?", WED, (D(2025, 8, 1), D(2025, 8, 31)), "window"),
        ("What happened last March?", D(2026, 3, 20), (D(2025, 3, 1), D(2025, 3, 31)), "window"),
        ("What changed since January?", WED, (D(2026, 1, 1), WED), "window"),
        ("What changed since January?", NEW_YEAR, (NEW_YEAR, NEW_YEAR), "window"),
        ("What changed since March?", D(2026, 2, 10), (D(2025, 3, 1), D(2026, 2, 10)), "window"),
        # years
        ("What happened in 2023?", WED, (D(2023, 1, 1), D(2023, 12, 31)), "window"),
        ("What happened in 2026?", WED, (D(2026, 1, 1), WED), "window"),
        ("What happened this year?", WED, (D(2026, 1, 1), WED), "window"),
        ("What happened this year?", NEW_YEAR, (NEW_YEAR, NEW_YEAR), "window"),
        ("What happened last year?", NEW_YEAR, (D(2026, 1, 1), D(2026, 12, 31)), "window"),
        ("What changed since 2023?", WED, (D(2023, 1, 1), WED), "window"),
        ("Which singer will tour later this year?", WED, (D(2026, 1, 1), WED), "prefer"),
        # "ago", in words and digits
        ("What happened two days ago?", WED, (MON, MON), "window"),
        ("What happened 2 days ago?", WED, (MON, MON), "window"),
        ("What happened twelve days ago?", WED, (D(2026, 10, 2),) * 2, "window"),
        ("What happened 3 weeks ago?", WED, (D(2026, 9, 20), D(2026, 9, 26)), "prefer"),
        ("What happened a month ago?", WED, (D(2026, 8, 30), D(2026, 9, 29)), "prefer"),
        ("What happened a few days ago?", WED, (D(2026, 10, 10), MON), "prefer"),
        ("What happened in the past three weeks?", WED, (D(2026, 9, 23), WED), "window"),
        ("What happened over the last 12 months?", WED, (D(2025, 10, 14), WED), "window"),
        # soft recency
        ("Which port recently closed?", WED, (D(2026, 9, 30), WED), "prefer"),
        ("What happened in recent days?", WED, (D(2026, 10, 7), WED), "prefer"),
        ("What happened in recent weeks?", WED, (D(2026, 9, 16), WED), "prefer"),
        ("What happened this past week?", WED, (D(2026, 10, 7), WED), "prefer"),
        ("According to a recent survey, who leads?", WED, (D(2026, 9, 14), WED), "prefer"),
        # explicit dates
        ("What happened on March 5?", WED, (D(2026, 3, 5),) * 2, "window"),
        ("What happened on March 5, 2024?", WED, (D(2024, 3, 5),) * 2, "window"),
        ("What happened on 2024-03-05?", WED, (D(2024, 3, 5),) * 2, "window"),
        ("What happened on 5 March 2024?", WED, (D(2024, 3, 5),) * 2, "window"),
        ("What happened on the 5th of March?", WED, (D(2026, 3, 5),) * 2, "window"),
        ("What happened on Sept. 5?", WED, (D(2026, 9, 5),) * 2, "window"),
        ("What happened on Feb 29?", D(2025, 6, 1), (D(2024, 2, 29),) * 2, "window"),
        ("What happened on February 29?", D(2024, 2, 29), (D(2024, 2, 29),) * 2, "window"),
        ("What happened on March 5?", D(2026, 1, 10), (D(2025, 3, 5),) * 2, "prefer"),
        # ranges
        ("What happened between March 1 and March 10?", WED, (D(2026, 3, 1), D(2026, 3, 10)), "window"),
        ("What happened between March 1 and March 10?", D(2026, 3, 5), (D(2026, 3, 1), D(2026, 3, 5)), "window"),
        ("What happened between March 1 and March 10?", D(2026, 2, 1), (D(2025, 3, 1), D(2025, 3, 10)), "window"),
        ("What happened between March 1 and 10?", WED, (D(2026, 3, 1), D(2026, 3, 10)), "window"),
        ("What happened from October 1 to October 5?", WED, (D(2026, 10, 1), D(2026, 10, 5)), "window"),
        ("What happened from December to February?", D(2026, 3, 1), (D(2025, 12, 1), D(2026, 2, 28)), "window"),
        ("What happened from Monday to Wednesday?", WED, (MON, WED), "window"),
        ("What happened from 2020 to 2023?", WED, (D(2020, 1, 1), D(2023, 12, 31)), "window"),
        ("What happened from January to now?", WED, (D(2026, 1, 1), WED), "window"),
        ("What happened March 1-10, 2024?", WED, (D(2024, 3, 1), D(2024, 3, 10)), "window"),
        # a week and a day inside it: both hold
        ("Who resigned this week on Tuesday?", WED, (D(2026, 10, 13),) * 2, "window"),
    ],
)
def test_windows(question: str, as_of: date, expected: tuple[date, date], kind: str) -> None:
    resolved = scope(question, as_of)
    assert resolved.window == expected, resolved
    assert resolved.kind == kind


@pytest.mark.parametrize(
    "question",
    [
        "Theresa May said what about the strike?",
        "Who may win the vote?",
        "This may be the last round of talks.",
        "Who led the March on Washington?",
        "Who won March Madness?",
        "What did the Sunday Times report?",
        "What did the Sunday school teach?",
        "How much did stores sell on Black Friday?",
        "What happened on Good Friday?",
        "Who won Super Tuesday?",
        "Who hosted Saturday Night Live?",
        "What did USA Today report?",
        "What was on the Today programme?",
        "Where will the 2034 Winter Games be held?",
        "Who won the 2023 Masters?",
        "What will happen in 2034?",
        "What happens next Tuesday?",
        "What is due by Friday?",
        "What happens this Friday?",  # asked on a Wednesday: still to come
        "Were there between 1900 and 2000 workers?",
        "Who testified to the Jan. 6 committee?",
        "What happened on the last week of March?",
        "Who is Tuesday Weld?",
        "How many new members joined?",
    ],
)
def test_traps_give_no_window(question: str) -> None:
    resolved = scope(question)
    assert resolved.window is None, resolved
    assert resolved.kind is None


def test_a_coming_day_or_month_without_a_year_gives_no_window() -> None:
    assert window("Which album comes out on July 29?", D(2026, 7, 10)) is None
    assert window("Which airline cuts flights in November?", D(2026, 10, 20)) is None
    # further ahead it is last year's, softly
    resolved = scope("Which airline cuts flights in November?", D(2026, 8, 18))
    assert resolved.window == (D(2025, 11, 1), D(2025, 11, 30))
    assert resolved.kind == "prefer"


def test_invalid_dates_give_no_window() -> None:
    assert window("What happened on February 29, 2023?") is None
    assert window("What happened on 2024-02-30?") is None


def test_conflicting_windows_keep_the_latest_as_a_preference() -> None:
    resolved = scope("The halftime show in February was announced this week. Who will headline?", D(2026, 9, 30))
    assert resolved.window == (D(2026, 9, 28), D(2026, 9, 30))
    assert resolved.kind == "prefer"


@pytest.mark.parametrize(
    ("question", "latest"),
    [
        ("What is the latest wage offer?", True),
        ("Who is the union leader now?", True),
        ("Who currently leads the talks?", True),
        ("How many ships are waiting so far?", True),
        ("What was the most recent offer?", True),
        ("Is the strike still on?", True),
        ("Who is the current mediator?", True),
        ("How many workers have walked out to date?", True),
        ("Which nation is the newest member?", True),
        ("What did the new law say?", False),  # "new" describes the thing
        ("Who is the new CEO?", False),
        ("Reply by Friday at the latest.", False),
        ("Is the record up to date?", False),
        ("What will it cost a year from now?", False),
        ("Which now-defunct paper ran it?", False),
        ("What did NOW say?", False),
        ("Why did the crane stand still?", False),
        ("Who painted the still life?", False),
        ("What is the current account deficit?", False),
        ("Who swam against the current?", False),
    ],
)
def test_wants_latest(question: str, latest: bool) -> None:
    resolved = scope(question)
    assert resolved.wants_latest is latest, resolved
    if latest:
        assert any(e.kind == "latest" for e in resolved.expressions)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What happened this week?", "What happened?"),
        ("Yesterday, who won?", "Who won?"),
        ("What was the result of Tuesday's vote?", "What was the result of the vote?"),
        ("What was the wage offer on Tuesday, and who mediated?", "What was the wage offer, and who mediated?"),
        ("What happened between March 1 and March 10?", "What happened?"),
        ("How many ships waited today and yesterday?", "How many ships waited?"),
        ("Is the strike still on?", "Is the strike on?"),
        ("Who leads the union now?", "Who leads the union?"),
        ("What is the latest offer?", "What is the latest offer?"),  # adjectives stay
        ("Who won the 2023 Masters?", "Who won the 2023 Masters?"),
        ("Today?", "Today?"),  # never empty
        ("Last week?", "Last week?"),
        ("Who spoke?", "Who spoke?"),
    ],
)
def test_text_without_time(question: str, expected: str) -> None:
    assert scope(question).text_without_time == expected


def test_expressions_are_recorded_with_their_spans() -> None:
    question = "What did the union say on Tuesday about the offer now?"
    resolved = scope(question)
    assert [(e.text, e.kind) for e in resolved.expressions] == [("on Tuesday", "window"), ("now", "latest")]
    for expression in resolved.expressions:
        assert question[expression.start : expression.end] == expression.text
    assert resolved.wants_latest


def test_scope_is_frozen_and_accepts_a_datetime() -> None:
    resolved = resolve_time("What happened yesterday?", datetime(2026, 10, 14, 23, 59))
    assert resolved.as_of == WED and resolved.window == (D(2026, 10, 13),) * 2
    with pytest.raises(AttributeError):
        resolved.window = None  # type: ignore[misc]


def test_article_window_allows_and_prior() -> None:
    resolved = scope("What happened on Tuesday?", WED)
    assert resolved.article_window() == (D(2026, 10, 13), WED)  # slack, never past as_of
    assert resolved.allows("2026-10-13") and resolved.allows(WED) and resolved.allows(None)
    assert not resolved.allows("2026-10-12") and not resolved.allows("2026-10-15")
    assert resolved.prior("2026-10-13") == 1.0 and resolved.prior("2026-10-15") == 0.0
    assert 0 < resolved.prior("2026-09-28") < 0.5
    plain = scope("Who mediated?", WED)
    assert plain.allows("2026-01-01") and not plain.allows("2026-10-15")
    soft = scope("Which port recently closed?", WED)
    assert soft.allows("2020-01-01")  # a preference filters nothing
    assert soft.prior("2026-10-10") == 1.0 > soft.prior("2026-06-01")
    latest = scope("What is the latest offer?", WED)
    assert latest.prior("2026-10-14") == 1.0 > latest.prior("2026-10-01") > latest.prior("2026-06-01")


_TEMPLATES = [
    "What happened {}?",
    "{}, who spoke?",
    "Who won the vote {} and why?",
]
_EXPRESSIONS = [
    "this week", "last week", "yesterday", "today", "on Tuesday", "last Sunday", "Monday", "this Friday",
    "last month", "this month", "in March", "in December", "in March 2023", "in 2023", "in 2030", "this year",
    "last year", "since January", "since December", "two days ago", "3 weeks ago", "a month ago", "ten years ago",
    "over the weekend", "this weekend", "last weekend", "recently", "in recent days", "this past week",
    "on March 5", "on December 31", "on February 29", "March 5, 2024", "2024-03-05", "5 March 2024",
    "between March 1 and March 10", "from October 1 to October 5", "from December to February",
    "from Monday to Wednesday", "in the past three weeks", "later this year", "in early December", "now", "still",
]  # fmt: skip


def test_no_window_ever_ends_after_as_of() -> None:
    rng = random.Random(20261014)
    edges = [D(2024, 2, 29), D(2024, 3, 1), D(2026, 12, 31), NEW_YEAR, MON, SUN, FIRST, D(2025, 1, 1)]
    days = edges + [D(2020, 1, 1) + timedelta(days=rng.randrange(3650)) for _ in range(150)]
    for as_of in days:
        for _ in range(12):
            phrase = rng.choice(_EXPRESSIONS)
            if rng.random() < 0.3:
                phrase = f"{phrase} and {rng.choice(_EXPRESSIONS)}"
            question = rng.choice(_TEMPLATES).format(phrase)
            resolved = resolve_time(question, as_of)
            assert resolved.text_without_time.strip(), question
            for w in [resolved.window, resolved.article_window()] + [e.window for e in resolved.expressions]:
                if w is not None:
                    assert w[0] <= w[1] <= as_of, (question, as_of, resolved)


def test_the_prefilter_turns_away_questions_without_time_words() -> None:
    assert not mentions_time("Who mediated the talks between the union and the port?")
    assert mentions_time("What happened on Tuesday?")
    plain = resolve_time("Who mediated the talks?", WED)
    assert plain == TimeScope(as_of=WED, text_without_time="Who mediated the talks?")


def _cost_us(rows: list[tuple[str, date]], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for question, as_of in rows:
            resolve_time(question, as_of)
        best = min(best, time.perf_counter() - started)
    return best / len(rows) * 1e6


def test_cost_per_question_on_synthetic_questions() -> None:
    rows = [(f"Who said what on Tuesday about item {n} last week?", WED) for n in range(300)]
    rows += [(f"Who mediated the talks about item {n}?".replace(str(n), "x"), WED) for n in range(300)]
    cost = _cost_us(rows)
    print(f"\nresolve_time: {cost:.1f} us per synthetic question")
    assert cost < 1000


REALTIMEQA = shared_data("qa", "realtimeqa_dev.jsonl")


@pytest.mark.shared_data
@pytest.mark.skipif(not REALTIMEQA.exists(), reason="../shared/data/qa/realtimeqa_dev.jsonl is absent")
def test_cost_per_question_on_realtimeqa() -> None:
    rows = []
    for line in REALTIMEQA.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append((row["question"], date.fromisoformat(row["question_date"].replace("/", "-"))))
    cost = _cost_us(rows)
    print(f"\nresolve_time: {cost:.1f} us per RealTimeQA question ({len(rows)} questions)")
    assert cost < 1000
    for question, as_of in rows:
        resolved = resolve_time(question, as_of)
        assert resolved.window is None or resolved.window[1] <= as_of
        assert resolved.text_without_time.strip()
