"""Run a Q&A set through an assistant and summarise citations, short answers, refusals, latency."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.evaluation.datasets import QAItem
from assistant.evaluation.metrics import answer_hit, exact_match, f1_score


@dataclass
class ItemResult:
    id: str
    question: str
    answerable: bool
    refused: bool
    top_score: float
    first_citation_gold: bool
    any_citation_gold: bool
    short_answer: str | None
    em: float
    f1: float
    hit: bool
    seconds: float
    qtype: str = ""


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
    items: list[ItemResult] = field(default_factory=list, repr=False)

    def to_dict(self, with_items: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not with_items:
            data.pop("items")
        return data


def history_for(item: QAItem, by_id: dict[str, QAItem]) -> list[str]:
    """Earlier user turns of the conversation this item belongs to, oldest first."""
    chain: list[str] = []
    current = item.follow_up_of
    while current and current in by_id:
        chain.append(by_id[current].question)
        current = by_id[current].follow_up_of
    return list(reversed(chain))


def evaluate(assistant: Any, items: Iterable[QAItem], progress: bool = False) -> EvalSummary:
    from tqdm.auto import tqdm

    items = list(items)
    by_id = {item.id: item for item in items}
    results = []
    for item in tqdm(items, desc="Evaluating", disable=not progress):
        started = time.perf_counter()
        answer = assistant.ask(item.question, history=history_for(item, by_id))
        seconds = time.perf_counter() - started
        cited = [c.sentence.strip() for c in answer.citations]
        gold = (item.support_sentence or "").strip()
        top = answer.citations[0].score if answer.citations else (answer.nearest[0].score if answer.nearest else 0.0)
        results.append(
            ItemResult(
                id=item.id,
                question=item.question,
                answerable=item.answerable,
                refused=answer.refused,
                top_score=top,
                first_citation_gold=bool(cited) and bool(gold) and cited[0] == gold,
                any_citation_gold=bool(gold) and gold in cited,
                short_answer=answer.short_answer,
                em=exact_match(answer.short_answer, item.answers) if item.answerable else 0.0,
                f1=f1_score(answer.short_answer, item.answers) if item.answerable else 0.0,
                hit=(not answer.refused) and answer_hit(answer.text, item.answers),
                seconds=seconds,
                qtype=item.qtype,
            )
        )
    return summarise(results)


def summarise(results: list[ItemResult]) -> EvalSummary:
    import numpy as np

    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    refused = [r for r in results if r.refused]

    def share(rows: list[ItemResult], key: str) -> float:
        return round(sum(float(getattr(r, key)) for r in rows) / len(rows), 4) if rows else 0.0

    correct_refusals = sum(1 for r in unanswerable if r.refused)
    latencies = [r.seconds * 1000 for r in results] or [0.0]
    return EvalSummary(
        questions=len(results),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        first_citation_gold=share(answerable, "first_citation_gold"),
        any_citation_gold=share(answerable, "any_citation_gold"),
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
        items=results,
    )
