"""Run Q&A items through the systems compared and score each answer.

Modes:
- open: every document of the dataset is indexed once (a real Chroma index on disk,
  reused by later runs) and each question goes through full retrieval;
- reader: each question may read only its own gold article/paragraph (a filter on
  the same index), so the answer step is measured on its own. Questions without a
  gold article (e.g. unanswerables of the project's set) read the whole corpus.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.dates import NO_LIMIT, parse_date
from assistant.evaluation.datasets import QADataset, QAItem, asked_since, load_dataset, spread
from assistant.evaluation.metrics import (
    answer_hit,
    contains_sentence,
    exact_match,
    f1_score,
    first_rank,
    reworded_sentence,
)
from assistant.evaluation.results import EvalRun, EvalSummary, ItemResult, summarise
from assistant.evaluation.systems import DEFAULT_SYSTEMS, AssistantSystem, QASystem, SystemOutput, Unit, make_systems
from assistant.ingest.loaders import slugify
from assistant.retrieval.question import question_type
from assistant.schema import Article, SearchFilters

if TYPE_CHECKING:
    from assistant.assistant import Assistant

MODES = ("open", "reader")
AS_OF_QUESTION = "question"


def as_of_for(item: QAItem, as_of: str) -> str | None:
    """The day `item` is asked as of under the run's `as_of` choice (see `evaluate`); None: no limit."""
    if as_of == AS_OF_QUESTION:
        return parse_date(item.date) if item.date else None
    if as_of == NO_LIMIT:
        return None
    return parse_date(as_of)


def history_for(item: QAItem, by_id: dict[str, QAItem]) -> list[str]:
    """Earlier user turns of the conversation this item belongs to, oldest first."""
    chain: list[str] = []
    current = item.follow_up_of
    while current and current in by_id:
        chain.append(by_id[current].question)
        current = by_id[current].follow_up_of
    return list(reversed(chain))


def reader_filters(item: QAItem) -> SearchFilters:
    """Reader mode: only the question's own article may be read (all of them when it has none)."""
    return SearchFilters(article_ids=(item.article_id,)) if item.article_id else SearchFilters()


def evaluate(
    system: QASystem | Assistant,
    items: Iterable[QAItem],
    progress: bool = False,
    filters_for: Callable[[QAItem], SearchFilters] | None = None,
    context: Iterable[QAItem] | None = None,
    as_of: str = AS_OF_QUESTION,
) -> EvalSummary:
    """Ask every item; `context` holds the earlier turns of follow-ups (defaults to `items`).

    `as_of`: "question" asks each dated question as of its own day (RealTimeQA's question
    date, `as_of` in our sets) and undated ones with no time limit; "none" asks every
    question with no time limit (the behaviour before dates counted); a YYYY-MM-DD day
    asks every question as of that day.
    """
    from tqdm.auto import tqdm

    if not isinstance(system, QASystem):
        system = AssistantSystem(system)
    items = list(items)
    by_id = {item.id: item for item in (list(context) if context is not None else items)}
    results = []
    for item in tqdm(items, desc=f"Evaluating {system.name}", unit=" questions", disable=not progress):
        filters = filters_for(item) if filters_for else SearchFilters()
        filters = replace(filters, as_of=as_of_for(item, as_of))
        started = time.perf_counter()
        output = system.answer(item.question, history_for(item, by_id), filters)
        elapsed = time.perf_counter() - started
        results.append(score_item(item, output, elapsed if output.seconds is None else output.seconds))
    return summarise(results)


