"""Corpus lists, deleting and sending questions in a real browser (Chromium + Playwright, real server).

Every list on the page (the article table, the "Article to delete" choices, the Sources filter)
shows the index as it is now, whoever changed it; deleting takes an explicit choice and a
confirmation that names the article; text typed while an answer streams is never touched, and
questions sent one after another are all answered, in order.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.server import test_browser as browser_tests
from tests.server.test_browser import ANSWER_TIMEOUT_MS, CHROMIUM, ask

browser = browser_tests.browser  # the same fixtures: one Chromium per module, a fresh context per test
page = browser_tests.page

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (make test installs it with apt as root)"
)

HARBOUR = {
    "id": "kessler-bridge-closure-154dc12b",
    "title": "Kessler bridge closure",
    "text": "The Kessler bridge closed on Monday for repairs. Engineers from Harwick found cracks in two piers.",
    "source": "Harbour Gazette",
    "date": "2026-01-12",
}


@pytest.fixture
def added(demo_server):
    """Articles a test adds (through the API or the page) are deleted afterwards."""
    before = {a.id for a in demo_server.assistant.articles()}
    yield
    for article in demo_server.assistant.articles():
        if article.id not in before:
            demo_server.assistant.delete(article.id)


def post_articles(demo_server, *records: dict) -> dict:
    response = httpx.post(f"{demo_server.url}/api/articles", json={"articles": list(records)}, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def open_corpus(tab) -> None:
    tab.get_by_role("tab", name="Corpus").click()
    tab.locator("#nqa-articles").wait_for()


def table_has(tab, text: str):
    return tab.locator("#nqa-articles").get_by_text(text, exact=True).filter(visible=True)


def delete_options(tab, typed: str):
    """The "Article to delete" choices matching `typed` (the dropdown is opened by typing)."""
    box = tab.locator("#nqa-delete-choice input")
    box.fill("")  # a change, so the choices open again for the same text
    box.fill(typed)
    return tab.get_by_role("option", name=re.compile(re.escape(typed), re.IGNORECASE))


def source_options(tab, typed: str):
    tab.get_by_role("tab", name="Chat").click()
    filters = tab.locator("#nqa-filters")
    if not tab.locator("#nqa-source-filter input").is_visible():
        filters.get_by_text("Filters").first.click()
    box = tab.locator("#nqa-source-filter input")
    box.fill("")  # a change, so the choices open again for the same text
    box.fill(typed)
    return tab.get_by_role("option", name=typed)


def test_articles_added_through_the_api_appear_in_every_list_after_a_reload(page, demo_server, added):
    post_articles(demo_server, HARBOUR)
    page.reload()
    page.locator("#nqa-question textarea").wait_for()

    expect(source_options(page, "Harbour Gazette")).to_have_count(1)
    page.keyboard.press("Escape")
    open_corpus(page)
    page.locator("#nqa-search input, #nqa-search textarea").first.fill("kessler")
    expect(table_has(page, "Kessler bridge closure")).to_have_count(1)
    expect(delete_options(page, "Kessler bridge")).to_have_count(1)


def test_a_new_tab_lists_articles_uploaded_in_another_tab(page, demo_server, added, tmp_path):
    article = tmp_path / "ferry-timetable.txt"
    article.write_text("Ferry timetable changes\n\nThe Orrin ferry runs hourly from March.", encoding="utf-8")
    open_corpus(page)
    page.locator("#nqa-upload input[type=file]").set_input_files(str(article))
    page.locator("#nqa-ingest").click()
    page.locator("#nqa-report").get_by_text("1 added").wait_for(timeout=ANSWER_TIMEOUT_MS)
    expect(delete_options(page, "ferry-timetable")).to_have_count(1)  # this tab, after its own ingest

    other = page.context.new_page()
    other.goto(f"{demo_server.url}/")
    other.locator("#nqa-question textarea").wait_for()
    open_corpus(other)
    other.locator("#nqa-search input, #nqa-search textarea").first.fill("ferry")
    expect(table_has(other, "Ferry timetable changes")).to_have_count(1)
    expect(delete_options(other, "ferry-timetable")).to_have_count(1)

    # Deleted in the first tab: the other one's lists lose it when its Corpus tab is opened again.
    page.keyboard.press("Escape")
    delete_options(page, "ferry-timetable").first.click()
    page.locator("#nqa-delete").click()
    page.locator("#nqa-delete-yes").click()
    expect(page.locator("#nqa-delete-status")).to_contain_text("Deleted", timeout=ANSWER_TIMEOUT_MS)
    other.keyboard.press("Escape")
    other.get_by_role("tab", name="Chat").click()
    open_corpus(other)
    expect(table_has(other, "Ferry timetable changes")).to_have_count(0)
    expect(delete_options(other, "ferry-timetable")).to_have_count(0)


def test_delete_needs_a_choice_and_a_confirmation_naming_the_article(page, demo_server, added):
    post_articles(demo_server, HARBOUR)
    count = len(demo_server.assistant.articles())
    page.reload()
    page.locator("#nqa-question textarea").wait_for()
    open_corpus(page)

    expect(page.locator("#nqa-delete-choice input")).to_have_value("")  # nothing chosen on a fresh page
    page.locator("#nqa-delete").click()
    expect(page.locator("#nqa-delete-status")).to_contain_text("Pick an article to delete first")
    page.wait_for_timeout(500)
    assert len(demo_server.assistant.articles()) == count

    delete_options(page, "Kessler bridge").first.click()
    page.locator("#nqa-delete").click()
    question = page.locator("#nqa-delete-question")
    expect(question).to_contain_text("Delete Kessler bridge closure (kessler-bridge-closure-154dc12b)?")
    expect(page.locator("#nqa-delete-yes")).to_have_text("Confirm delete Kessler bridge closure")
    assert demo_server.assistant.article(HARBOUR["id"]) is not None  # asked, not yet deleted

    page.locator("#nqa-delete-no").click()  # cancel: still there
    expect(page.locator("#nqa-delete-confirm")).to_be_hidden()
    assert demo_server.assistant.article(HARBOUR["id"]) is not None

    page.locator("#nqa-delete").click()
    page.locator("#nqa-delete-yes").click()
    status = page.locator("#nqa-delete-status")
    expect(status).to_have_text(
        "Deleted Kessler bridge closure (kessler-bridge-closure-154dc12b).", timeout=ANSWER_TIMEOUT_MS
    )
    expect(status.locator("code")).to_have_text("kessler-bridge-closure-154dc12b")  # no backslashes added
    assert demo_server.assistant.article(HARBOUR["id"]) is None
    expect(page.locator("#nqa-delete-confirm")).to_be_hidden()
    expect(page.locator("#nqa-delete-choice input")).to_have_value("")
    page.locator("#nqa-search input, #nqa-search textarea").first.fill("kessler")
    expect(table_has(page, "Kessler bridge closure")).to_have_count(0)
    expect(delete_options(page, "Kessler bridge")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(source_options(page, "Harbour Gazette")).to_have_count(0)


@pytest.fixture
def slow_stream(monkeypatch):
    """Answers stream slowly enough for a person (and the test) to type meanwhile."""
    from assistant.server import ui

    monkeypatch.setattr(ui, "STREAM_PAUSE_S", 0.25)


def test_text_typed_while_an_answer_streams_is_kept(page, slow_stream):
    box = page.locator("#nqa-question textarea")
    box.fill("Who mediated?")
    box.press("Enter")
    bot = page.locator("#nqa-chat [data-testid='bot']").first
    expect(bot).to_contain_text("Witkoff", timeout=ANSWER_TIMEOUT_MS)  # streaming has begun
    box.press_sequentially("How long did they last on Tuesday?", delay=40)
    page.locator("#nqa-sources .nqa-turn[data-turn='0']").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_timeout(500)
    expect(box).to_have_value("How long did they last on Tuesday?")
    expect(page.locator("#nqa-chat [data-testid='user']")).to_have_count(1)


def test_questions_sent_quickly_are_all_answered_in_order(page, slow_stream):
    questions = [
        "Who mediated?",
        "Where were the talks held?",
        "How long did they last on Tuesday?",
        "What is the boiling point of liquid nitrogen on Mars?",
    ]
    box = page.locator("#nqa-question textarea")
    for question in questions:
        box.fill(question)
        box.press("Enter")
        expect(box).to_have_value("")  # taken: the box is free for the next one
    expect(page.locator("#nqa-queued")).to_contain_text(questions[-1])  # waiting, and shown as waiting
    page.locator("#nqa-sources .nqa-turn[data-turn='3']").wait_for(timeout=ANSWER_TIMEOUT_MS * 2)
    users = page.locator("#nqa-chat [data-testid='user']")
    expect(users).to_have_count(4)
    for number, question in enumerate(questions):
        expect(users.nth(number)).to_contain_text(question)
    bots = page.locator("#nqa-chat [data-testid='bot']")
    expect(bots.nth(0)).to_contain_text("Witkoff")
    expect(bots.nth(1)).to_contain_text("Geneva")
    expect(bots.nth(2)).to_contain_text("six hours")
    expect(bots.nth(3)).to_contain_text("Not found")
    expect(page.locator("#nqa-queued")).not_to_contain_text("Waiting")


def test_sentence_numbers_agree_across_the_api_the_page_and_the_cli(page, demo_server):
    from assistant.cli import format_answer

    question = "How long did the talks last on Tuesday?"
    body = httpx.post(f"{demo_server.url}/api/ask", json={"question": question}, timeout=120).json()
    cited = body["citations"][0]
    assert cited["sentence_number"] == cited["sentence_index"] + 1  # index: 0-based, number: 1-based
    schema = httpx.get(f"{demo_server.url}/openapi.json", timeout=60).json()["components"]["schemas"]
    for model in ("CitationOut", "PassageOut"):
        fields = schema[model]["properties"]
        assert "0-based" in fields["sentence_index"]["description"]
        assert "1-based" in fields["sentence_number"]["description"]

    ask(page, question, 0)
    meta = page.locator("#cite-0-1 .nqa-meta")
    expect(meta).to_contain_text(f"{cited['article_id']} · sentence {cited['sentence_number']}")

    answer = demo_server.assistant.ask(question)
    assert answer.citations[0].sentence_number == cited["sentence_number"]
    assert f"{cited['article_id']}, sentence {cited['sentence_number']} " in format_answer(answer)
    assert answer.to_dict()["citations"][0]["sentence_number"] == cited["sentence_number"]  # CLI --json
