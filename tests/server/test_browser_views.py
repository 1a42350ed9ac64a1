"""The views a journalist keeps open all day, in a real browser (Chromium + Playwright, real server, real index).

The corpus overview and example questions on the first screen, the whole-article view (from a
citation and from a Corpus row), Copy as clean text with sources, filter chips, conversations kept
across reloads and exported as Markdown, the Corpus table's layout, order and pages, and one
ingest progress bar that counts the upload's articles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import synthetic_articles
from tests.server import test_browser as browser_tests
from tests.server import test_browser_corpus as corpus_tests
from tests.server.test_browser import ANSWER_TIMEOUT_MS, CHROMIUM, ask
from tests.server.test_browser_corpus import open_corpus, post_articles

browser = browser_tests.browser  # one Chromium per module, a fresh context per test
page = browser_tests.page
added = corpus_tests.added  # articles a test adds are deleted afterwards

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (make test installs it with apt as root)"
)

GENEVA_CITED = "The talks are being mediated by Witkoff and Jared Kushner"


def test_first_screen_says_what_is_indexed_and_offers_answerable_examples(page, demo_server):
    articles = demo_server.assistant.articles()
    overview = page.locator("#nqa-overview")
    expect(overview).to_contain_text(f"{len(articles)} articles indexed")
    newest = max((a for a in articles if a.date), key=lambda a: a.date)
    expect(overview).to_contain_text(f"newest: {newest.title} ({newest.date})")
    for source in {a.source for a in articles}:
        expect(overview).to_contain_text(source)

    examples = page.locator("#nqa-examples button")
    expect(examples.first).to_be_visible()
    assert 1 <= examples.count() <= 4
    first = examples.first.inner_text().strip().rstrip("…").rstrip(".")
    examples.first.click()  # asked at once, as if typed
    page.locator("#nqa-sources .nqa-turn[data-turn='0']").wait_for(timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator("#nqa-chat [data-testid='user']").first).to_contain_text(first[:30])
    expect(page.locator("#nqa-chat [data-testid='bot']").first).not_to_contain_text("Not found")
    expect(page.locator("#nqa-question textarea")).to_have_value("")


def test_an_empty_index_says_how_to_add_articles(browser, make_assistant):
    from tests.live_server import start_server

    server = start_server(make_assistant("empty"))
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    try:
        tab = context.new_page()
        tab.goto(f"{server.url}/")
        expect(tab.locator("#nqa-overview")).to_contain_text("The index is empty", timeout=ANSWER_TIMEOUT_MS)
        expect(tab.locator("#nqa-overview")).to_contain_text("assistant ingest PATH")
        expect(tab.locator("#nqa-examples")).to_be_hidden()
    finally:
        context.close()
        server.stop()


def test_a_citation_opens_the_whole_article_with_the_sentence_highlighted(page):
    ask(page, "Who mediated?", 0)
    source = page.locator("#cite-0-1")
    context = source.locator(".nqa-context")  # the sentence is a paragraph alone: its neighbours show too
    expect(context.locator("mark.nqa-cited")).to_have_text(re.compile(f"^{GENEVA_CITED}"))
    assert len(context.inner_text()) > len(context.locator("mark").inner_text()) + 100

    source.locator("button.nqa-open-article").click()
    dialog = page.locator("dialog.nqa-article")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text(re.compile("^Geneva peace talks end without progress"))
    expect(dialog).to_contain_text("2026-02-18 · Agency · geneva-peace-talks")
    mark = dialog.locator("mark.nqa-cited")
    expect(mark).to_have_count(1)
    expect(mark).to_have_text(re.compile(f"^{GENEVA_CITED}"))
    expect(mark).to_be_in_viewport()
    assert dialog.locator("p").count() > 20  # the whole article, not the sentence
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_a_corpus_row_opens_its_article(page):
    open_corpus(page)
    page.locator("#nqa-articles").get_by_text("Record storm floods Tallow River valley", exact=False).first.click()
    dialog = page.locator("dialog.nqa-article")
    expect(dialog.locator("h2")).to_have_text(re.compile("^Record storm floods Tallow River valley"))
    expect(dialog).to_contain_text("Northern Wire")
    expect(dialog.locator("mark")).to_have_count(0)  # nothing cited: nothing highlighted


def test_copy_gives_clean_text_with_numbered_sources(page, demo_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo_server.url)
    ask(page, "How long did the talks last on Tuesday?", 0)
    page.locator("#nqa-chat button[aria-label='Copy message']").last.click()
    page.wait_for_timeout(300)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "six hours" in copied
    assert "\\" not in copied and "**" not in copied and "#cite-" not in copied  # no Markdown left
    assert "[1]" in copied
    _, _, sources = copied.partition("\nSources:\n")
    assert sources, copied
    assert re.match(
        r"\[1\] Geneva peace talks end without progress.* — Agency, 2026-02-18 \(sentence \d+ of geneva", sources
    )


def test_active_filters_show_as_chips_and_a_refusal_names_them(page):
    chips = page.locator("#nqa-chips")
    expect(chips).not_to_contain_text("Filters on")
    page.locator("#nqa-filters").click()
    page.locator("#nqa-date-from input, #nqa-date-from textarea").first.fill("2026-03-01")
    page.locator("#nqa-filters").get_by_text("Filters").first.click()  # closed again: the chip still shows
    expect(chips).to_contain_text("from 2026-03-01")
    expect(page.locator("#nqa-clear-filters")).to_be_visible()

    refusal = ask(page, "Who mediated?", 0)
    expect(refusal).to_contain_text("Not found")
    expect(refusal).to_contain_text("2026-03-01")  # the refusal says a filter applied

    page.locator("#nqa-clear-filters").click()
    expect(chips).not_to_contain_text("Filters on")
    expect(ask(page, "Who mediated?", 1)).to_contain_text("Witkoff")


def test_a_reversed_date_range_is_rejected(page):
    page.locator("#nqa-filters").click()
    page.locator("#nqa-date-from input, #nqa-date-from textarea").first.fill("2026-03-01")
    page.locator("#nqa-date-to input, #nqa-date-to textarea").first.fill("2026-01-01")
    box = page.locator("#nqa-question textarea")
    box.fill("Who mediated?")
    box.press("Enter")
    expect(page.locator("#nqa-chat [data-testid='bot']").first).to_contain_text("From date", timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator("#nqa-chat [data-testid='bot']").first).not_to_contain_text("Not found")


def test_new_conversation_clears_the_filters(page):
    page.locator("#nqa-filters").click()
    page.locator("#nqa-date-to input, #nqa-date-to textarea").first.fill("2026-01-31")
    expect(page.locator("#nqa-chips")).to_contain_text("until 2026-01-31")
    page.locator("#nqa-new").click()
    expect(page.locator("#nqa-chips")).not_to_contain_text("Filters on")
    expect(page.locator("#nqa-date-to input, #nqa-date-to textarea").first).to_have_value("")


def test_conversations_come_back_after_a_reload_and_are_listed(page):
    ask(page, "Who mediated?", 0)
    ask(page, "Where were the talks held?", 1)
    page.reload()
    page.locator("#nqa-question textarea").wait_for()
    users = page.locator("#nqa-chat [data-testid='user']")
    expect(users).to_have_count(2, timeout=ANSWER_TIMEOUT_MS)
    expect(users.nth(0)).to_have_text("Who mediated?")
    expect(page.locator("#nqa-chat [data-testid='bot']").nth(0)).to_contain_text("Witkoff")
    expect(page.locator("#nqa-sources .nqa-turn[data-turn='1']")).to_contain_text("Where were the talks held?")
    page.locator("#nqa-chat [data-testid='bot']").nth(0).locator("a", has_text="[1]").click()
    expect(page.locator("#cite-0-1")).to_have_class(re.compile("nqa-active"))  # citations still open

    page.locator("#nqa-new").click()
    expect(users).to_have_count(0)
    ask(page, "What was the final score?", 0)
    page.reload()
    page.locator("#nqa-question textarea").wait_for()
    expect(users).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)  # the newest conversation is the one shown
    expect(users.first).to_have_text("What was the final score?")

    recent = page.locator("#nqa-recent input")
    recent.click()
    older = page.get_by_role("option", name=re.compile("Who mediated\\?"))
    expect(older).to_have_count(1)
    older.click()
    expect(users).to_have_count(2, timeout=ANSWER_TIMEOUT_MS)
    expect(users.nth(1)).to_have_text("Where were the talks held?")


def test_export_gives_the_conversation_as_markdown_with_sources(page):
    ask(page, "Who mediated?", 0)
    ask(page, "Where were the talks held?", 1)
    with page.expect_download() as download_info:
        page.locator("#nqa-export").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".md")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("# Who mediated?")
    assert "## 1. Who mediated?" in text and "## 2. Where were the talks held?" in text
    assert "Witkoff and Jared Kushner" in text and "Geneva" in text
    assert re.search(r"^- \[1\] Geneva peace talks end without progress.*Agency, 2026-02-18", text, re.MULTILINE)
    assert "\\-" not in text and "#cite-" not in text


def test_export_with_nothing_asked_says_so(page):
    page.locator("#nqa-export").click()
    expect(page.get_by_text("Nothing to export yet")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)


@contextmanager
def corpus_tab(browser, url: str, width: int, height: int) -> Iterator:
    """A fresh page of the app at this window size, on its Corpus tab."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        tab = context.new_page()
        tab.goto(f"{url}/")
        tab.locator("#nqa-question textarea").wait_for()
        open_corpus(tab)
        yield tab
    finally:
        context.close()


