"""Plain-text metadata (docs/ingest.md): front matter, a headline line, a dateline; real files in tmp_path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.ingest.loaders import Note
from assistant.ingest.sentences import split_sentences
from assistant.ingest.text_metadata import read_dateline, read_text_metadata
from assistant.schema import Article
from tests.ingest.loading import load_split

BODY = "The council approved the harbour dredging plan on Tuesday. Work starts in May, the mayor said."


def _one(path: Path, text: str, encoding: str = "utf-8") -> tuple[Article, list[Note]]:
    path.write_bytes(text.encode(encoding))
    articles, skipped, notes = load_split(path)
    assert not skipped, skipped
    (article,) = articles
    return article, notes


def _latest(month: int, day: int) -> str:
    """The latest `month`/`day` not after today: what a year-less dateline means."""
    today = date.today()
    year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
    return date(year, month, day).isoformat()


# --- the example from the issue -------------------------------------------------------------------
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_headline_and_dateline_give_title_date_and_source(tmp_path, gap):
    article, notes = _one(
        tmp_path / "harbour-story.txt",
        f"Harbour dredging approved{gap}LAKEPORT, April 2 (Valley Post) — {BODY}\n\nA second paragraph follows.\n",
    )
    assert article.title == "Harbour dredging approved"
    assert article.source == "Valley Post"
    assert article.date == _latest(4, 2)
    assert article.text == f"{BODY}\n\nA second paragraph follows."  # the body intact, less the dateline prefix
    sentences = [s.text for s in split_sentences(article.text)]
    assert sentences[0] == "The council approved the harbour dredging plan on Tuesday."
    assert not any("Harbour dredging approved" in s or "LAKEPORT" in s for s in sentences)
    assert article.id.startswith("harbour-story-")  # still the file's id: a new upload of it updates it
    assert not notes


def test_headline_is_never_indexed_as_a_sentence(tmp_path, make_assistant):
    story = tmp_path / "harbour.txt"
    story.write_text(f"Harbour dredging approved\nLAKEPORT, April 2 (Valley Post) — {BODY}\n", encoding="utf-8")
    assistant = make_assistant()
    report = assistant.ingest([story])
    (article_id,) = report.added
    stored = assistant.article(article_id)
    assert (stored.title, stored.source, stored.date) == ("Harbour dredging approved", "Valley Post", _latest(4, 2))
    hits = assistant.retrieve("Harbour dredging approved", k=5)
    assert hits and all("Harbour dredging approved" not in hit.sentence for hit in hits)
    assert all(not hit.sentence.startswith("LAKEPORT") for hit in hits)


@pytest.mark.parametrize(
    ("line", "iso", "source", "rest"),
    [
        ("LAKEPORT, April 2 (Valley Post) — The council met.", "2025-04-02", "Valley Post", "The council met."),
        ("LAKEPORT, April 2, 2024 (Valley Post) - The council met.", "2024-04-02", "Valley Post", "The council met."),
        ("WASHINGTON (AP) — The Senate voted.", None, "AP", "The Senate voted."),
        ("LONDON, 2 April 2026 — Shares fell.", "2026-04-02", "", "Shares fell."),
        ("LONDON, 2 April 2026 -- Shares fell.", "2026-04-02", "", "Shares fell."),
        ("Geneva, Feb. 18 (Reuters) – Talks ended.", "2026-02-18", "Reuters", "Talks ended."),
        ("SPRINGFIELD, Ill., Sept. 3 (AP) — Rain fell.", "2025-09-03", "AP", "Rain fell."),
        ("RIO DE JANEIRO, Feb 29 (Reuters) — Carnival began.", "2024-02-29", "Reuters", "Carnival began."),
        ("Rio de Janeiro, March 1 (Reuters) — Carnival ended.", "2026-03-01", "Reuters", "Carnival ended."),
    ],
)
def test_dateline_forms(line, iso, source, rest):
    today = date(2026, 3, 1)  # a year-less date is the latest such day not after the day of ingest
    found = read_dateline(line, today)
    assert found is not None and (found.date, found.source) == (iso, source)
    assert line[found.end :] == rest


@pytest.mark.parametrize(
    "line",
    [
        "Paris, the capital, said on Tuesday that talks would resume.",  # an ordinary first sentence
        "Paris, the capital, said — after a pause — that talks would resume.",  # dashes, but no date or source
        "Paris, April 2 (AFP) said the minister had resigned.",  # looks like a dateline: no dash
        "LAKEPORT, April 2 (Valley Post) The council met.",  # no dash
        "Officials said on Tuesday, May 2 — after the vote — that work would start.",  # not a place
        "The council (Lakeport) — a body of nine — met.",  # not a place
        "LAKEPORT, April 2 (Valley Post) —",  # nothing after the dash
    ],
)
def test_sentences_that_look_like_datelines_are_not(line):
    assert read_dateline(line, date(2026, 3, 1)) is None
    found = read_text_metadata(line + "\nMore text.", date(2026, 3, 1))
    assert found.text.startswith(line) and found.fields() == {}


def test_a_dateline_date_that_is_no_date_is_noted_and_the_source_kept(tmp_path):
    article, notes = _one(tmp_path / "bad-day.txt", f"LAKEPORT, April 31 (Valley Post) — {BODY}")
    assert (article.date, article.source, article.text) == (None, "Valley Post", BODY)
    assert [n.message for n in notes] == ["dateline date 'April 31' is not a valid date: not used"]


# --- front matter ---------------------------------------------------------------------------------
def test_front_matter_sets_metadata_and_wins_over_the_headline_and_dateline(tmp_path):
    article, notes = _one(
        tmp_path / "fronted.txt",
        "---\n"
        'title: "Dredging: the vote"\n'
        "date: 2026-01-05\n"
        "Source: 'Town Crier'\n"
        "url: https://example.org/dredging\n"
        "category: local\n"
        "layout: post\n"
        "tags:\n  - harbour\n  - council\n"
        "---\n"
        "Harbour dredging approved\n\n"
        f"LAKEPORT, April 2 (Valley Post) — {BODY}\n",
    )
    assert article.title == "Dredging: the vote"
    assert (article.date, article.source) == ("2026-01-05", "Town Crier")
    assert (article.url, article.category) == ("https://example.org/dredging", "local")
    assert article.text == BODY  # no front matter, no headline, no dateline prefix
    assert article.id.startswith("fronted-")  # the file's id, not the url's
    assert [n.message for n in notes] == ["front matter keys not used: 'layout', 'tags'"]


def test_front_matter_fills_only_what_it_gives(tmp_path):
    article, _ = _one(
        tmp_path / "partial.txt",
        f"---\npublish_date: 2026/01/07\n---\nHarbour dredging approved\n\nLAKEPORT, April 2 (Valley Post) — {BODY}",
    )
    assert (article.title, article.date, article.source) == ("Harbour dredging approved", "2026-01-07", "Valley Post")


def test_front_matter_values_that_are_not_plain_are_ignored_with_a_note(tmp_path):
    article, notes = _one(
        tmp_path / "yaml.txt",
        "---\ntitle: [a, list]\nsource: &anchor Agency\ncategory: |\n  folded\n---\nJust the text.",
    )
    assert (article.title, article.source, article.category, article.text) == ("yaml", "", "", "Just the text.")
    assert [n.message for n in notes] == [
        "front matter 'title' is not a plain value: ignored",
        "front matter 'source' is not a plain value: ignored",
        "front matter 'category' is not a plain value: ignored",
    ]


def test_a_bad_front_matter_date_or_url_is_noted_like_a_record_field(tmp_path):
    article, notes = _one(tmp_path / "bad.txt", "---\ndate: soon\nurl: javascript:alert(1)\n---\nJust the text.")
    assert (article.date, article.url) == (None, "")
    messages = [n.message for n in notes]
    assert any(m.startswith("date 'soon' is not a valid date") for m in messages)
    assert any(m.startswith("url 'javascript:alert(1)' dropped") for m in messages)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("---\ntitle: Never closed\nThe text goes on.\n", "front matter not closed by '---' within 50 lines"),
        ("---\ntitle: x\n" + "a: b\n" * 60 + "---\nText.\n", "front matter not closed by '---' within 50 lines"),
        ("---\ntitle: x\nthis is prose\n---\nText.\n", "line 3 of the leading '---' block is not 'key: value'"),
        ("---\ntitle: " + "x" * 9000 + "\n---\nText.\n", "front matter longer than 8,000 characters"),
    ],
)
def test_a_block_that_is_not_front_matter_stays_text_with_a_note(tmp_path, text, note):
    article, notes = _one(tmp_path / "not-front.txt", text)
    assert article.text == text.strip() and article.title == "not front"
    assert [n.message for n in notes] == [f"{note}: read as text"]


def test_a_leading_rule_that_is_no_front_matter_is_text_without_a_note(tmp_path):
    article, notes = _one(tmp_path / "rule.txt", "---\nA line between rules.\n---\nText.")
    assert article.text == "---\nA line between rules.\n---\nText." and not notes


def test_markdown_front_matter_and_dateline(tmp_path):
    article, notes = _one(
        tmp_path / "story.md",
        "---\nsource: Town Crier\ndate: 2026-01-05\n---\n# Harbour dredging approved\n\n"
        f"LAKEPORT, April 2 (Valley Post) — {BODY}\n\nA **second** paragraph.\n",
    )
    assert article.title == "Harbour dredging approved"
    assert (article.date, article.source) == ("2026-01-05", "Town Crier")  # front matter wins over the dateline
    assert article.text == f"{BODY}\nA second paragraph."
    assert not notes


def test_markdown_dateline_alone(tmp_path):
    article, _ = _one(tmp_path / "plain.md", f"LAKEPORT, April 2 (Valley Post) — {BODY}\n")
    assert (article.title, article.source, article.date, article.text) == ("plain", "Valley Post", _latest(4, 2), BODY)


# --- headlines, and what is not one ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Who pays for the bridge?\n\nNobody knows yet.", "Who pays for the bridge?"),
        ("Storm hits U.S.\n\nRain fell all night.", "Storm hits U.S."),
        ("3 killed in crash on ring road\n\nThe crash happened at dawn.", "3 killed in crash on ring road"),
        ("“We will rebuild,” mayor says\n\nThe mayor spoke on Monday.", "“We will rebuild,” mayor says"),
    ],
)
def test_headline_shapes(tmp_path, text, title):
    article, _ = _one(tmp_path / "story.txt", text)
    assert article.title == title and article.text == text.split("\n\n", 1)[1]


@pytest.mark.parametrize(
    "text",
    [
        BODY,  # no headline: one paragraph
        f"{BODY}\n\nA second paragraph.",  # the first line is a normal sentence
        "The council met on Tuesday.\nIt voted on Wednesday.",  # a sentence, then a line
        "Harbour dredging approved\nThe council approved the plan on Tuesday.",  # no blank line, no dateline
        "He said: “We will win.”\n\nThen he left.",  # a sentence ending in a quote
        "Minutes of the meeting:\n\nThe council approved the plan.",  # ends with a colon
        "and then the council voted\n\nIt was late.",  # starts in lower case
        "Harbour dredging approved\n\n",  # nothing after it
        "X" * 201 + "\n\nThe council approved the plan.",  # too long for a headline
    ],
)
def test_first_lines_that_are_not_headlines_stay_text(tmp_path, text):
    article, notes = _one(tmp_path / "no-headline.txt", text)
    assert article.title == "no headline"  # the file name, as before
    assert article.text == text.strip() and not notes
    assert (article.date, article.source) == (None, "")


def test_the_same_file_gives_the_same_article_twice(tmp_path):
    path = tmp_path / "again.txt"
    first, _ = _one(path, f"Harbour dredging approved\n\nLAKEPORT, April 2 (Valley Post) — {BODY}")
    (second,) = load_split(path)[0]
    assert first == second


def test_windows_line_ends_and_cp1252_keep_the_rules(tmp_path):
    text = "Café owners protest\r\n\r\nLAKEPORT, April 2 (Valley Post) — “It’s unfair,” said José.\r\n"
    article, notes = _one(tmp_path / "cafe.txt", text, encoding="cp1252")
    assert (article.title, article.source, article.text) == (
        "Café owners protest",
        "Valley Post",
        "“It’s unfair,” said José.",
    )
    assert [n.message for n in notes] == ["read as windows-1252 (not UTF-8)"]
