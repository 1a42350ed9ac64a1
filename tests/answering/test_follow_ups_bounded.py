"""Follow-up resolution reads a bounded number of earlier turns, whatever the history's length."""

from __future__ import annotations

import pytest

import assistant.answering.follow_ups as follow_ups
from assistant.answering.follow_ups import MAX_LOOK_BACK, condense


def _wordless_history(turns: int) -> list[str]:
    """Turns with no content words that all differ: each one leans on the ones before it."""
    return ["and it" + "?" * n for n in range(1, turns + 1)]


@pytest.mark.parametrize("turns", [10, 50, 5000])
def test_work_does_not_grow_with_the_history(monkeypatch, turns):
    calls = 0
    real = follow_ups.content_words

    def counting(text: str) -> list[str]:
        nonlocal calls
        calls += 1
        return real(text)

    monkeypatch.setattr(follow_ups, "content_words", counting)
    assert condense("and it?", _wordless_history(turns)) == "and it?"
    assert calls <= 4 * (MAX_LOOK_BACK + 1)


def test_the_latest_turns_still_resolve_a_chain():
    history = ["Where were the talks held?", "Who mediated them?"]
    assert (
        condense("How long did they last on Tuesday?", history)
        == "How long did they last on Tuesday? mediated talks held"
    )
    long_ago = ["What did the mayor say about the bridge?", *_wordless_history(MAX_LOOK_BACK)]
    assert condense("Who built it?", long_ago) == "Who built it?"  # the bridge is beyond the look-back
