"""Reader v2's inputs: the title after the sentence (spans stay inside the sentence), and the
questions made unanswerable by swapping a name or a number."""

from __future__ import annotations

import random

from assistant.answering.reader.inputs import ReaderInput, second_segment
from training.unanswerable import NamePool, names, report_set, swap_entity

POOL = NamePool(["Who founded Microsoft?", "When did Germany join the union?", "Where is Notre Dame?"])


def test_the_title_follows_the_sentence_and_is_left_out_when_empty() -> None:
    item = ReaderInput("How much did the economy grow?", "It grew 0.1%.", "Analysts were surprised.", "Japan escapes")
    assert second_segment(item, "[SEP]") == "It grew 0.1%. [SEP] Japan escapes [SEP] Analysts were surprised."
    assert second_segment(ReaderInput("q", "It grew.", "Before."), "[SEP]") == "It grew. [SEP] Before."
    assert second_segment(ReaderInput("q", "It grew.", "", "  "), "[SEP]") == "It grew."


def test_a_name_the_passage_holds_is_swapped_for_one_it_does_not() -> None:
    question = "How much did Japan's economy grow in the three months to September?"
    passage = "Japan narrowly escapes recession. The economy grew 0.1% in the three months to September."
    swapped = swap_entity(question, passage, POOL, random.Random(3))
    assert swapped is not None and swapped != question
    changed = set(swapped.split()) - set(question.split())
    assert changed and not any(word.lower() in passage.lower() for word in changed)


def test_a_year_moves_and_nothing_is_swapped_when_nothing_ties_question_and_passage() -> None:
    swapped = swap_entity("What happened in 1998?", "In 1998 the bank failed.", POOL, random.Random(1))
    assert swapped is not None and "1998" not in swapped and swapped.startswith("What happened in 19")
    assert swap_entity("What happened then?", "The bank failed.", POOL, random.Random(1)) is None


def test_the_question_word_is_not_a_name() -> None:
    assert names("What did Barack Obama say in Paris?") == ["Barack Obama", "Paris"]


def test_the_report_set_adds_unanswerable_questions_whose_paragraph_lacks_the_answer() -> None:
    squad = {
        "data": [
            {
                "title": "Oil_crisis",
                "paragraphs": [
                    {
                        "context": "The 1973 oil crisis began in October 1973 when OAPEC proclaimed an embargo.",
                        "qas": [
                            {
                                "id": "a",
                                "question": "When did the 1973 oil crisis begin?",
                                "answers": [{"text": "October 1973", "answer_start": 30}],
                            }
                        ],
                    },
                    {"context": "Prices quadrupled by 1974.", "qas": []},
                ],
            }
        ]
    }
    made = report_set(squad, random.Random(0), swap_share=1.0, moved_share=1.0)
    first, second = made["data"][0]["paragraphs"]
    assert [q["id"] for q in first["qas"]] == ["a", "a-swapped"]
    assert first["qas"][1]["is_impossible"] and first["qas"][1]["answers"] == []
    assert "1973" not in first["qas"][1]["question"].split()[-3]  # the year in the question moved
    assert [q["id"] for q in second["qas"]] == ["a-moved"]
    assert made["counts"] == {"answerable": 1, "swapped": 1, "moved": 1}
