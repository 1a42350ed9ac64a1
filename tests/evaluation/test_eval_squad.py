"""SQuAD v1.1 dev (300 questions spread over the set) must stay above the floors in eval/floors.json.

Open mode indexes all 2,067 dev paragraphs into a real on-disk index; reader mode
gives each question only its own paragraph. Needs ../shared (skips without it).
"""

from __future__ import annotations

import json

import pytest

from assistant.config import shared_data
from assistant.evaluation import load_squad, run_evaluation
from tests.conftest import REPO

SQUAD_DEV = shared_data("qa", "squad_dev_v1.1.json.gz")
QUESTIONS = 300

pytestmark = pytest.mark.skipif(not SQUAD_DEV.exists(), reason=f"SQuAD dev not found at {SQUAD_DEV}")


@pytest.fixture(scope="module")
def squad_assistant(tmp_path_factory, embedder):
    from assistant import Assistant

    return Assistant.open(index="squad", index_dir=tmp_path_factory.mktemp("squad"), embedder=embedder)


@pytest.mark.parametrize("mode", ["open", "reader"])
def test_squad_dev_meets_floors(squad_assistant, mode):
    dataset = load_squad(SQUAD_DEV)
    assert len(dataset.documents) == 2067 and len(dataset.items) == 10570
    run = run_evaluation(dataset, mode=mode, limit=QUESTIONS, systems=["ours"], assistant=squad_assistant)
    assert run.documents == 2067 and run.questions == QUESTIONS
    assert squad_assistant.counts()["articles"] == 2067  # open mode really searches every paragraph
    measured = run.summaries["ours"].to_dict()
    floors = json.loads((REPO / "eval" / "floors.json").read_text())[f"squad_dev_{QUESTIONS}_{mode}"]["floors"]
    below = {k: (measured[k], floor) for k, floor in floors.items() if measured[k] < floor}
    assert not below, f"SQuAD dev {mode} mode below its floors (measured, floor): {below}"
