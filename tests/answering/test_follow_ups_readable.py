"""What people see of a follow-up is readable: a rewritten question or the earlier question it leans on,
never the keyword-augmented text retrieval reads; and only English turns lend or take context."""

from __future__ import annotations

import pytest

from assistant.answering.follow_ups import resolve, rewrite
from assistant.retrieval.question import content_words

CHINESE = "谁主持了谈判？"
UKRAINIAN = "Хто був посередником на переговорах?"


@pytest.mark.parametrize(
    ("history", "question", "readable"),
    [
        (["Where were the talks held?"], "Who mediated them?", "Who mediated the talks?"),
        (
            ["Where were the talks held?"],
            "How long did they last on Tuesday?",
            "How long did the talks last on Tuesday?",
        ),
        (["When did the Geneva peace talks end?"], "Who attended them?", "Who attended the Geneva peace talks?"),
        (
            ["Who is the mayor of Harbor City?"],
            "What did she call the vote?",
            "What did the mayor of Harbor City call the vote?",
        ),
        (
            ["Who is the Kremlin negotiator?"],
            "How did he describe the talks?",
            "How did the Kremlin negotiator describe the talks?",
        ),
        (
            ["Who is the chief scientist of the Aurora-2 mission?"],
            "What is her team hoping to find on Veska?",
            "What is the chief scientist of the Aurora-2 mission's team hoping to find on Veska?",
        ),
        (["Which plant did Lumentra announce?"], "They said it would open when?", None),  # two context words
        (["Where were the talks held?"], "They ended when?", "The talks ended when?"),
    ],
)
def test_a_simple_follow_up_is_rewritten_to_stand_alone(history, question, readable):
    assert resolve(question, history).readable == readable


def test_a_chain_rewrites_each_turn_from_the_one_before():
    history = ["Where were the talks held?", "Who mediated them?"]
    follow_up = resolve("How long did they last on Tuesday?", history)
    assert follow_up.readable == "How long did the talks last on Tuesday?"
    assert follow_up.leaned_on == "Who mediated them?"  # the latest turn, as asked
    # Retrieval still reads the carried keywords (what retrieves best); they are never shown.
    assert follow_up.searched == "How long did they last on Tuesday? mediated talks held"
    later = resolve(
        "How many jobs will it create?",
        ["Who is Lumentra's chief executive?", "Where did she say the new plant would be built?"],
    )
    assert later.readable == "How many jobs will the new plant create?"


@pytest.mark.parametrize(
    ("earlier", "question"),
    [
        (
            "Who scored twice in extra time of the cup final?",
            "In which minute did he score his header?",
        ),  # he: the answer
        ("Who manages Ridgeway Rovers?", "How old is she?"),
        ("Who declared a state of emergency over the flooding?", "How many counties did it cover?"),  # two things
        ("How many passengers did Harbor Metro carry last year?", "And before the pandemic?"),  # elliptic
        ("What did the mayor say about the bridge?", "Who built it?"),  # the mayor or the bridge
    ],
)
def test_no_rewrite_when_it_is_not_simple_but_the_earlier_question_is_named(earlier, question):
    follow_up = resolve(question, [earlier])
    assert follow_up.readable is None
    assert follow_up.leaned_on == earlier
    assert follow_up.searched != question  # retrieval still gets the earlier turn's words


def test_a_question_that_stands_alone_leans_on_nothing():
    follow_up = resolve("Who mediated the Geneva talks?", ["Where were the talks held?"])
    assert (follow_up.searched, follow_up.readable, follow_up.leaned_on) == (
        "Who mediated the Geneva talks?",
        None,
        None,
    )
    assert rewrite("Who mediated them?", "Who mediated?") is None  # nothing to stand for "them"


@pytest.mark.parametrize("foreign", [CHINESE, UKRAINIAN])
def test_a_turn_that_is_not_english_never_lends_context(foreign):
    alone = resolve("Who mediated them?", [foreign])
    assert (alone.searched, alone.readable, alone.leaned_on) == ("Who mediated them?", None, None)
    # It is skipped, not a wall: the English turn before it still resolves the follow-up.
    skipped = resolve("Who mediated them?", ["Where were the talks held?", foreign])
    assert skipped.readable == "Who mediated the talks?" and skipped.leaned_on == "Where were the talks held?"
    assert skipped.searched.isascii()  # nothing of the foreign turn was carried


@pytest.mark.parametrize("foreign", [CHINESE, UKRAINIAN, "他们在哪里？"])
def test_an_english_turn_never_completes_a_question_that_is_not_english(foreign):
    follow_up = resolve(foreign, ["Where were the talks held?"])
    assert (follow_up.searched, follow_up.readable, follow_up.leaned_on) == (foreign, None, None)


# --- feature: the real demo assistant ------------------------------------------------------


def test_the_shown_question_is_readable_and_the_follow_up_still_answers(demo_assistant):
    history = ["Where were the talks held?", "Who mediated them?"]
    answer = demo_assistant.ask("How long did they last on Tuesday?", history=history)
    assert "six hours" in answer.text
    assert answer.standalone_question == "How long did the talks last on Tuesday?"  # no keyword soup
    assert answer.leaned_on == "Who mediated them?"
    assert answer.question == "How long did they last on Tuesday?"

    mediated = demo_assistant.ask("Who mediated them?", history=history[:1])
    assert "Kushner" in mediated.text and mediated.citations[0].article_id == "geneva-peace-talks"
    assert mediated.standalone_question == "Who mediated the talks?"


def test_without_a_rewrite_the_answer_names_the_question_it_followed(demo_assistant):
    earlier = "How many passengers did Harbor Metro carry last year?"
    answer = demo_assistant.ask("And before the pandemic?", history=[earlier])
    assert answer.standalone_question is None and answer.leaned_on == earlier


def test_non_english_turns_are_not_context_for_the_real_assistant(demo_assistant):
    after_chinese = demo_assistant.ask("Who mediated them?", history=["Where were the talks held?", CHINESE])
    assert after_chinese.leaned_on == "Where were the talks held?"
    assert "Kushner" in after_chinese.text
    foreign = demo_assistant.ask(UKRAINIAN, history=["Where were the talks held?"])
    assert foreign.standalone_question is None and foreign.leaned_on is None
    shown = f"{after_chinese.standalone_question} {after_chinese.leaned_on}"
    assert not set(content_words(shown)) & set(content_words(CHINESE))
