"""The project's own Q&A set must not regress below the floors kept in eval/floors.json."""

from __future__ import annotations

import json

from assistant.evaluation import evaluate, exact_match, f1_score, load_qa
from assistant.evaluation.results import passed_differently
from tests.conftest import REPO


def test_squad_style_metrics():
    assert exact_match("The Geneva", ["geneva"]) == 1.0
    assert exact_match(None, ["x"]) == 0.0
    assert f1_score("Witkoff and Kushner", ["Witkoff and Jared Kushner"]) == 2 * 1.0 * 0.75 / 1.75


def test_demo_eval_set_meets_floors(demo_assistant):
    items = load_qa(REPO / "eval" / "demo_qa.jsonl")
    assert len(items) >= 30 and sum(not i.answerable for i in items) >= 5
    summary = evaluate(demo_assistant, items).to_dict()
    floors = json.loads((REPO / "eval" / "floors.json").read_text())["demo_qa"]["floors"]
    below = {k: (summary[k], floor) for k, floor in floors.items() if summary[k] < floor}
    assert not below, f"metrics below their floors (measured, floor): {below}"


def test_reader_passes_more_demo_questions_than_the_heuristics(demo_assistant):
    items = load_qa(REPO / "eval" / "demo_qa.jsonl")
    reader = evaluate(demo_assistant, items).items
    heuristic = evaluate(demo_assistant.with_answerer("heuristic"), items).items
    gained, lost = passed_differently(reader, heuristic)
    lost = [(i.id, i.question) for i in lost]
    floors = json.loads((REPO / "eval" / "floors.json").read_text())["demo_qa_reader_vs_heuristic"]["floors"]
    assert len(lost) <= floors["max_lost"], f"the reader fails more questions the heuristic passes: {lost}"
    assert len(gained) >= floors["min_gained"], f"the reader gains only {len(gained)} questions"
