"""When to answer: a refusal threshold chosen for the share of answers that must be right.

The policy is "answer when likely right". On held-out calibration questions with a
realistic mix (a third unanswerable, half of those on a topic the articles do cover),
every threshold on the best candidate's answer probability gives a coverage (the share
of questions answered) and a precision (the share of answers whose first citation holds
the answer). `strictness` names a precision target; its threshold is the lowest one
that meets the target, which answers the most questions under it:

- strict: 95 % of answers right, fewer questions answered;
- balanced: 90 %;
- lenient: 80 %, more questions answered, more of them wrongly.

With no level asked for, the reader refuses at the threshold that maximises accuracy on
the same questions (its `refusal_threshold`, about 86 % of answers right with the shipped
reader, between lenient and balanced). `balanced` becomes the default once the reader
meets it without refusing answerable questions of the project's set that it answers now.

`training.calibrate_reader` measures the curve and writes the three thresholds into the
reader's reader.json; `risk_coverage` also draws the curve in evaluation reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.errors import FilterError

PRECISION_TARGETS = {"strict": 0.95, "balanced": 0.90, "lenient": 0.80}
STRICTNESS_LEVELS = tuple(PRECISION_TARGETS)
DEFAULT_LABEL = "calibrated for accuracy"  # how the default (no level asked for) is shown
MIN_ANSWERED = 20  # a precision measured on fewer answered questions is too noisy to set a threshold on


@dataclass(frozen=True)
class Outcome:
    """One calibration question: its best candidate's score and whether citing it would be right."""

    score: float
    correct: bool  # answerable, and the best candidate holds the answer
    answerable: bool


@dataclass(frozen=True)
class CurvePoint:
    """Answering every question whose best score is at least `threshold`."""

    threshold: float
    coverage: float  # share of questions answered (weighted to the mix)
    precision: float  # share of the answered whose first citation is right
    answered: int  # how many calibration questions that is, unweighted


def check_strictness(value: str | None, label: str = "strictness") -> str | None:
    """The level named (any case), None (the default) for None/empty; FilterError naming the levels otherwise."""
    if value is None or not str(value).strip():
        return None
    level = str(value).strip().lower()
    if level not in PRECISION_TARGETS:
        raise FilterError(f"{label} must be one of {', '.join(STRICTNESS_LEVELS)}, got {value!r}")
    return level


def risk_coverage(outcomes: Sequence[Outcome], unanswerable_share: float | None = None) -> list[CurvePoint]:
    """Coverage and precision at every distinct score, from the strictest cut to answering all.

    With `unanswerable_share`, questions are weighted as if that share were unanswerable,
    whatever the mix in `outcomes`."""
    unanswerable = sum(1 for o in outcomes if not o.answerable)
    answerable = len(outcomes) - unanswerable
    if unanswerable_share is None or not unanswerable or not answerable:
        weights = {True: 1.0, False: 1.0}
    else:
        weights = {True: (1 - unanswerable_share) / answerable, False: unanswerable_share / unanswerable}
    total = sum(weights[o.answerable] for o in outcomes) or 1.0
    points, covered, right, answered = [], 0.0, 0.0, 0
    ordered = sorted(outcomes, key=lambda o: o.score, reverse=True)
    for i, outcome in enumerate(ordered):
        weight = weights[outcome.answerable]
        covered += weight
        right += weight if outcome.correct else 0.0
        answered += 1
        if i + 1 < len(ordered) and ordered[i + 1].score == outcome.score:
            continue  # one point per distinct score: a threshold answers all questions at it
        points.append(CurvePoint(round(outcome.score, 4), covered / total, right / covered, answered))
    return points


def threshold_for(curve: Sequence[CurvePoint], target: float, min_answered: int = MIN_ANSWERED) -> CurvePoint:
    """The point answering the most questions whose precision meets `target`; when none does,
    the most precise point (among those answering at least `min_answered`)."""
    eligible = [p for p in curve if p.answered >= min_answered] or list(curve)
    meeting = [p for p in eligible if p.precision >= target]
    if meeting:
        return max(meeting, key=lambda p: (p.coverage, p.threshold))
    return max(eligible, key=lambda p: (p.precision, p.coverage))
