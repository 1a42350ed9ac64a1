"""Fast unit tests of the browser app's views: overview, example questions, chips, copy/export text, kept conversations.

No model and no browser: answers and articles are built by hand (the browser tests drive the real thing).
"""

from __future__ import annotations

from assistant.schema import Answer, Citation, Passage, StoredArticle
from assistant.server import conversations
from assistant.server.overview import ExampleQuestions, corpus_overview, headline_question, newest_first
from assistant.server.render import answer_plain_text, conversation_markdown, filter_chips_html, overview_html


def stored(article_id: str, title: str, date: str | None, source: str, digest: str = "h") -> StoredArticle:
    return StoredArticle(article_id, digest, "ready", title, date, source, "", "", "", "text", 3)


def citation(number: int = 1, sentence: str = "The talks are mediated by Witkoff.") -> Citation:
    return Citation(
        number, "geneva", "Geneva talks end", "2026-02-18", "Agency", "https://example.org/g", sentence, 26, 10, 44, 0.6
    )


def answer(question: str = "Who mediated?") -> Answer:
    return Answer(question, "The talks are mediated by Witkoff. [1]", [citation()], short_answer="Witkoff")


def test_overview_counts_sources_dates_and_names_the_newest():
    articles = [
        stored("a", "Old story", "2025-01-02", "Wire"),
        stored("b", "<b>New</b> story", "2026-03-05", "Gazette"),
        stored("c", "Undated", None, "Wire"),
    ]
    overview = corpus_overview(articles)
    assert (overview.articles, overview.sources) == (3, ("Gazette", "Wire"))
    assert (overview.first_date, overview.last_date, overview.newest.id) == ("2025-01-02", "2026-03-05", "b")
    html = overview_html(overview)
    assert "3 articles" in html and "2025-01-02 to 2026-03-05" in html
    assert "&lt;b&gt;New&lt;/b&gt; story" in html and "<b>New" not in html  # titles are escaped
    assert [a.id for a in newest_first(articles)] == ["b", "a", "c"]


def test_an_empty_overview_says_how_to_add_articles():
    html = overview_html(corpus_overview([]))
    assert "The index is empty" in html and "assistant ingest PATH" in html


def test_headline_questions_keep_the_first_clause_and_skip_what_cannot_be_a_question():
    assert headline_question("Geneva peace talks end without progress, Zelenskiy says") == (
        "What happened: Geneva peace talks end without progress?"
    )
    assert headline_question("Markets: stocks slide") is None  # one word left
    assert headline_question("x" * 200 + " y") is None


def test_example_questions_are_only_those_answered_from_their_article_and_cached_per_corpus():
    asked: list[str] = []

    def ask(question: str) -> Answer:
        asked.append(question)
        if "storm" in question:
            return Answer(question, "nothing", [], refused=True)
        return Answer(question, "x", [Citation(1, "talks", "t", None, "", "", "s", 0, 0, 1, 1.0)])

    examples = ExampleQuestions(ask)
    articles = [
        stored("talks", "Peace talks end", "2026-02-18", "A"),
        stored("flood", "Big storm floods town", "2026-02-19", "B"),
    ]
    assert examples.for_corpus(articles) == ["What happened: Peace talks end?"]
    assert len(asked) == 2
    examples.for_corpus(articles)
    assert len(asked) == 2  # nothing changed: nothing asked again
    examples.for_corpus([*articles[:1], stored("flood", "Big storm floods town", "2026-02-19", "B", digest="h2")])
    assert len(asked) == 4  # an article changed: asked again


def test_filter_chips_name_every_active_filter_escaped():
    assert filter_chips_html([], None, " ") == ""
    html = filter_chips_html(["<Agency>"], "2026-03-01", None)
    assert "source: &lt;Agency&gt;" in html and "from 2026-03-01" in html
    assert "dates: 2026-01-01 to 2026-02-01" in filter_chips_html([], "2026-01-01", "2026-02-01")


def test_plain_text_has_no_markdown_and_lists_the_sources():
    text = answer_plain_text(answer())
    assert text.startswith("Witkoff\n\nThe talks are mediated by Witkoff. [1]")
    assert text.endswith(
        "Sources:\n[1] Geneva talks end — Agency, 2026-02-18, https://example.org/g (sentence 27 of geneva)"
    )
    assert (
        answer_plain_text(Answer("q", "Nothing answers this.", [], refused=True)) == "Not found. Nothing answers this."
    )


def test_exported_markdown_neutralises_html_but_keeps_the_text_readable():
    hostile = Answer("<img src=x onerror=alert(1)> who?", "t", [citation(sentence="A <script>x</script> b.")])
    text = conversation_markdown("Talks", [answer(), hostile], "2026-12-03")
    assert text.startswith("# Talks\n") and "## 1. Who mediated?" in text
    assert "- [1] Geneva talks end — Agency, 2026-02-18" in text
    assert "<script>" not in text and "<img" not in text and "&lt;script>x&lt;/script>" in text


def test_conversations_are_kept_newest_first_restored_and_bounded():
    store = conversations.empty_store()
    store = conversations.record_turn(store, None, "Who mediated?", answer(), None)
    first = conversations.current_id(store)
    store = conversations.record_turn(store, first, "Bad?", None, "From date must look like 2026-02-18")
    messages, answers = conversations.restore(store, first)
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert answers == [answer()]  # the same answer, citations and all
    assert "⚠️ From date must look like 2026" in messages[3]["content"]
    store = conversations.record_turn(store, None, "Another one", answer("Another one"), None)
    assert [label.split(" · ", 1)[1] for label, _ in conversations.choices(store)] == ["Another one", "Who mediated?"]
    for n in range(conversations.MAX_CONVERSATIONS + 5):
        store = conversations.record_turn(store, None, f"q{n}", None, "e")
    assert len(conversations.choices(store)) == conversations.MAX_CONVERSATIONS


def test_stored_passages_drop_their_bulk():
    passage = Passage("g", 0, "s", 0, 1, "t", None, "", "", "a long window " * 50, 0.2, {"dense": 0.1})
    refused = Answer("q", "no", [], refused=True, nearest=[passage])
    store = conversations.record_turn(None, None, "q", refused, None)
    kept = store["conversations"][0]["turns"][0]["answer"]["nearest"][0]
    assert kept["window"] == "" and kept["scores"] == {}


def test_a_tampered_store_is_read_defensively_and_escaped():
    store = {
        "current": "x",
        "conversations": [
            "junk",
            {
                "id": "x",
                "title": "t",
                "turns": ["junk", {"question": "<script>alert(1)</script>", "answer": {"nope": 1}}],
            },
        ],
    }
    messages, answers = conversations.restore(store, "x")
    assert answers == []
    assert "<script>" not in messages[0]["content"] and "&lt;script&gt;" in messages[0]["content"]
    assert conversations.restore({"conversations": 5}, "x") == ([], [])
    assert conversations.current_id("garbage") is None
    assert conversations.answer_from_dict({"question": "q", "text": 5, "citations": [{"number": "x"}]}) is None
