"""Q&A datasets in the project's, SQuAD's and RealTimeQA's layouts read into one shape."""

from __future__ import annotations

import gzip
import json

import pytest

from assistant.evaluation import load_dataset, normalise_answer
from tests.conftest import REPO, SHARED

SQUAD_V2 = {
    "version": "v2.0",
    "data": [
        {
            "title": "Harbor_City",
            "paragraphs": [
                {
                    "context": "Harbor City lies on the coast. Its mayor is Elena Marsh. The port opened in 1901.",
                    "qas": [
                        {
                            "id": "a1",
                            "question": "Who is the mayor?",
                            "answers": [{"text": "Elena Marsh", "answer_start": 44}],
                        },
                        {
                            "id": "a2",
                            "question": "When did the port open?",
                            "answers": [{"text": "1901", "answer_start": 76}],
                        },
                        {"id": "a3", "question": "Who founded it?", "answers": [], "is_impossible": True},
                    ],
                }
            ],
        }
    ],
}


def test_squad_paragraphs_become_articles_with_gold_sentences(tmp_path):
    path = tmp_path / "tiny_squad.json.gz"
    path.write_bytes(gzip.compress(json.dumps(SQUAD_V2).encode()))
    dataset = load_dataset(path)
    assert [d.title for d in dataset.documents] == ["Harbor City"]
    mayor, port, impossible = dataset.items
    assert mayor.support_sentence == "Its mayor is Elena Marsh." and mayor.article_id == dataset.documents[0].id
    assert port.support_sentence == "The port opened in 1901." and port.answers == ["1901"]
    assert not impossible.answerable and impossible.support_sentence is None


def test_realtimeqa_questions_and_their_pool(tmp_path):
    (tmp_path / "qa").mkdir()
    (tmp_path / "news").mkdir()
    pool = [
        {
            "id": "rtqa-1",
            "url": "https://x.example/a",
            "title": "Skating age",
            "publish_date": "2022/06/07",
            "text": "The minimum age was raised to 17.",
        }
    ]
    with gzip.open(tmp_path / "news" / "realtimeqa_dev_articles.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(r) + "\n" for r in pool))
    question = {
        "question_id": "20220610_10",
        "question_date": "2022/06/10",
        "question": "The minimum age has been raised to:",
        "answer": "17",
        "support": {"doc_id": "rtqa-1", "sentence": "The minimum age was raised to 17.", "overlap": 6},
    }
    path = tmp_path / "qa" / "realtimeqa_dev.jsonl"
    path.write_text(json.dumps(question) + "\n", encoding="utf-8")
    dataset = load_dataset(path)
    (item,) = dataset.items
    assert (item.answers, item.article_id, item.date) == (["17"], "rtqa-1", "2022-06-10")
    assert [(d.id, d.date) for d in dataset.documents] == [("rtqa-1", "2022-06-07")]


def test_own_jsonl_is_read_as_before():
    dataset = load_dataset(REPO / "eval" / "demo_qa.jsonl")
    assert len(dataset.items) >= 90 and dataset.documents == []
    assert sum(1 for i in dataset.items if i.follow_up_of) >= 10


@pytest.mark.shared_data
@pytest.mark.skipif(not (SHARED / "data" / "qa").exists(), reason="../shared/data is absent on this machine")
def test_real_squad_dev_gold_sentences_hold_their_answers():
    dataset = load_dataset(SHARED / "data" / "qa" / "squad_dev_v1.1.json.gz")
    assert len(dataset.items) == 10_570 and len(dataset.documents) == 2_067
    held = sum(
        any(normalise_answer(a) in normalise_answer(i.support_sentence or "") for a in i.answers) for i in dataset.items
    )
    assert held / len(dataset.items) > 0.97
