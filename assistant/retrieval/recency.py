"""The recency prior: a news reader asking about "the talks" means the recent talks.

Relevance alone ranks a two-year-old story like yesterday's. The prior adds to each
candidate's score a term for its article's age at the as-of day:

    weight * (freshness - 0.5),   freshness = 0.5 ** (age_days / half_life_days)

so an article published on the as-of day gains weight/2, one half a half-life old gains
nothing, and old ones lose up to weight/2. It acts twice: on the retrieval score, which
decides which candidates the reader reads (and feeds the answer probability), and, among
the strong candidates only, on the order of the answers (never on which questions are
refused). Questions with a time cue ("this week", "latest", "on Tuesday", "recently")
have their own, stronger setting; questions without one get the mild one.

A window the question states ("this week", "on Tuesday") filters the search by default.
With `stated_windows = "weigh"` it is a strong preference instead: the sentences found inside
it and those found under the as-of limit alone are read together, and those inside gain the
cued setting's window weight (on RealTimeQA a quiz's "this week" often rests on an article
from the week before, which a filter keeps out). Each way has its own fitted prior.

Neutral cases: an undated article gets no term (as if half a half-life old), so a corpus
with no dates, or a question asked with no as-of day, ranks exactly as without the prior.
Shape and weights are fitted on RealTimeQA questions dated 2022-2023 only
(`python -m training.fit_recency`) and shipped in recency.json beside this file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from assistant.answering.evidence import evidence_bonus
from assistant.dates import article_day
from assistant.retrieval.as_of import prefer_in_time
from assistant.retrieval.temporal import TimeScope, Window
from assistant.schema import Passage

FITTED = Path(__file__).resolve().parent / "recency.json"


@dataclass(frozen=True)
class PriorSetting:
    """One fitted setting: the half-life of freshness and its weight at each stage."""

    half_life_days: float = 30.0
    retrieval_weight: float = 0.0  # added to the retrieval score, which picks what the reader reads
    answer_weight: float = 0.0  # added to the answer probability, among strong candidates only
    window_weight: float = 0.0  # added to the retrieval score of articles inside a window the question states

    def term(self, day: str | None, as_of: date, weight: float) -> float:
        """weight * (freshness - 0.5) for an article of `day`; 0 for undated or unreadable dates."""
        age = age_in_days(day, as_of)
        if age is None or weight == 0.0:
            return 0.0
        return weight * (0.5 ** (age / self.half_life_days) - 0.5)


@dataclass(frozen=True)
class RecencyPrior:
    """The mild setting for questions with no time cue, the stronger one for questions with one."""

    plain: PriorSetting = PriorSetting()
    cued: PriorSetting = PriorSetting()

    def setting(self, cued: bool) -> PriorSetting:
        return self.cued if cued else self.plain

    def rescore_retrieval(
        self, passages: list[Passage], as_of: date | None, cued: bool, window: Window | None = None
    ) -> list[Passage]:
        """Passages with the prior's term added to their score (kept in scores["recency"]), plus the
        window weight for those whose article falls inside `window` (scores["in_window"]), best first."""
        setting = self.setting(cued)
        windowed = window is not None and setting.window_weight != 0.0
        if as_of is None or not passages or (setting.retrieval_weight == 0.0 and not windowed):
            return passages
        rescored = []
        for passage in passages:
            bonus = setting.term(passage.date, as_of, setting.retrieval_weight)
            inside = setting.window_weight if windowed and in_window(passage.date, window) else 0.0
            if bonus or inside:
                terms = {"recency": round(bonus, 4), "in_window": inside}
                scores = {**passage.scores, **{name: value for name, value in terms.items() if value}}
                passage = replace(passage, score=round(passage.score + bonus + inside, 4), scores=scores)
            rescored.append(passage)
        return sorted(rescored, key=lambda p: p.score, reverse=True)  # stable: ties keep their order

    def reorder_answers(
        self,
        passages: list[Passage],
        as_of: date | None,
        cued: bool,
        floor: float,
        extra: Callable[[Passage], float] | None = None,
    ) -> list[Passage]:
        """Among candidates at or above `floor` (the refusal threshold), order by answer probability
        plus the prior's term (plus `extra`, e.g. pooled evidence); the others keep their order after
        them. Scores, and so refusals, are unchanged."""
        setting = self.setting(cued)
        timed = as_of is not None and setting.answer_weight != 0.0
        if not timed and extra is None:
            return passages
        strong = [p for p in passages if p.score >= floor]
        if len(strong) < 2:
            return passages

        def key(passage: Passage) -> float:
            value = passage.score + (extra(passage) if extra else 0.0)
            if timed and as_of is not None:
                value += setting.term(passage.date, as_of, setting.answer_weight)
            return value

        return sorted(strong, key=key, reverse=True) + [p for p in passages if p.score < floor]

    def to_dict(self) -> dict[str, dict[str, float]]:
        return {name: vars(getattr(self, name)) for name in ("plain", "cued")}

    @classmethod
    def from_dict(cls, data: dict) -> RecencyPrior:
        return cls(**{name: PriorSetting(**data[name]) for name in ("plain", "cued") if name in data})


NO_PRIOR = RecencyPrior()


def has_time_cue(scope: TimeScope | None) -> bool:
    """Whether the question says something of time: it then gets the prior's stronger setting."""
    return bool(scope and (scope.expressions or scope.wants_latest))


def order_answers(
    prior: RecencyPrior,
    passages: list[Passage],
    as_of: date | None,
    scope: TimeScope | None,
    floor: float,
    evidence_weight: float = 0.0,
) -> list[Passage]:
    """The order `ask` cites from: among strong candidates, the prior and the evidence pooled per
    article (answering/evidence.py), then the question's own time preference ("latest", "recently";
    retrieval/as_of.py). Candidates below `floor` never move up."""
    extra = evidence_bonus(passages, evidence_weight)
    ranked = prior.reorder_answers(passages, as_of, has_time_cue(scope), floor, extra)
    return prefer_in_time(ranked, scope, floor=floor)


def in_window(day: str | None, window: Window | None) -> bool:
    """Whether an article of `day` is inside `window` (undated articles are not: nothing says so)."""
    published = article_day(day)
    return published is not None and window is not None and window[0] <= published <= window[1]


def age_in_days(day: str | None, as_of: date) -> int | None:
    """Whole days from an article's date to the as-of day (never negative); None when undated."""
    published = article_day(day)
    return None if published is None else max(0, (as_of - published).days)


@lru_cache(maxsize=4)
def load_prior(path: Path = FITTED, windows: str = "filter") -> RecencyPrior:
    """The prior fitted for what stated windows do (`Settings.stated_windows`), shipped with the
    package; no prior when the file, or its entry for `windows`, is absent."""
    if not path.is_file():
        return NO_PRIOR
    fitted = json.loads(path.read_text(encoding="utf-8")).get(windows)
    return RecencyPrior.from_dict(fitted["prior"]) if fitted else NO_PRIOR
