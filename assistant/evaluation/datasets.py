"""Q&A datasets in three layouts, read into one shape: questions plus the articles they are about.

- the project's own JSONL: question, answers (empty = unanswerable), support_sentence,
  article_id, type, follow_up_of (the id of the previous turn of a conversation);
- SQuAD JSON (v1.1 layout; v2's `is_impossible` makes a question unanswerable): each
  paragraph becomes an article, and the support sentence is the one holding the answer;
- RealTimeQA JSONL: gold answer, `support` sentence and article, over the article pool
  `realtimeqa_dev_articles.jsonl.gz` (looked for in ../news/ beside the questions).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from assistant.ingest.loaders import Skipped, article_from_record, slugify
from assistant.ingest.sentences import split_sentences
from assistant.schema import Article

T = TypeVar("T")


@dataclass
class QAItem:
    id: str
    question: str
    answers: list[str]
    support_sentence: str | None = None
    article_id: str | None = None
    qtype: str = ""
    follow_up_of: str | None = None
    date: str | None = None  # when the question was asked (RealTimeQA; `as_of` in our sets)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_qa(path: str | Path) -> list[QAItem]:
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            items.append(
                QAItem(
                    id=str(row["id"]),
                    question=row["question"],
                    answers=list(row.get("answers") or []),
                    support_sentence=row.get("support_sentence"),
                    article_id=row.get("article_id"),
                    qtype=row.get("type", ""),
                    follow_up_of=row.get("follow_up_of"),
                    date=row.get("as_of") or None,  # the day a time-dependent question is asked
                )
            )
    return items


@dataclass
class QADataset:
    """Questions and, when the dataset brings them, the articles they are asked about."""

    name: str
    items: list[QAItem]
    documents: list[Article] = field(default_factory=list)


def _open_text(path: Path) -> Any:
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")


def load_dataset(path: str | Path) -> QADataset:
    """Read any supported layout, telling them apart by content."""
    path = Path(path)
    with _open_text(path) as handle:
        head = handle.read(4096).lstrip()
    if head.startswith("{") and '"data"' in head and '"paragraphs"' in head:
        return load_squad(path)
    with _open_text(path) as handle:
        first_line = next((line for line in handle if line.strip()), "{}")
    first = json.loads(first_line)
    if "question_id" in first and "support" in first:
        return load_realtimeqa(path)
    return QADataset(path.name.split(".")[0], load_qa(path))


def load_squad(path: str | Path) -> QADataset:
    """SQuAD v1.1/v2 JSON: one article per paragraph; the gold sentence is the one holding the answer."""
    path = Path(path)
    with _open_text(path) as handle:
        data = json.load(handle)
    items: list[QAItem] = []
    documents: list[Article] = []
    for topic in data["data"]:
        title = str(topic.get("title", "")).replace("_", " ")
        for number, paragraph in enumerate(topic["paragraphs"]):
            context = paragraph["context"]
            article_id = f"squad-{slugify(title, 50)}-{number}"
            documents.append(Article(id=article_id, text=context, title=title, source="Wikipedia"))
            sentences = split_sentences(context)
            for qa in paragraph["qas"]:
                impossible = bool(qa.get("is_impossible"))
                answers = [] if impossible else list(dict.fromkeys(a["text"] for a in qa["answers"]))
                start = None if impossible or not qa["answers"] else int(qa["answers"][0]["answer_start"])
                support = next((s.text for s in sentences if start is not None and s.start <= start < s.end), None)
                items.append(QAItem(str(qa["id"]), qa["question"], answers, support, article_id))
    return QADataset(path.name.split(".")[0], items, documents)


def load_realtimeqa(path: str | Path, pool: str | Path | None = None) -> QADataset:
    """RealTimeQA questions with their support sentences, and the article pool when it is found."""
    path = Path(path)
    items = []
    with _open_text(path) as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            support = row.get("support") or {}
            items.append(
                QAItem(
                    id=str(row["question_id"]),
                    question=row["question"],
                    answers=[row["answer"]] if row.get("answer") else [],
                    support_sentence=support.get("sentence"),
                    article_id=support.get("doc_id"),
                    date=str(row.get("question_date") or "").replace("/", "-") or None,
                )
            )
    pool_path = Path(pool) if pool else path.parent.parent / "news" / "realtimeqa_dev_articles.jsonl.gz"
    documents = []
    if pool_path.exists():
        with _open_text(pool_path) as handle:
            for number, line in enumerate(handle):
                made = article_from_record(json.loads(line), origin=f"{pool_path.name}:{number + 1}")
                if not isinstance(made, Skipped):
                    documents.append(made)
    return QADataset(path.name.split(".")[0], items, documents)


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
