"""The chat in a real browser (Debian's Chromium driven by Playwright) against the real server.

Skipped, with the reason printed, only when /usr/bin/chromium is missing
(`make test` installs it with apt when it runs as root).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"
ANSWER_TIMEOUT_MS = 60_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (make test installs it with apt as root)"
)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, demo_server):
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    tab = context.new_page()
    tab.dialogs = []  # any alert()/confirm() would mean injected script ran
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    tab.goto(f"{demo_server.url}/")  # not "networkidle": Gradio keeps a connection open
    tab.locator("#nqa-question textarea").wait_for()
    yield tab
    context.close()


def ask(page, question: str, turn: int):
    """Type a question and wait until its answer has finished streaming; return the answer's locator."""
    box = page.locator("#nqa-question textarea")
    box.fill(question)
    box.press("Enter")
    page.locator(f"#nqa-sources .nqa-turn[data-turn='{turn}']").wait_for(timeout=ANSWER_TIMEOUT_MS)
    return page.locator("#nqa-chat [data-testid='bot']").nth(turn)


def test_ask_open_citation_and_follow_up(page):
    answer = ask(page, "Who mediated?", 0)
    expect(answer).to_contain_text("Witkoff")
    expect(answer).to_contain_text("Kushner")

    page.locator("#nqa-chat [data-testid='bot'] a", has_text="[1]").first.click()
    active = page.locator("#nqa-sources .nqa-source.nqa-active")
    expect(active).to_have_id("cite-0-1")
    highlighted = active.locator("mark.nqa-cited")
    expect(highlighted).to_be_visible()
    expect(highlighted).to_have_text(re.compile(r"^The talks are being mediated by Witkoff and Jared Kushner"))
    expect(active.locator("summary")).to_contain_text("Geneva peace talks")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-answered.png"), full_page=True)

    expect(ask(page, "Where were the talks held?", 1)).to_contain_text("Geneva")
    follow_up = ask(page, "How long did they last on Tuesday?", 2)
    expect(follow_up).to_contain_text("six hours")
    expect(follow_up).to_contain_text("Understood as")  # the condensed question is shown

    # An earlier answer's citation still opens, from the folded "Earlier answers" section.
    page.locator("#nqa-chat [data-testid='bot']").nth(0).locator("a", has_text="[1]").click()
    expect(page.locator("#cite-0-1")).to_have_class(re.compile("nqa-active"))
    expect(page.locator("#cite-0-1")).to_have_attribute("open", "")
    expect(page.locator("#cite-0-1 mark.nqa-cited")).to_be_visible()
    assert page.dialogs == []


def test_api_docs_render_offline(page, demo_server):
    page.goto(f"{demo_server.url}/docs")
    expect(page.get_by_text("/api/ask").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)


def test_refusal_shows_nearest_passages_not_an_answer(page):
    expect(ask(page, "What is the boiling point of liquid nitrogen on Mars?", 0)).to_contain_text("Not found")
    expect(page.locator("#nqa-sources .nqa-nearest")).to_contain_text("not an answer")
    expect(page.locator("#nqa-sources .nqa-source")).to_have_count(0)


def test_bad_input_gets_a_message_and_keeps_the_text(page):
    page.locator("#nqa-filters").click()
    page.locator("#nqa-date-from input, #nqa-date-from textarea").first.fill("yesterday-ish")
    box = page.locator("#nqa-question textarea")
    box.fill("Who mediated?")
    box.press("Enter")
    expect(page.locator("#nqa-chat [data-testid='bot']").first).to_contain_text(
        "From date must look like", timeout=ANSWER_TIMEOUT_MS
    )
    expect(box).to_have_value("Who mediated?")