def header_boxes(tab) -> dict[str, dict]:
    """The Corpus table's visible column headers and where they are drawn."""
    return tab.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('#nqa-articles th'))
                 .filter((th) => th.offsetParent !== null)
                 .map((th) => [th.innerText.trim(), th.getBoundingClientRect().toJSON()]))"""
    )


def test_the_corpus_table_fits_is_newest_first_and_paged(browser, demo_server, added):
    post_articles(demo_server, *synthetic_articles(30, seed=11))
    total = len(demo_server.assistant.articles())
    with corpus_tab(browser, demo_server.url, 1400, 950) as tab:
        expect(tab.locator("#nqa-count")).to_contain_text(f"{total} articles · 1–25 shown · page 1 of 2")
        headers = header_boxes(tab)
        for name in ("title", "date", "source", "sentences", "id"):
            box = headers[name]
            assert box["right"] <= 1400, f"{name} is off-screen: {box}"
            assert box["height"] < 60, f"the {name} header wraps: {box}"
        dates = [d for d in _column(tab, 1) if d]
        assert dates == sorted(dates, reverse=True) and dates[0] == "2026-03-05"  # newest first
        tab.locator("#nqa-page-next").click()
        expect(tab.locator("#nqa-count")).to_contain_text(f"26–{total} shown · page 2 of 2")
        tab.locator("#nqa-page-prev").click()
        expect(tab.locator("#nqa-count")).to_contain_text("page 1 of 2")


def _column(tab, index: int) -> list[str]:
    tab.wait_for_timeout(300)
    return tab.evaluate(
        """(i) => Array.from(document.querySelectorAll('#nqa-articles [role=row]'))
                 .map((row) => (row.querySelectorAll('[role=gridcell]')[i] || {}).innerText || '')
                 .map((t) => t.trim())""",
        index,
    )


def test_one_progress_bar_counts_the_uploads_articles(page, added, tmp_path):
    records = synthetic_articles(250, seed=23)
    upload = tmp_path / "batch.jsonl"
    upload.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    open_corpus(page)
    page.locator("#nqa-upload input[type=file]").set_input_files(str(upload))
    page.locator("#nqa-ingest").click()
    seen: list[list[str]] = []
    report = page.locator("#nqa-report")
    for _ in range(600):
        texts = page.evaluate(
            """() => Array.from(document.querySelectorAll('.progress-text, .progress-level-inner, .meta-text'))
                     .filter((el) => el.offsetParent !== null).map((el) => el.innerText.trim())"""
        )
        seen.append(texts)
        if "250 added" in report.inner_text():
            break
        page.wait_for_timeout(100)
    expect(report).to_contain_text("250 added", timeout=ANSWER_TIMEOUT_MS)
    shown = [t for texts in seen for t in texts if t]
    assert any(re.search(r"\b\d+/250\b", t) for t in shown), shown
    assert not any(re.search(r"Batches|steps", t) for t in shown), shown
    assert max(sum("Ingesting" in t for t in texts) for texts in seen) <= 1  # one bar at a time


def test_the_footer_links_the_http_api_docs(page, demo_server):
    expect(page.get_by_text("Use via API")).to_have_count(0)
    link = page.locator("#nqa-api-link a")
    expect(link).to_have_attribute("href", "docs")  # relative: the app may live below a path
    with page.context.expect_page() as opened:
        link.click()
    expect(opened.value.get_by_text("/api/ask").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    assert httpx.get(f"{demo_server.url}/docs", timeout=30).status_code == 200


def test_follow_ups_read_as_questions_and_never_carry_another_language(page):
    ask(page, "Where were the talks held?", 0)
    follow_up = ask(page, "Who mediated them?", 1)
    expect(follow_up).to_contain_text("Witkoff")
    expect(follow_up).to_contain_text("Understood as: Who mediated the talks?")
    expect(follow_up).not_to_contain_text("talks held")  # no keyword soup

    expect(ask(page, "Хто був посередником на переговорах?", 2)).to_contain_text("English")
    later = ask(page, "How long did they last on Tuesday?", 3)
    expect(later).to_contain_text("six hours")
    expect(later).not_to_contain_text("Хто")
    expect(later).not_to_contain_text("посередником")


def test_the_corpus_table_reads_on_a_phone(browser, demo_server):
    with corpus_tab(browser, demo_server.url, 390, 844) as tab:
        headers = header_boxes(tab)
        assert set(headers) == {"title", "date", "source"}  # the rest is in the article view
        for name, box in headers.items():
            assert box["right"] <= 390 and box["height"] < 60, f"{name}: {box}"
        dates = [d for d in _column(tab, 1) if d]
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.replace("\n", "")) for d in dates), dates


def test_a_conversation_survives_a_restart_of_the_app(browser, make_assistant):
    from assistant.config import DEMO_CORPUS
    from tests.live_server import start_server

    assistant = make_assistant("restart")
    assistant.ingest([DEMO_CORPUS])
    server = start_server(assistant)
    port = int(server.url.rsplit(":", 1)[1])
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    try:
        tab = context.new_page()
        tab.goto(f"{server.url}/")
        tab.locator("#nqa-question textarea").wait_for()
        ask(tab, "Who mediated?", 0)
        server.stop()
        server = start_server(assistant, port=port)  # a new app process would do the same: same index, same port
        tab.reload()
        tab.locator("#nqa-question textarea").wait_for()
        expect(tab.locator("#nqa-chat [data-testid='user']")).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
        expect(tab.locator("#nqa-chat [data-testid='bot']").first).to_contain_text("Witkoff")
        expect(tab.locator("#nqa-sources #cite-0-1")).to_contain_text("Geneva peace talks")
    finally:
        context.close()
        server.stop()


def test_plain_text_uploads_keep_headline_dateline_and_encoding(page, added, tmp_path):
    story = tmp_path / "cup-final.txt"
    story.write_text(
        "Rovers lift the cup after extra time\n\n"
        "LAKEPORT, April 2 (Valley Post) — Ridgeway Rovers beat Harwick 2-1 after extra time on Saturday.\n"
        "The winning goal came in the 108th minute.",
        encoding="utf-8",
    )
    western = tmp_path / "cafe.txt"
    western.write_bytes("Café owners say “prices” rose\n\nThe Orrin café raised its prices by 10%.".encode("cp1252"))
    open_corpus(page)
    page.locator("#nqa-upload input[type=file]").set_input_files([str(story), str(western)])
    page.locator("#nqa-ingest").click()
    report = page.locator("#nqa-report")
    expect(report).to_contain_text("2 added", timeout=ANSWER_TIMEOUT_MS)
    expect(report).to_contain_text("cafe.txt: read as windows-1252 (not UTF-8)")
    page.locator("#nqa-search input, #nqa-search textarea").first.fill("Valley Post")
    table = page.locator("#nqa-articles")
    expect(table.get_by_text("Rovers lift the cup after extra time", exact=True).filter(visible=True)).to_have_count(1)
    expect(table.get_by_text("Valley Post", exact=True).filter(visible=True)).to_have_count(1)
    expect(table.get_by_text(re.compile(r"^\d{4}-04-02$")).filter(visible=True)).to_have_count(1)
    page.locator("#nqa-search input, #nqa-search textarea").first.fill("Café")
    expect(table.get_by_text("Café owners say “prices” rose", exact=True).filter(visible=True)).to_have_count(1)
