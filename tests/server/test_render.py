"""Rendering of answers and sources: untrusted text is escaped, links are safe, context is exact."""

from __future__ import annotations

import pytest

from assistant.errors import FilterError, UnsupportedFileTypeError, UploadTooLargeError
from assistant.schema import Answer, Citation, Passage
from assistant.server.app import BasicAuthMiddleware, is_loopback
from assistant.server.render import (
    answer_markdown,
    escape_markdown,
    markdown_code,
    paragraph_context,
    safe_url,
    sources_panel,
    stream_chunks,
)
from assistant.server.ui import chat_filters
from assistant.server.uploads import clean_file_name, store_upload

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3))"
ARTICLE = "Intro line.\nBefore it. The cited <b>sentence</b> here. After it.\nNext paragraph."


def _citation(**changes: object) -> Citation:
    fields = {
        "number": 1,
        "article_id": "a1",
        "title": "<img src=x onerror=alert(4)>",
        "date": "2026-02-18",
        "source": "<b>Wire</b>",
        "url": "javascript:alert(5)",
        "sentence": "The cited <b>sentence</b> here.",
        "sentence_index": 2,
        "start": ARTICLE.index("The cited"),
        "end": ARTICLE.index(" After"),
        "score": 0.7,
    }
    return Citation(**{**fields, **changes})


def test_markdown_escaping_leaves_no_live_markup():
    escaped = escape_markdown(HOSTILE)
    assert "<" not in escaped and ">" not in escaped
    assert "](" not in escaped  # the Markdown link is broken up by backslashes
    assert escape_markdown('it\'s "quoted"') == 'it\'s "quoted"'


def test_code_spans_hold_the_text_as_it_is():
    assert markdown_code("kessler-bridge-closure-154dc12b") == "`kessler-bridge-closure-154dc12b`"  # no "\\-"
    assert markdown_code("a_b*c[d](e)#f") == "`a_b*c[d](e)#f`"
    assert markdown_code("one `tick` in") == "``one `tick` in``"  # a longer fence than any run inside
    assert markdown_code("`edge") == "`` `edge ``"  # padded: a backtick at an end
    assert markdown_code("two\nlines") == "`two lines`"


def test_answer_markdown_links_each_citation_to_its_panel_entry():
    answer = Answer(question="q", text="", citations=[_citation(), _citation(number=2)], short_answer="<b>x</b>")
    markdown = answer_markdown(answer, turn=3)
    assert "(#cite-3-1)" in markdown and "(#cite-3-2)" in markdown
    assert "<b>" not in markdown


def test_refusal_is_marked_as_not_an_answer():
    nearest = Passage("a1", 0, HOSTILE, 0, 5, "T", None, "S", "", "", 0.1)
    answer = Answer(question=HOSTILE, text="I couldn't find that.", citations=[], refused=True, nearest=[nearest])
    assert "Not found" in answer_markdown(answer, 0)
    panel = sources_panel([answer], lambda _id: None)
    assert "not an answer" in panel and "<script>" not in panel and "&lt;script&gt;" in panel


def test_sources_panel_escapes_everything_and_highlights_the_sentence_in_context():
    answer = Answer(question=HOSTILE, text="", citations=[_citation()])
    panel = sources_panel([answer], lambda _id: ARTICLE)
    assert "<img" not in panel and "<script" not in panel and "<b>" not in panel
    assert 'href="javascript' not in panel
    assert 'Before it. <mark class="nqa-cited">The cited &lt;b&gt;sentence&lt;/b&gt; here.</mark> After it.' in panel
    assert "Intro line" not in panel and "Next paragraph" not in panel  # only the cited paragraph


def test_earlier_answers_stay_linkable():
    answers = [Answer(question=f"q{n}", text="", citations=[_citation()]) for n in range(3)]
    panel = sources_panel(answers, lambda _id: ARTICLE)
    assert all(f'id="cite-{n}-1"' in panel for n in range(3))
    assert panel.index('id="cite-2-1"') < panel.index("Earlier answers")


def test_changed_article_falls_back_to_the_cited_sentence_alone():
    panel = sources_panel([Answer(question="q", text="", citations=[_citation()])], lambda _id: "different text")
    assert '<mark class="nqa-cited">The cited &lt;b&gt;sentence&lt;/b&gt; here.</mark>' in panel


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example/a?b=1", "https://news.example/a?b=1"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//evil.example", None),
        ("", None),
    ],
)
def test_only_http_links_are_linked(url, expected):
    assert safe_url(url) == expected


def test_long_paragraphs_are_trimmed_around_the_sentence():
    text = "word " * 400 + "Target sentence." + " tail" * 400
    start = text.index("Target")
    ctx = paragraph_context(text, start, start + len("Target sentence."))
    assert ctx.sentence == "Target sentence."
    assert ctx.before.startswith("…") and ctx.after.endswith("…") and len(ctx.before) < 420


def test_stream_chunks_grow_to_the_full_message_without_splitting_links():
    message = "One two three four five six [\\[1\\]](#cite-0-1) seven"
    chunks = stream_chunks(message, words_per_chunk=2)
    assert chunks[-1] == message and len(chunks) > 2
    assert all(message.startswith(c) for c in chunks)
    assert all(c.count("(#cite") == c.count("-1)") for c in chunks)


def test_chat_filters_validate_dates():
    filters = chat_filters(["Agency"], "2026-02-01", "")
    assert filters.sources == ("Agency",) and filters.date_from == "2026-02-01" and filters.date_to is None
    with pytest.raises(FilterError, match="From date"):
        chat_filters([], "last week", None)


def test_uploads_get_safe_names_and_limits(tmp_path):
    assert clean_file_name("../../etc/passwd.txt") == "passwd.txt"
    assert clean_file_name("C:\\Users\\me\\My Story (1).md") == "My Story (1).md"  # safe characters stay
    assert clean_file_name("feed.jsonl.gz") == "feed.jsonl.gz"
    with pytest.raises(UnsupportedFileTypeError):
        clean_file_name("payload.exe")
    stored = store_upload(tmp_path, "../story.txt", b"Text.", limit=100)
    assert stored == tmp_path / "uploads" / "story.txt" and stored.read_bytes() == b"Text."
    with pytest.raises(UploadTooLargeError):
        store_upload(tmp_path, "big.txt", b"x" * 11, limit=10)


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("example.org")


def test_basic_auth_compares_the_whole_credential():
    guard = BasicAuthMiddleware(app=None, username="editor", password="s3cret")
    assert guard._allowed([(b"authorization", b"Basic ZWRpdG9yOnMzY3JldA==")])
    assert not guard._allowed([(b"authorization", b"Basic ZWRpdG9yOnMzY3JldA")])  # bad base64
    assert not guard._allowed([(b"authorization", b"Basic ZWRpdG9yOnMzY3JldHg=")])  # s3cretx
    assert not guard._allowed([])