def test_upload_an_article_then_ask_about_it(page, tmp_path):
    article = tmp_path / "lighthouse.txt"
    article.write_text(
        "Lighthouse keeper retires\n\nThe Skerry Point lighthouse keeper, Agnes Morrow, retired on Sunday after 41 years.",
        encoding="utf-8",
    )
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#nqa-upload input[type=file]").set_input_files(str(article))
    page.locator("#nqa-ingest").click()
    report = page.locator("#nqa-report")
    report.get_by_text("1 added").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.locator("#nqa-search input, #nqa-search textarea").first.fill("lighthouse")
    page.locator("#nqa-articles").get_by_text("Lighthouse keeper retires", exact=True).filter(
        visible=True
    ).first.wait_for()  # title from the headline line (docs/ingest.md)

    page.get_by_role("tab", name="Chat").click()
    expect(ask(page, "Who is the Skerry Point lighthouse keeper?", 0)).to_contain_text("Agnes Morrow")
    expect(page.locator("#nqa-sources .nqa-source").first).to_contain_text("Skerry Point lighthouse keeper")

    page.get_by_role("tab", name="Corpus").click()
    page.locator("#nqa-delete-choice input").fill("lighthouse")
    page.get_by_role("option", name=re.compile("^Lighthouse keeper retires")).click()
    page.locator("#nqa-delete").click()
    expect(page.locator("#nqa-delete-question")).to_contain_text("Delete Lighthouse keeper retires")  # asked first
    page.locator("#nqa-delete-yes").click()
    expect(page.locator("#nqa-delete-status")).to_contain_text("Deleted", timeout=ANSWER_TIMEOUT_MS)
    expect(
        page.locator("#nqa-articles").get_by_text("Lighthouse keeper retires", exact=True).filter(visible=True)
    ).to_have_count(0)
    page.get_by_role("tab", name="Chat").click()
    expect(ask(page, "Who is the Skerry Point lighthouse keeper?", 1)).not_to_contain_text("Agnes Morrow")


XSS_TEXT = (
    "Hostile markup test. The council said <script>window.__pwned = 'script'</script> was pasted in the minutes. "
    "A reader posted <img src=x onerror=\"window.__pwned = 'img'\"> in the comments. "
    "The flyer linked to [prizes](javascript:window.__pwned='link') and <a href=\"javascript:alert(1)\">claim</a>."
)


def test_hostile_article_text_is_shown_literally_and_never_runs(page, demo_server):
    demo_server.assistant.ingest(
        [
            _article(
                "xss-fixture",
                "<img src=x onerror=\"window.__pwned='title'\"> Council minutes",
                XSS_TEXT,
                url="javascript:window.__pwned='url'",
            )
        ]
    )
    try:
        expect(ask(page, "What did a reader post in the comments?", 0)).to_contain_text(
            "<img src=x onerror=\"window.__pwned = 'img'\">"
        )
        ask(page, "What was pasted in the minutes?", 1)
        expect(page.locator("#nqa-sources")).to_contain_text("<script>window.__pwned = 'script'</script>")
        user_input = "<img src=x onerror=\"window.__pwned='question'\"> who posted?"
        ask(page, user_input, 2)
        expect(page.locator("#nqa-chat [data-testid='user']").nth(2)).to_contain_text(user_input)

        # The whole-article view, from a citation and from the Corpus row, shows the markup as text.
        page.locator("#nqa-sources button.nqa-open-article").first.click()
        dialog = page.locator("dialog.nqa-article")
        expect(dialog).to_contain_text("<script>window.__pwned = 'script'</script>")
        expect(dialog.locator("h2")).to_contain_text("<img src=x onerror=")
        page.keyboard.press("Escape")

        page.get_by_role("tab", name="Corpus").click()
        page.locator("#nqa-search input, #nqa-search textarea").first.fill("xss")
        page.locator("#nqa-articles").get_by_text("Council minutes").filter(visible=True).first.click()
        expect(dialog.locator("h2")).to_contain_text("Council minutes")
        expect(dialog).to_contain_text("[prizes](javascript:window.__pwned='link')")
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)

        assert page.evaluate("() => window.__pwned") is None
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("a[href^='javascript']").count() == 0
        assert page.locator("script", has_text="__pwned").count() == 0
        assert page.dialogs == []
    finally:
        demo_server.assistant.delete("xss-fixture")


def _article(article_id: str, title: str, text: str, url: str = ""):
    from assistant.ingest.loaders import article_from_record

    return article_from_record(
        {"id": article_id, "title": title, "text": text, "url": url, "source": "Test"}, origin=article_id
    )
