"""`assistant eval`: one dataset, one mode, several systems side by side, optionally a report.

Modes:
- open: every document of the dataset is indexed once (a real Chroma index on disk,
  reused by later runs) and each question goes through full retrieval;
- reader: each question may read only its own gold article/paragraph (a filter on
  the same index), so the answer step is measured on its own. Questions without a
  gold article (e.g. unanswerables of the project's set) read the whole corpus.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from assistant.articles import slugify
from assistant.evaluation.datasets import QADataset, QAItem, load_dataset
from assistant.evaluation.runner import EvalSummary, evaluate, reader_filters
from assistant.evaluation.systems import (
    AssistantSystem,
    BM25System,
    BuildStats,
    LlamaIndexDefaultSystem,
    QASystem,
)
from assistant.schema import Article

SYSTEM_NAMES = ("ours", "heuristic", "llama-index", "bm25")
DEFAULT_SYSTEMS = ("ours", "llama-index", "bm25")
MODES = ("open", "reader")
T = TypeVar("T")


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
                    "build": {**vars(self.builds[name]), "per_second": round(self.builds[name].per_second, 1)},
                }
                for name, summary in self.summaries.items()
            },
        }


def spread(items: list[T], limit: int | None) -> list[T]:
    """`limit` items evenly spaced over the set (every topic represented), in order."""
    if not limit or limit >= len(items):
        return list(items)
    if limit < 1:
        raise ValueError("--limit must be at least 1")
    step = len(items) / limit
    return [items[int(n * step)] for n in range(limit)]


def check_since(since: str | None) -> None:
    """Refuse a --since that is not a YYYY-MM-DD date, before anything heavy is loaded."""
    if not since:
        return
    try:
        dt.date.fromisoformat(since)
    except ValueError as exc:
        raise ValueError(f"--since must be a date like 2024-01-01, not {since!r}") from exc


def asked_since(items: list[QAItem], since: str | None) -> list[QAItem]:
    """Questions dated on or after `since` (YYYY-MM-DD): e.g. only those newer than any training data."""
    if not since:
        return list(items)
    check_since(since)
    kept = [item for item in items if item.date and item.date >= since]
    if not kept:
        raise ValueError(f"no question in this set is dated {since} or later")
    return kept


def stored_documents(assistant: Any) -> list[Article]:
    """The articles already in an index, for datasets that bring no documents of their own."""
    stored = (assistant.article(row.id) for row in assistant.index.articles())  # listings leave the text out
    return [
        Article(id=a.id, text=a.text, title=a.title, date=a.date, source=a.source, url=a.url, category=a.category)
        for a in stored
        if a is not None
    ]


def check_systems(names: Sequence[str]) -> None:
    """Refuse unknown or missing system names before anything heavy is loaded."""
    unknown = sorted(set(names) - set(SYSTEM_NAMES)) or ([] if names else ["(none)"])
    if unknown:
        raise ValueError(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEM_NAMES)}")


def make_systems(names: Sequence[str], assistant: Any) -> list[QASystem]:
    check_systems(names)
    made: dict[str, QASystem] = {}
    for name in names:
        if name == "ours":
            made[name] = AssistantSystem(assistant)
        elif name == "heuristic":
            made[name] = AssistantSystem(assistant.with_answerer("heuristic"), name="heuristic")
        elif name == "bm25":
            made[name] = BM25System(assistant)
        else:
            folder = assistant.settings.index_path / "baseline-llama-index"
            made[name] = LlamaIndexDefaultSystem(assistant.embedder, folder)
    return list(made.values())


def run_evaluation(
    dataset: QADataset | str | Path,
    mode: str = "open",
    limit: int | None = None,
    systems: Sequence[str] = DEFAULT_SYSTEMS,
    assistant: Any = None,
    index: str | None = None,
    index_dir: str | Path | None = None,
    chroma_url: str | None = None,
    report_dir: str | Path | None = None,
    progress: bool = True,
    since: str | None = None,
) -> EvalRun:
    """Index the dataset's documents for each system, ask every (selected) question, report."""
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
