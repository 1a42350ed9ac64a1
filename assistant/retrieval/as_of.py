"""Answering "as of" a day: what a question's time scope does to its filters and to the choice of sentence.

- Every question has an as-of day (default today). Articles dated after it are never
  candidates; undated articles stay, scored like any other (nothing says they are late).
- A time window the question states ("this week", "on Tuesday", "in March 2024"), with two
  days' slack for news published after the day it reports, filters the search; if that
  leaves nothing, the question is asked again without it: a misread window must not turn an
  answerable question into a refusal. With `Settings.stated_windows = "weigh"` the window
  is searched beside the as-of limit alone, both sets are read together (`merged`), and
  those inside gain the prior's window weight (retrieval/recency.py).
- Among the strong candidates (reader scores at least STRONG_SHARE of the best), a question
  that asks for the latest state ("latest", "now", "so far") gets the newest article's
  sentence, and one with a soft window ("recently", "a few weeks ago") the one whose date
  fits it best. Weaker candidates are never promoted, so refusals are unchanged.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from assistant.dates import article_day
from assistant.retrieval.temporal import TimeScope
from assistant.schema import Passage, SearchFilters

# Candidates scoring at least this share of the best one (and the refusal threshold) are "strong":
# among them the time preference decides. Reader scores spread widely (0.69 and 0.44 for two
# sentences stating the same fact on different days), so the cut is relative.
STRONG_SHARE = 0.5
STALE_AFTER_DAYS = 30  # an answer from an article older than this (before as_of) says when it was reported


def with_as_of(filters: SearchFilters, as_of: date | None) -> SearchFilters:
    """`filters` that also keep out every article dated after `as_of` (None: no limit)."""
    return replace(filters, as_of=as_of.isoformat()) if as_of else filters


def within_window(filters: SearchFilters, scope: TimeScope | None) -> SearchFilters | None:
    """`filters` narrowed to the question's hard window, or None when it states none (or the two can't meet)."""
    window = scope.article_window() if scope is not None and scope.is_hard else None
    if window is None:
        return None
    start, end = window[0].isoformat(), window[1].isoformat()
    date_from = max(start, filters.date_from) if filters.date_from else start
    date_to = min(end, filters.date_to) if filters.date_to else end
    if date_from > date_to:
        return None
    return replace(filters, date_from=date_from, date_to=date_to)


def merged(inside: list[Passage], everywhere: list[Passage]) -> list[Passage]:
    """The sentences found inside a window and those found without it, each once, best first."""
    unique = {(p.article_id, p.sentence_index): p for p in everywhere}
    unique.update({(p.article_id, p.sentence_index): p for p in inside})
    return sorted(unique.values(), key=lambda p: p.score, reverse=True)


def prefer_in_time(
    passages: list[Passage], scope: TimeScope | None, floor: float, share: float = STRONG_SHARE
) -> list[Passage]:
    """Put first the strong candidate (at least `share` of the best score, and `floor`, the refusal
    threshold) that best fits the question's time preference; the others keep their order."""
    if scope is None or not passages or not (scope.wants_latest or scope.kind == "prefer"):
        return passages
    best = passages[0].score
    strong = [p for p in passages if p.score >= max(best * share, floor)]
    if len(strong) < 2:
        return passages

    def fit(passage: Passage) -> tuple[float, str]:
        if scope.kind == "prefer":
            return scope.prior(passage.date), passage.date or ""
        return 1.0, passage.date or ""  # latest: the newest date wins, undated last

    chosen = sorted(strong, key=fit, reverse=True)[0]  # stable: ties keep the reader's order
    return [chosen, *[p for p in passages if p is not chosen]]


def stale_note(passage_date: str | None, as_of: date | None) -> str | None:
    """ "reported 2023-05-02" when the answer comes from an article much older than as_of."""
    reported = article_day(passage_date)
    if reported is None or as_of is None:
        return None
    return f"reported {reported.isoformat()}" if (as_of - reported).days > STALE_AFTER_DAYS else None
