"""The dated demo story and its time-dependent questions (eval/time_qa.jsonl) hold together:
answers in their support sentences, support sentences in their articles, and every question
asked on or after its article's date, or, for a refusal, before every article that answers it."""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from assistant.evaluation.datasets import load_qa
from assistant.ingest.loaders import Skipped, article_from_record
from assistant.ingest.sentences import split_sentences
from assistant.retrieval.temporal import resolve_time

REPO = Path(__file__).resolve().parents[2]
ARTICLES = REPO / "assistant" / "samples" / "dated_story_articles.jsonl"
QUESTIONS = REPO / "eval" / "time_qa.jsonl"
FIELDS = {"id", "title", "date", "source", "url", "category", "text"}


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ARTICLE_ROWS = _rows(ARTICLES)
BY_ID = {row["id"]: row for row in ARTICLE_ROWS}
QUESTION_ROWS = _rows(QUESTIONS)
ANSWERABLE = [row for row in QUESTION_ROWS if row["answers"]]
REFUSALS = [row for row in QUESTION_ROWS if not row["answers"]]


def _day(value: str) -> date:
    return date.fromisoformat(value)


def test_articles_are_well_formed_and_load() -> None:
    assert 5 <= len(ARTICLE_ROWS) <= 9
    assert len(BY_ID) == len(ARTICLE_ROWS)
    for row in ARTICLE_ROWS:
        assert set(row) == FIELDS, row["id"]
        assert row["url"] is None
        assert _day(row["date"]) < date(2026, 12, 1)
        assert 8 <= len(split_sentences(row["text"])) <= 15, row["id"]
        article = article_from_record(row, origin=f"{ARTICLES.name}:{row['id']}")
        assert not isinstance(article, Skipped), article
        assert article.id == row["id"] and article.date == row["date"]


def test_the_story_runs_over_several_days() -> None:
    originals = [row for row in ARTICLE_ROWS if row["source"] == "Velmouth Courier"]
    assert len(originals) >= 5
    assert len({row["date"] for row in originals}) == len(originals)


def test_syndicated_copies_are_near_duplicates_from_another_source() -> None:
    copies = [row for row in ARTICLE_ROWS if row["id"].endswith("-wire")]
    assert 1 <= len(copies) <= 2
    for copy in copies:
        original = BY_ID[copy["id"].removesuffix("-wire")]
        assert copy["source"] != original["source"]
        assert copy["text"] != original["text"]
        assert difflib.SequenceMatcher(None, copy["text"], original["text"]).ratio() > 0.85
        assert 0 <= (_day(copy["date"]) - _day(original["date"])).days <= 1


def test_questions_load_with_the_project_reader() -> None:
    items = load_qa(QUESTIONS)
    assert len(items) == len(QUESTION_ROWS) >= 24
    assert len({item.id for item in items}) == len(items)
    assert sum(not item.answerable for item in items) >= 4
    for row in QUESTION_ROWS:
        _day(row["as_of"])
        assert row["follow_up_of"] is None


@pytest.mark.parametrize("row", ANSWERABLE, ids=lambda row: row["id"])
def test_answers_are_grounded_and_published_by_as_of(row: dict) -> None:
    article = BY_ID[row["article_id"]]
    for answer in row["answers"]:
        assert answer in row["support_sentence"], answer
    assert row["support_sentence"] in article["text"]
    assert _day(article["date"]) <= _day(row["as_of"])
    # what the question says of time lets its own article through
    assert resolve_time(row["question"], _day(row["as_of"])).allows(article["date"]), row["question"]


@pytest.mark.parametrize("row", REFUSALS, ids=lambda row: row["id"])
def test_refusals_are_answered_only_after_as_of(row: dict) -> None:
    assert row["type"] == "unanswerable"
    assert row["support_sentence"] is None and row["article_id"] is None
    as_of = _day(row["as_of"])
    later = set(row["later_article_ids"])
    for answer in row["later_answers"]:
        holding = {a["id"] for a in ARTICLE_ROWS if answer in a["text"]}
        assert holding, answer
        assert holding <= later, f"{answer!r} is also in {holding - later}"
    for article_id in later:
        assert _day(BY_ID[article_id]["date"]) > as_of, article_id


def test_answers_change_with_as_of() -> None:
    asked: dict[str, list[dict]] = defaultdict(list)
    for row in ANSWERABLE:
        asked[row["question"]].append(row)
    changing = [rows for rows in asked.values() if len({tuple(r["answers"]) for r in rows}) >= 2]
    assert len(changing) >= 4
    for rows in changing:
        assert len({r["as_of"] for r in rows}) == len(rows)  # one answer per moment
