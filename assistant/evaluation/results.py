"""What an evaluation measured: per question (ItemResult), per system (EvalSummary), per run (EvalRun)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.evaluation.metrics import mean_reciprocal_rank, recall_at
from assistant.evaluation.systems import BuildStats

RECALL_DEPTHS = (1, 5, 10)
CURVE_DEPTH = 10


@dataclass
class ItemResult:
    id: str
    question: str
    answerable: bool
    refused: bool
    top_score: float
    first_citation_gold: bool  # the first cited unit holds the gold sentence
    any_citation_gold: bool  # some cited unit holds it (citation recall)
    short_answer: str | None
    em: float
    f1: float
    hit: bool  # a gold answer occurs in the answer text
    seconds: float
    qtype: str = ""
    first_citation_hit: bool = False  # ... and in the first cited unit (the stricter reading)
    citation_precision: float | None = None  # share of cited units holding a gold answer or the gold sentence
    sentence_rank: int | None = None  # 1-based rank of the gold sentence among retrieved units
    article_rank: int | None = None  # 1-based rank of the gold article among retrieved articles
    first_citation_article: bool = False  # the first citation is from the gold article (or a copy folded into it)
    has_support: bool = False
    has_article: bool = False
    answer_words: int = 0  # how much the user must read: a long chunk "contains" more answers
    # The best-ranked unit (the first citation, or on a refusal what it would have been) holds a gold
    # answer: with top_score, what the risk-coverage curve of the report is drawn from.
    top_correct: bool = False
    later_citation_hit: bool = False  # a gold answer in a citation after the first

    def outcome(self) -> str | None:
        """Where an answerable question with a gold article ended up (OUTCOMES); None otherwise."""
        if not (self.answerable and self.has_article):
            return None
        if self.first_citation_hit:
            return "answer in the first citation"
        if self.refused:
            return "answerable but refused"
        if self.later_citation_hit:
            return "answer only in a later citation"
        if self.article_rank is not None and self.article_rank <= OUTCOME_DEPTH:
            return f"gold article in the top {OUTCOME_DEPTH}, another sentence cited first"
        return f"gold article not in the top {OUTCOME_DEPTH}"

    @property
    def passed(self) -> bool:
        """Answered from the gold sentence (first citation), or rightly refused."""
        return self.first_citation_gold if self.answerable else self.refused


def passed_differently(first: list[ItemResult], second: list[ItemResult]) -> tuple[list[ItemResult], list[ItemResult]]:
    """(passed by `first` only, passed by `second` only): two runs over the same questions, compared."""
    other = {item.id: item for item in second}
    gained = [item for item in first if item.passed and not other[item.id].passed]
    lost = [item for item in first if not item.passed and other[item.id].passed]
    return gained, lost


OUTCOME_DEPTH = 10
OUTCOMES = (
    "answer in the first citation",
    "answer only in a later citation",
    f"gold article in the top {OUTCOME_DEPTH}, another sentence cited first",
    "answerable but refused",
    f"gold article not in the top {OUTCOME_DEPTH}",
)


@dataclass
class EvalSummary:
    questions: int
    answerable: int
    unanswerable: int
    first_citation_gold: float
    any_citation_gold: float
    short_em: float
    short_f1: float
    answer_hit: float
    refusal_accuracy: float
    refusal_precision: float
    refusal_recall: float
    latency_p50_ms: float
    latency_p95_ms: float
    first_citation_hit: float = 0.0
    citation_precision: float = 0.0
    citation_recall: float = 0.0
    sentence_recall_at_1: float | None = None
    sentence_recall_at_5: float | None = None
    sentence_recall_at_10: float | None = None
    sentence_mrr: float | None = None
    article_recall_at_1: float | None = None
    article_recall_at_5: float | None = None
    article_recall_at_10: float | None = None
    article_mrr: float | None = None
    first_citation_article: float | None = None  # None: no question names its gold article
    answer_words_p50: float = 0.0
    items: list[ItemResult] = field(default_factory=list, repr=False)

    def to_dict(self, with_items: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not with_items:
            data.pop("items")
        return data

    def recall_curve(self, kind: str, depth: int = CURVE_DEPTH) -> list[float]:
        """Recall at k = 1..depth of the gold sentence (kind='sentence') or article (kind='article')."""
        ranks = _ranks(self.items, kind)
        return [round(recall_at(ranks, k), 4) for k in range(1, depth + 1)] if ranks else []

    def outcomes(self) -> dict[str, float]:
        """Share of answerable questions (with a gold article) in each OUTCOMES bucket: where the
        sentence choice goes wrong, as opposed to retrieval or refusal."""
        found = [o for o in (item.outcome() for item in self.items) if o is not None]
        return {name: round(found.count(name) / len(found), 4) for name in OUTCOMES} if found else {}

    def by_type(self) -> dict[str, dict[str, float]]:
        """Answer hit and count per question type, answerable questions only."""
        groups: dict[str, list[ItemResult]] = {}
        for item in self.items:
            if item.answerable:
                groups.setdefault(item.qtype or "other", []).append(item)
        return {
            qtype: {"questions": len(rows), "answer_hit": round(sum(r.hit for r in rows) / len(rows), 4)}
            for qtype, rows in sorted(groups.items())
        }


def _ranks(results: list[ItemResult], kind: str) -> list[int | None]:
    if kind == "sentence":
        return [r.sentence_rank for r in results if r.has_support]
    return [r.article_rank for r in results if r.has_article]


def summarise(results: list[ItemResult]) -> EvalSummary:
    import numpy as np

    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    refused = [r for r in results if r.refused]

    def share(rows: list[ItemResult], key: str) -> float:
        return round(sum(float(getattr(r, key)) for r in rows) / len(rows), 4) if rows else 0.0

    def ranked(kind: str, k: int | None) -> float | None:
        ranks = _ranks(results, kind)
        if not ranks:
            return None
        return round(recall_at(ranks, k) if k else mean_reciprocal_rank(ranks), 4)

    precisions = [r.citation_precision for r in answerable if r.citation_precision is not None]
    correct_refusals = sum(1 for r in unanswerable if r.refused)
    latencies = [r.seconds * 1000 for r in results] or [0.0]
    with_support = [r for r in answerable if r.has_support]
    with_article = [r for r in answerable if r.has_article]
    return EvalSummary(
        questions=len(results),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        first_citation_gold=share(with_support, "first_citation_gold"),
        any_citation_gold=share(with_support, "any_citation_gold"),
        short_em=share(answerable, "em"),
        short_f1=share(answerable, "f1"),
        answer_hit=share(answerable, "hit"),
        refusal_accuracy=round(sum(1 for r in results if r.refused != r.answerable) / len(results), 4)
        if results
        else 0.0,
        refusal_precision=round(correct_refusals / len(refused), 4) if refused else 0.0,
        refusal_recall=round(correct_refusals / len(unanswerable), 4) if unanswerable else 0.0,
        latency_p50_ms=round(float(np.percentile(latencies, 50)), 1),
        latency_p95_ms=round(float(np.percentile(latencies, 95)), 1),
        first_citation_hit=share(answerable, "first_citation_hit"),
        citation_precision=round(sum(precisions) / len(precisions), 4) if precisions else 0.0,
        citation_recall=share(with_support, "any_citation_gold"),
        sentence_recall_at_1=ranked("sentence", 1),
        sentence_recall_at_5=ranked("sentence", 5),
        sentence_recall_at_10=ranked("sentence", 10),
        sentence_mrr=ranked("sentence", None),
        article_recall_at_1=ranked("article", 1),
        article_recall_at_5=ranked("article", 5),
        article_recall_at_10=ranked("article", 10),
        article_mrr=ranked("article", None),
        first_citation_article=share(with_article, "first_citation_article") if with_article else None,
        answer_words_p50=float(np.percentile([r.answer_words for r in results if not r.refused] or [0], 50)),
        items=results,
    )


@dataclass
class EvalRun:
    """Everything one evaluation measured, per system."""

    dataset: str
    mode: str
    index: str
    documents: int
    questions: int
    summaries: dict[str, EvalSummary]
    builds: dict[str, BuildStats]
    since: str | None = None  # only questions asked on or after this date
    finished: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "mode": self.mode,
            "index": self.index,
            "documents": self.documents,
            "questions": self.questions,
            "since": self.since,
            "finished": self.finished,
            "systems": {
                name: {
                    **summary.to_dict(),
                    "recall_curve": {
                        "sentence": summary.recall_curve("sentence"),
                        "article": summary.recall_curve("article"),
                    },
                    "by_type": summary.by_type(),
                    "outcomes": summary.outcomes(),
                    "build": {**vars(self.builds[name]), "per_second": round(self.builds[name].per_second, 1)},
                }
                for name, summary in self.summaries.items()
            },
        }
