"""Strictness with the real reader on the demo corpus: a stricter level refuses what a more lenient
one answers, through the Python API, HTTP and the CLI."""

from __future__ import annotations

import pytest

from assistant.answering.strictness import DEFAULT_LABEL
from assistant.errors import FilterError

# The reader is fairly but not very sure of this one (answer probability about 0.46): above the
# lenient and default thresholds, below the strict one.
EARNINGS = "How much did Lumentra earn per share in the quarter?"
# Sure and right, but below the default threshold (about 0.09): only lenient answers it.
STADIUM = "Where was the National Cup final played?"


def test_a_stricter_level_refuses_what_a_lenient_one_answers(demo_assistant):
    strict = demo_assistant.ask(EARNINGS, strictness="strict")
    lenient = demo_assistant.ask(EARNINGS, strictness="LENIENT")
    default = demo_assistant.ask(EARNINGS)
    assert strict.refused and strict.citations == [] and strict.strictness == "strict"
    assert not lenient.refused and lenient.short_answer == "$1.47" and lenient.strictness == "lenient"
    assert not default.refused and default.strictness == DEFAULT_LABEL


def test_lenient_answers_more_and_rightly_here(demo_assistant):
    assert demo_assistant.ask(STADIUM).refused
    answer = demo_assistant.ask(STADIUM, strictness="lenient")
    assert not answer.refused and answer.short_answer == "Harbourside Stadium"


def test_an_unknown_level_is_an_error_naming_the_levels(demo_assistant):
    with pytest.raises(FilterError, match="strict, balanced, lenient"):
        demo_assistant.ask(EARNINGS, strictness="paranoid")