def score_item(item: QAItem, output: SystemOutput, seconds: float) -> ItemResult:
    """Score one answer. A story's copies folded into one cited or ranked unit (`Unit.copies`)
    count as that unit's article: the gold article found as a copy is found, and its gold
    sentence is found as that copy tells it (`reworded_sentence`)."""
    gold = (item.support_sentence or "").strip()
    answered = item.answerable and not output.refused
    cited = output.cited if not output.refused else []

    def holds_gold(unit: Unit) -> bool:
        if not gold:
            return False
        if unit.article_id != item.article_id and unit.is_from(item.article_id):  # a copy of the gold article
            return reworded_sentence(unit.text, gold)
        return contains_sentence(unit.text, gold)

    def supports(unit: Unit) -> bool:
        return answer_hit(unit.text, item.answers) or holds_gold(unit)

    articles: dict[str, Unit] = {}  # each ranked article once, where it first ranks
    for unit in output.ranked:
        articles.setdefault(unit.article_id, unit)
    return ItemResult(
        id=item.id,
        question=item.question,
        answerable=item.answerable,
        refused=output.refused,
        top_score=output.top_score,
        first_citation_gold=bool(cited) and holds_gold(cited[0]),
        any_citation_gold=any(holds_gold(c) for c in cited),
        short_answer=output.short_answer,
        em=exact_match(output.short_answer or output.text, item.answers) if answered else 0.0,
        f1=f1_score(output.short_answer or output.text, item.answers) if answered else 0.0,
        hit=answered and answer_hit(output.text, item.answers),
        seconds=seconds,
        qtype=item.qtype or question_type(item.question),
        first_citation_hit=answered and bool(cited) and answer_hit(cited[0].text, item.answers),
        citation_precision=(sum(supports(c) for c in cited) / len(cited)) if answered and cited else None,
        sentence_rank=first_rank([holds_gold(u) for u in output.ranked]) if gold else None,
        article_rank=first_rank([u.is_from(item.article_id) for u in articles.values()]) if item.article_id else None,
        first_citation_article=bool(cited) and cited[0].is_from(item.article_id),
        has_support=item.answerable and bool(gold),
        has_article=item.answerable and bool(item.article_id),
        answer_words=len(output.text.split()) if not output.refused else 0,
        top_correct=item.answerable and any(answer_hit(u.text, item.answers) for u in (cited or output.ranked)[:1]),
        later_citation_hit=answered and any(answer_hit(c.text, item.answers) for c in cited[1:]),
    )


def stored_documents(assistant: Assistant) -> list[Article]:
    """The articles already in an index, for datasets that bring no documents of their own."""
    stored = (assistant.article(row.id) for row in assistant.articles())  # listings leave the text out
    return [
        Article(id=a.id, text=a.text, title=a.title, date=a.date, source=a.source, url=a.url, category=a.category)
        for a in stored
        if a is not None
    ]


def run_evaluation(
    dataset: QADataset | str | Path,
    mode: str = "open",
    limit: int | None = None,
    systems: Sequence[str] = DEFAULT_SYSTEMS,
    assistant: Assistant | None = None,
    index: str | None = None,
    index_dir: str | Path | None = None,
    chroma_url: str | None = None,
    report_dir: str | Path | None = None,
    progress: bool = True,
    since: str | None = None,
    as_of: str = AS_OF_QUESTION,
) -> EvalRun:
    """Index the dataset's documents for each system, ask every (selected) question, report.

    `as_of` is the as-of day of every question (see `evaluate`).
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose from {', '.join(MODES)}")
    data = dataset if isinstance(dataset, QADataset) else load_dataset(dataset)
    if assistant is None:
        from assistant import Assistant

        name = index or (f"eval-{slugify(data.name, 40)}" if data.documents else None)
        assistant = Assistant.open(index=name, index_dir=index_dir, chroma_url=chroma_url)
    documents = data.documents or stored_documents(assistant)
    if not documents:
        raise ValueError(
            f"{data.name} brings no articles and index {assistant.settings.index_name!r} is empty: "
            "ingest the corpus first (e.g. `assistant demo`)"
        )
    items = spread(asked_since(data.items, since), limit)
    chosen = make_systems(systems, assistant)
    summaries, builds = {}, {}
    for system in chosen:
        # Our index already holds a corpus that came from it; the baselines build their own.
        own = data.documents if isinstance(system, AssistantSystem) else documents
        builds[system.name] = system.build(own, progress=progress)
    for system in chosen:
        summaries[system.name] = evaluate(
            system,
            items,
            progress=progress,
            filters_for=reader_filters if mode == "reader" else None,
            context=data.items,
            as_of=as_of,
        )
    run = EvalRun(
        dataset=data.name,
        mode=mode,
        index=assistant.settings.index_name,
        documents=len(documents),
        questions=len(items),
        summaries=summaries,
        builds=builds,
        since=since,
    )
    if report_dir is not None:
        from assistant.evaluation.report import write_report

        write_report(run, Path(report_dir))
    return run
