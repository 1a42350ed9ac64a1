"""Answering as of a day, with the real model over a real on-disk index of the demo corpus and the dated story."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date

import pytest

from assistant.config import PROJECT_ROOT
from assistant.errors import FilterError
from assistant.retrieval.as_of import prefer_in_time, stale_note, within_window
from assistant.retrieval.temporal import resolve_time
from assistant.schema import Passage, SearchFilters
from tests.conftest import open_demo_and_dated_story

TIME_QA = PROJECT_ROOT / "eval" / "time_qa.jsonl"
DEMO_QA = PROJECT_ROOT / "eval" / "demo_qa.jsonl"
STRIKERS = "How many workers are on strike at the Port of Velmouth?"


@pytest.fixture(scope="module")
def dated(tmp_path_factory, embedder):
    yield from open_demo_and_dated_story(tmp_path_factory, embedder, "dated")


def _dates(assistant) -> dict[str, str | None]:
    return {row.id: row.date for row in assistant.articles()}


def test_the_same_question_on_two_days_cites_the_article_right_for_each(dated):
    early = dated.ask(STRIKERS, as_of="2026-10-06")
    later = dated.ask(STRIKERS, as_of="2026-10-14")
    assert early.citations[0].article_id == "velmouth-strike-begins" and "1,200" in early.citations[0].sentence
    assert later.citations[0].article_id.startswith("velmouth-strike-escalates")
    assert "3,400" in later.citations[0].sentence
    assert early.as_of == "2026-10-06" and later.as_of == "2026-10-14"


def test_a_latest_question_gets_the_newest_strong_sentence(dated):
    answer = dated.ask("How many ships are waiting outside Velmouth now?", as_of="2026-10-20")
    assert "38" in answer.citations[0].sentence  # not the 31 of 10-08, which the reader scores higher


def test_no_citation_is_ever_from_an_article_dated_after_as_of(dated):
    dates = _dates(dated)
    asked = 0
    for line in TIME_QA.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        answer, passages = dated.ask_ranked(item["question"], as_of=item["as_of"], k=30)
        for article_id in [c.article_id for c in answer.citations] + [p.article_id for p in passages]:
            assert (dates[article_id] or "") <= item["as_of"], (item["id"], article_id)
        asked += 1
    for line in DEMO_QA.read_text(encoding="utf-8").splitlines()[:40]:  # demo articles span 2025-2026
        item = json.loads(line)
        answer, passages = dated.ask_ranked(item["question"], as_of="2026-01-15", k=30)
        assert all((dates[p.article_id] or "") <= "2026-01-15" for p in passages), item["id"]
        asked += 1
    assert asked >= 70


def test_questions_whose_only_answer_is_later_are_refused(dated):
    answer = dated.ask("What did the deal give the workers?", as_of="2026-10-10")
    assert all(c.article_id != "velmouth-deal-reached" for c in answer.citations)


def test_an_as_of_before_every_article_says_nothing_is_that_old(dated):
    answer = dated.ask("Who mediated?", as_of="1999-01-01")
    assert answer.refused and "No indexed article is dated on or before 1999-01-01" in answer.text


def test_an_old_answer_says_when_it_was_reported(dated):
    answer = dated.ask("Who mediated?", as_of="2026-12-01")
    assert answer.citations[0].article_id == "geneva-peace-talks"
    assert answer.reported == "reported 2026-02-18"
    assert dated.ask("Who mediated?", as_of=None).reported is None  # no as-of day, nothing to compare


def test_as_of_none_reproduces_the_timeless_answer(dated):
    assert dated.ask(STRIKERS, as_of=None).citations[0].article_id.startswith("velmouth-strike-escalates")


@pytest.mark.parametrize("bad", ["yesterday-ish", "2026-13-01", "31/12/2026", 42.5])
def test_an_unparsable_as_of_is_a_filter_error(dated, bad):
    with pytest.raises(FilterError, match="as_of"):
        dated.ask(STRIKERS, as_of=bad)


def test_the_api_refuses_a_bad_as_of_with_422_and_honours_a_good_one(dated):
    from fastapi.testclient import TestClient

    from assistant.server import create_app

    with TestClient(create_app(dated)) as client:
        bad = client.post("/api/ask", json={"question": STRIKERS, "as_of": "soon"})
        assert bad.status_code == 422 and "as_of" in json.dumps(bad.json())
        good = client.post("/api/ask", json={"question": STRIKERS, "as_of": "2026-10-06"}).json()
        assert good["as_of"] == "2026-10-06" and good["citations"][0]["article_id"] == "velmouth-strike-begins"
        passages = client.post("/api/retrieve", json={"question": STRIKERS, "as_of": "2026-10-06", "k": 20}).json()
        assert all(p["date"] <= "2026-10-06" for p in passages["passages"] if p["date"])


def test_the_cli_exits_2_on_a_bad_as_of(capsys):
    from assistant.cli import main

    assert main(["ask", "--as-of", "next week", STRIKERS]) == 2
    assert "--as-of must be a date" in capsys.readouterr().err


# --- the logic around the model, with made-up passages ------------------------------------
def _passage(article: str, day: str | None, score: float) -> Passage:
    return Passage(article, 0, f"{article} says", 0, 10, article, day, "", "", "", score)


def test_prefer_in_time_promotes_only_strong_candidates():
    scope = resolve_time("How many ships are waiting now?", date(2026, 10, 20))
    passages = [
        _passage("old", "2026-10-08", 0.7),
        _passage("new", "2026-10-19", 0.4),
        _passage("newest", "2026-10-20", 0.1),
    ]
    assert [p.article_id for p in prefer_in_time(passages, scope, floor=0.12)] == ["new", "old", "newest"]
    timeless = resolve_time("How many ships are waiting?", date(2026, 10, 20))
    assert prefer_in_time(passages, timeless, floor=0.12) == passages
    assert prefer_in_time(passages, scope, floor=0.5) == passages  # below the refusal threshold: never promoted


def test_a_stated_window_narrows_the_filters_and_keeps_the_users():
    scope = resolve_time("What happened this week?", date(2026, 10, 14))  # a Wednesday
    narrowed = within_window(SearchFilters(sources=("Agency",), as_of="2026-10-14"), scope)
    assert narrowed is not None and narrowed.sources == ("Agency",)
    assert (narrowed.date_from, narrowed.date_to) == ("2026-10-12", "2026-10-14")
    assert within_window(SearchFilters(date_to="2026-01-01"), scope) is None  # can't meet: no window
    assert within_window(SearchFilters(), resolve_time("Who won?", date(2026, 10, 14))) is None


def test_a_stated_window_filters_by_default_and_only_weighs_when_set_to(dated):
    question, day = "How many workers are on strike at the Port of Velmouth this week?", "2026-10-14"
    filtered = dated.candidates(question, as_of=day)
    assert filtered.passages and all((p.date or "")[:10] >= "2026-10-12" for p in filtered.passages)
    weighing = copy.copy(dated)
    weighing.settings = replace(dated.settings, stated_windows="weigh")
    weighed = weighing.candidates(question, as_of=day)
    inside = [p for p in weighed.passages if p.scores.get("in_window")]
    earlier = [p for p in weighed.passages if p.date and p.date[:10] < "2026-10-12"]
    assert inside and earlier  # last week's articles are read too, the window's weighed up
    assert all(p.date[:10] >= "2026-10-12" for p in inside)
    assert all(p.date[:10] <= day for p in weighed.passages if p.date)  # never the future
    answer = weighing.ask(question, as_of=day)
    assert "3,400" in answer.citations[0].sentence  # this week's count, not the week before's 2,100


def test_stale_note_only_for_old_articles():
    assert stale_note("2026-10-01", date(2026, 10, 20)) is None
    assert stale_note("2023-05-02", date(2026, 10, 20)) == "reported 2023-05-02"
    assert stale_note(None, date(2026, 10, 20)) is None
