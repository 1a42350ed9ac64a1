"""What the CLI prints is safe for a terminal: escape sequences from article text are shown, not run."""

from __future__ import annotations

from assistant.cli import format_answer, printable
from assistant.schema import Answer, Citation

ESCAPE = "\x1b[31mred\x1b[0m"


def test_control_characters_are_shown_as_escapes_and_layout_is_kept():
    assert printable(f"a{ESCAPE}\tb\nc\x07") == "a\\x1b[31mred\\x1b[0m\tb\nc\\x07"
    assert printable("plain — text, ünïcode") == "plain — text, ünïcode"


def test_an_answer_quoting_hostile_text_prints_no_escape_sequence():
    sentence = f"The flag was {ESCAPE} on Monday."
    citation = Citation(
        1, "a\x1b]0;title\x07", f"Title {ESCAPE}", "2026-01-01", "S", "", sentence, 0, 0, len(sentence), 0.9
    )
    shown = format_answer(Answer("Q?", f"{sentence} [1]", [citation], short_answer=ESCAPE))
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\\x1b[31mred" in shown
