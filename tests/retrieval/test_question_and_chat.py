import pytest

from assistant.answering.follow_ups import condense
from assistant.answering.short_answers import extract
from assistant.errors import InvalidQuestionError
from assistant.retrieval.question import analyse, question_type, validate_question


@pytest.mark.parametrize("bad", ["", "   \n\t", "x" * 2001, "?!", None])
def test_bad_questions_raise_clear_errors(bad):
    with pytest.raises(InvalidQuestionError):
        validate_question(bad)


def test_question_types():
    assert question_type("Who mediated?") == "who"
    assert question_type("How many drones were shot down?") == "how_many"
    assert question_type("How much of Ukraine does Russia occupy?") == "how_much"
    assert question_type("What time did it launch?") == "when"
    assert question_type("Where were the talks held?") == "where"


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        (
            "Who mediated?",
            "The talks are being mediated by Witkoff and Jared Kushner, the US president’s son-in-law.",
            "Witkoff and Jared Kushner",
        ),
        ("How many drones were shot down?", "Officials said that 43 Ukrainian drones were shot down overnight.", "43"),
        ("How long did they last?", "Tuesday’s negotiations, which lasted six hours, were tense.", "six hours"),
        ("How much of Ukraine does Russia occupy?", "Russia occupies about 20% of Ukraine.", "about 20%"),
    ],
)
def test_short_answer_rules(question, sentence, expected):
    assert extract(analyse(question), sentence) == expected


def test_follow_up_carries_previous_topic():
    history = ["Where were the talks held?"]
    assert "talks" in condense("Who mediated them?", history)
    assert condense("Who mediated the Geneva talks?", history) == "Who mediated the Geneva talks?"
    assert condense("Who mediated them?", None) == "Who mediated them?"


def test_common_terms_leave_the_lexical_query_only_on_large_indexes():
    from assistant.retrieval.candidates import LEXICAL_POSTINGS_BUDGET, lexical_terms

    frequencies = {"presid": 12_757, "visit": 2_588, "week": 10_341, "countri": 8_398, "kyiv": 90}
    assert lexical_terms(frequencies, 40_000) == list(frequencies)  # small index: every term
    assert lexical_terms(frequencies, 504_640) == ["visit", "countri", "kyiv"]  # "week" would pass the budget
    assert lexical_terms({"presid": 12_757, "week": 10_341}, 504_640) == ["presid", "week"]  # the 2 rarest stay
    rare = {"geneva": 300, "talk": 6_000, "mediat": 9_000, "said": 60_000}
    assert sum(list(rare.values())[:3]) <= LEXICAL_POSTINGS_BUDGET < sum(rare.values())
    assert lexical_terms(rare, 837_526) == ["geneva", "talk", "mediat"]
