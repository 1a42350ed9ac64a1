"""Copies of one story folded into one citation count as the gold article in evaluation
(hand-built answers and a hand-built copy store: no model, no index)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.evaluation.datasets import QAItem
from assistant.evaluation.metrics import reworded_sentence
from assistant.evaluation.results import summarise
from assistant.evaluation.runner import score_item
from assistant.evaluation.systems import AssistantSystem, SystemOutput, Unit
from assistant.schema import Answer, Citation, Passage, SearchFilters

GOLD = "The number of ships waiting at anchor rose to 57 on Tuesday, the harbour master’s office said."
WIRE = "The number of ships waiting at anchor rose to 57 on Tuesday, according to the harbour master’s office."
OTHER = "Business groups say the strike is costing the province about 40 million crowns a day."
ITEM = QAItem("t1", "How many ships are waiting?", ["57"], support_sentence=GOLD, article_id="story")


def _output(cited: list[Unit], ranked: list[Unit] | None = None) -> SystemOutput:
    return SystemOutput(text=" ".join(u.text for u in cited), cited=cited, ranked=ranked or cited)


def test_a_reworded_copy_of_the_sentence_is_the_sentence_but_another_sentence_is_not():
    assert reworded_sentence(WIRE, GOLD)
    assert reworded_sentence("— " + GOLD[12:], GOLD)  # a dateline dropped: plain containment
    assert not reworded_sentence(OTHER, GOLD)
    assert not reworded_sentence("", GOLD)


def test_a_unit_is_from_its_own_article_and_from_the_copies_folded_into_it():
    unit = Unit("story-wire", WIRE, copies=("story",))
    assert unit.is_from("story-wire") and unit.is_from("story")
    assert not unit.is_from("elsewhere") and not unit.is_from(None)
    assert not Unit("story-wire", WIRE).is_from("story")


def test_the_gold_article_folded_into_a_ranked_copy_is_found_at_that_copys_rank():
    ranked = [Unit("other", OTHER), Unit("other", "More."), Unit("story-wire", WIRE, ("story",))]
    result = score_item(ITEM, _output(ranked[:1], ranked), 0.1)
    assert result.article_rank == 2  # ranked articles: other, story-wire (standing for story)
    assert result.sentence_rank == 3
    assert not result.first_citation_gold and not result.first_citation_article
    unfolded = [Unit(u.article_id, u.text) for u in ranked]
    missed = score_item(ITEM, _output(unfolded[:1], unfolded), 0.1)
    assert missed.article_rank is None and missed.sentence_rank is None  # as before copies counted


def test_a_first_citation_from_a_copy_counts_as_the_gold_sentence_and_article():
    result = score_item(ITEM, _output([Unit("story-wire", WIRE, ("story",)), Unit("other", OTHER)]), 0.1)
    assert result.first_citation_gold and result.first_citation_article and result.any_citation_gold
    assert result.article_rank == 1 and result.sentence_rank == 1
    assert result.citation_precision == 0.5  # the wire sentence supports, the other one does not
    # another sentence of the copy: the right article, not the gold sentence
    other_sentence = score_item(ITEM, _output([Unit("story-wire", OTHER, ("story",))]), 0.1)
    assert other_sentence.first_citation_article and not other_sentence.first_citation_gold


def test_a_similar_sentence_of_an_article_that_is_no_copy_is_not_the_gold_sentence():
    result = score_item(ITEM, _output([Unit("next-day", WIRE)]), 0.1)
    assert not result.first_citation_gold and not result.first_citation_article
    assert result.article_rank is None and result.sentence_rank is None
    assert result.first_citation_hit  # the answer "57" is still in it


def test_a_refusal_cites_nothing_even_when_the_nearest_passage_is_a_copy():
    refused = SystemOutput(text="Not found", cited=[], ranked=[Unit("story-wire", WIRE, ("story",))], refused=True)
    result = score_item(ITEM, refused, 0.1)
    assert not result.first_citation_gold and not result.first_citation_article
    assert result.article_rank == 1  # retrieval found it all the same


def test_the_summary_counts_first_citations_from_the_gold_article_among_answerable_questions():
    hit = score_item(ITEM, _output([Unit("story-wire", WIRE, ("story",))]), 0.1)
    miss = score_item(ITEM, _output([Unit("other", OTHER)]), 0.1)
    unanswerable = score_item(QAItem("t2", "Who?", []), _output([Unit("other", OTHER)]), 0.1)
    summary = summarise([hit, miss, unanswerable])
    assert summary.first_citation_article == 0.5 and summary.article_recall_at_5 == 0.5
    assert summarise([unanswerable]).first_citation_article is None


# --- AssistantSystem: which copies each cited and ranked unit stands for -----------------
# a, its wire copy a-wire (same day) and a re-publication a-later (after the as-of day); b has none
COPIES = {"a": ["a-wire", "a-later"], "a-wire": ["a", "a-later"], "a-later": ["a", "a-wire"], "b": []}
DATES = {"a": "2024-03-01", "a-wire": "2024-03-01", "a-later": "2024-03-09", "b": "2024-02-27"}


class _CopyStore:
    """Copies and dates as the catalog gives them."""

    def copies_of(self, article_id: str) -> list[str]:
        return list(COPIES[article_id])

    def briefs(self, article_ids):
        return {a: (a.upper(), DATES[a], "Wire") for a in article_ids if a in DATES}


def _passage(article_id: str, index: int) -> Passage:
    return Passage(article_id, index, f"{article_id} {index}.", 0, 5, article_id, None, "", "", "", 0.9)


def _assistant(as_of: str | None) -> SimpleNamespace:
    listed = [{"article_id": "a", "title": "A", "source": "Wire", "date": "2024-03-01"}]
    citation = Citation(1, "a-wire", "A", "2024-03-01", "Wire", "", "a-wire 0.", 0, 0, 9, 0.9, also_reported_by=listed)
    answer = Answer(question="q", text="a-wire 0. [1]", citations=[citation], refused=False, as_of=as_of)
    passages = [_passage("a-wire", 0), _passage("b", 3), _passage("a-wire", 4)]
    return SimpleNamespace(index=_CopyStore(), ask_ranked=lambda *args, **kwargs: (answer, passages))


@pytest.mark.parametrize(
    ("as_of", "copies"),
    [("2024-03-05", ("a",)), (None, ("a", "a-later"))],  # a copy dated after the as-of day was never folded
)
def test_the_assistant_marks_each_unit_with_the_copies_folded_into_its_article(as_of, copies):
    output = AssistantSystem(_assistant(as_of)).answer("q?", filters=SearchFilters(as_of=as_of))
    assert [u.copies for u in output.ranked] == [copies, (), copies]
    assert output.cited[0].copies == copies  # also_reported_by, then the catalog's copies
    assert output.seconds is not None and output.seconds >= 0  # the latency leaves these look-ups out
