"""Filters are never silent: a reversed range or an unknown source is an error naming it, and a refusal
under filters says which filters were on (unit tests, then the real demo assistant)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.answering.base import filtered_refusal
from assistant.errors import FilterError
from assistant.schema import MAX_SOURCES_LISTED, SearchFilters

MEDIATED = "The talks are being mediated by Witkoff and Jared Kushner, the US president’s son-in-law."


# --- unit: SearchFilters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "named"),
    [
        (("--since", "--until"), ("--since 2026-03-05", "--until 2026-03-01")),
        (("From date", "To date"), ("From date 2026-03-05", "To date 2026-03-01")),
        (("date_from", "date_to"), ("date_from 2026-03-05", "date_to 2026-03-01")),
    ],
)
def test_a_reversed_range_names_both_fields_by_their_labels(labels, named):
    with pytest.raises(FilterError) as caught:
        SearchFilters.parse((), "2026-03-05", "2026/03/01", labels=labels)
    message = str(caught.value)
    assert all(part in message for part in named), message
    assert message.index(named[0]) < message.index(named[1])


def test_a_one_day_range_and_open_ranges_are_fine():
    assert SearchFilters.parse((), "2026-02-18", "2026-02-18").date_to == "2026-02-18"
    assert SearchFilters.parse((), "2026-03-05", None).date_from == "2026-03-05"
    assert SearchFilters.parse((), None, "2026-03-01").date_to == "2026-03-01"


def test_filters_given_as_a_dict_are_parsed_and_checked_too():
    assert SearchFilters.from_dict({"date_from": "2026/02/18", "sources": "Agency"}) == SearchFilters(
        ("Agency",), "2026-02-18"
    )
    assert SearchFilters.from_dict({"as_of": "2026-02-20"}).as_of == "2026-02-20"
    with pytest.raises(FilterError, match="date_from 2026-03-05 is after date_to 2026-03-01"):
        SearchFilters.from_dict({"date_from": "2026-03-05", "date_to": "2026-03-01"})
    with pytest.raises(FilterError, match="date_to"):
        SearchFilters.from_dict({"date_to": "last tuesday"})
    with pytest.raises(FilterError):  # a SearchFilters built by hand is checked where it is used
        SearchFilters(date_from="2026-03-05", date_to="2026-03-01").check_range()


def test_sources_match_ignoring_case_and_take_the_stored_spelling():
    known = ["Agency", "Riverside Gazette", "Northern Wire"]
    chosen = SearchFilters(("agency", " RIVERSIDE GAZETTE "), date_from="2026-01-01").with_known_sources(known)
    assert chosen == SearchFilters(("Agency", "Riverside Gazette"), date_from="2026-01-01")
    # Two stored spellings that differ only in case are both meant.
    assert SearchFilters(("ap",)).with_known_sources(["AP", "Ap", "Agency"]).sources == ("AP", "Ap")
    assert SearchFilters().with_known_sources([]) == SearchFilters()


def test_an_unknown_source_lists_what_the_index_holds():
    with pytest.raises(FilterError) as caught:
        SearchFilters(("Reuters", "Agency")).with_known_sources(["Northern Wire", "Agency", "agency wire"])
    assert str(caught.value) == "unknown source 'Reuters'; the index holds: Agency, agency wire, Northern Wire"
    with pytest.raises(FilterError, match="unknown sources 'X', 'Y'; "):
        SearchFilters(("X", "Y")).with_known_sources(["Agency"])
    with pytest.raises(FilterError, match="no indexed article names its source"):
        SearchFilters(("X",)).with_known_sources([])


def test_the_list_of_sources_is_capped():
    many = [f"Source {n:03d}" for n in range(57)]
    with pytest.raises(FilterError) as caught:
        SearchFilters(("Nope",)).with_known_sources(many)
    message = str(caught.value)
    assert f"Source {MAX_SOURCES_LISTED - 1:03d}" in message and f"Source {MAX_SOURCES_LISTED:03d}" not in message
    assert message.endswith(f"(and {57 - MAX_SOURCES_LISTED} more)")


def test_filters_in_words():
    assert SearchFilters().describe() is None
    assert SearchFilters(as_of="2026-02-20").describe() is None  # the as-of day is reported on its own
    assert SearchFilters(("Agency",), "2026-03-01").describe() == "source: Agency; from 2026-03-01"
    assert (
        SearchFilters(("Agency", "Northern Wire"), "2026-01-01", "2026-03-31").describe()
        == "sources: Agency, Northern Wire; from 2026-01-01 to 2026-03-31"
    )
    assert SearchFilters(date_to="2026-01-01", article_ids=("a", "b")).describe() == "until 2026-01-01; articles: a, b"


def test_the_refusal_under_filters_names_them():
    filters = SearchFilters(("Agency",), "2026-03-01")
    assert (
        filtered_refusal(filters, had_candidates=True)
        == "No article matching the filters (source: Agency; from 2026-03-01) answers this question."
    )
    empty = filtered_refusal(filters, had_candidates=False, as_of=date(2026, 4, 1))
    assert empty.startswith("No indexed article dated on or before 2026-04-01 matches the filters (source: Agency;")
    bounded = SearchFilters(date_to="2026-01-01")  # the range ends before the as-of day: no need to name it
    assert filtered_refusal(bounded, False, date(2026, 4, 1)).startswith("No indexed article matches the filters")


# --- feature: the real demo assistant ---------------------------------------------------------


def test_asking_with_an_unknown_source_is_an_error_listing_the_sources(demo_assistant):
    for call in (
        lambda f: demo_assistant.ask("Who mediated?", filters=f),
        lambda f: demo_assistant.retrieve("Who mediated?", filters=f),
    ):
        with pytest.raises(FilterError) as caught:
            call({"sources": ["No Such Wire"]})
        message = str(caught.value)
        assert message.startswith("unknown source 'No Such Wire'; the index holds: ")
        assert ", ".join(demo_assistant.sources()) in message  # all six, sorted


def test_a_source_typed_in_another_case_finds_its_articles(demo_assistant):
    answer = demo_assistant.ask("Who mediated?", filters={"sources": ["agency"]})
    assert answer.citations[0].sentence == MEDIATED and answer.citations[0].source == "Agency"
    assert answer.filters_applied == "source: Agency"
    assert {p.source for p in demo_assistant.retrieve("talks", k=5, filters={"sources": ["AGENCY"]})} == {"Agency"}


def test_a_reversed_range_is_an_error_in_python(demo_assistant):
    with pytest.raises(FilterError, match="date_from 2026-03-05 is after date_to 2026-03-01"):
        demo_assistant.ask("Who mediated?", filters={"date_from": "2026-03-05", "date_to": "2026-03-01"})
    with pytest.raises(FilterError):
        demo_assistant.retrieve("talks", filters=SearchFilters(date_from="2026-03-05", date_to="2026-03-01"))


def test_a_refusal_under_filters_says_so(demo_assistant):
    # Candidates passed the filters (the Geneva article), but none answers.
    refused = demo_assistant.ask(
        "What is the capital of Australia?", filters={"sources": ["Agency"], "date_from": "2026-01-01"}, as_of=None
    )
    assert refused.refused
    assert refused.text == ("No article matching the filters (source: Agency; from 2026-01-01) answers this question.")
    assert refused.filters_applied == "source: Agency; from 2026-01-01"
    # No article passes the filters at all.
    empty = demo_assistant.ask("Who mediated?", filters={"sources": ["Agency"], "date_from": "2026-03-01"})
    assert empty.refused and not empty.citations
    assert "matches the filters (source: Agency; from 2026-03-01)" in empty.text
    # Without filters the refusal is as before, and nothing says filters were on.
    plain = demo_assistant.ask("What is the capital of Australia?")
    assert plain.text == "I couldn't find that in the indexed articles." and plain.filters_applied is None
