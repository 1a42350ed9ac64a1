"""Follow-up questions in the eval set's conversation chains are resolved against earlier turns."""

from __future__ import annotations

import json

from assistant.answering.follow_ups import needs_context
from assistant.evaluation import history_for, load_qa
from assistant.retrieval.question import content_words
from tests.conftest import REPO

FLOORS = json.loads((REPO / "eval" / "floors.json").read_text())["demo_follow_ups"]


def _gold_first(answer, item) -> bool:
    if not item.answerable:
        return answer.refused
    return bool(answer.citations) and answer.citations[0].sentence.strip() == (item.support_sentence or "").strip()


def test_follow_up_chains_are_resolved(demo_assistant):
    items = load_qa(REPO / "eval" / "demo_qa.jsonl")
    by_id = {item.id: item for item in items}
    follow_ups = [item for item in items if item.follow_up_of]
    chains = {item.follow_up_of for item in follow_ups} - {item.id for item in follow_ups}
    assert len(chains) >= 5 and len(follow_ups) >= 10

    with_history = without_history = 0
    for item in follow_ups:
        history = history_for(item, by_id)
        answer = demo_assistant.ask(item.question, history=history)
        if needs_context(item.question):
            # Shown: a rewrite that stands alone, or else the earlier question it was read against.
            assert answer.leaned_on in history, item.id
            if answer.standalone_question:

                def words(text: str) -> set[str]:
                    return {w.removesuffix("'s") for w in content_words(text)}  # "mission's" is "mission"

                carried = words(answer.standalone_question) - words(item.question)
                assert carried <= {w for turn in history for w in words(turn)}, item.id
        with_history += _gold_first(answer, item)
        without_history += _gold_first(demo_assistant.ask(item.question), item)

    assert len(follow_ups) == FLOORS["questions"]
    assert with_history / len(follow_ups) >= FLOORS["floors"]["gold_first_share"]
    assert with_history >= without_history


def test_the_geneva_chain_end_to_end(demo_assistant):
    history: list[str] = []
    expected = {
        "Where were the talks held?": "Geneva",
        "Who mediated them?": "Kushner",
        "How long did they last on Tuesday?": "six hours",
    }
    for question, needle in expected.items():
        answer = demo_assistant.ask(question, history=history)
        assert needle in answer.text, (question, answer.standalone_question, answer.text)
        history.append(question)
