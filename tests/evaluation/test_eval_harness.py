"""`assistant eval`: three systems side by side, reader and open modes, the report a person reads."""

from __future__ import annotations

import json
import struct

import pytest

from assistant.cli import main
from assistant.evaluation import load_qa, run_evaluation
from assistant.evaluation.datasets import QADataset, QAItem, asked_since, spread
from assistant.evaluation.metrics import contains_sentence, first_rank, mean_reciprocal_rank, recall_at
from assistant.evaluation.runner import stored_documents
from assistant.evaluation.systems import AssistantSystem, BM25System, LlamaIndexDefaultSystem
from assistant.schema import SearchFilters
from tests.conftest import REPO

DEMO_QA = REPO / "eval" / "demo_qa.jsonl"


def test_ranking_metrics():
    assert first_rank([False, False, True, True]) == 3
    assert first_rank([False]) is None
    assert recall_at([1, 3, None, 7], 1) == 0.25
    assert recall_at([1, 3, None, 7], 5) == 0.5
    assert mean_reciprocal_rank([1, 2, None, 4]) == pytest.approx((1 + 0.5 + 0.25) / 4)


def test_gold_sentence_matching_tolerates_other_splitting_but_not_fragments():
    gold = "The talks, mediated by Witkoff and Kushner, ran for six hours."
    assert contains_sentence("Intro. " + gold + " More text follows.", gold)  # a chunk holding it
    assert contains_sentence("the talks,  mediated by Witkoff and Kushner, ran for six hours", gold)
    assert not contains_sentence("ran for six hours.", gold)  # a short fragment is not the sentence
    assert not contains_sentence("", gold)


def test_limit_spreads_questions_over_the_whole_set():
    items = load_qa(DEMO_QA)
    chosen = spread(items, 10)
    assert len(chosen) == 10 and chosen[0] is items[0]
    assert chosen[-1] is items[int(9 * len(items) / 10)]  # reaches the end of the set, not just its start
    assert spread(items, None) == items


def test_since_keeps_only_questions_asked_on_or_after_the_date():
    items = [
        QAItem("a", "q?", ["x"], date="2023-12-29"),
        QAItem("b", "q?", ["x"], date="2024-01-05"),
        QAItem("c", "q?", ["x"]),
    ]
    assert [i.id for i in asked_since(items, "2024-01-01")] == ["b"]
    assert asked_since(items, None) == items
    with pytest.raises(ValueError, match="no question in this set is dated 2025-01-01 or later"):
        asked_since(items, "2025-01-01")


@pytest.fixture(scope="module")
def demo_run(demo_assistant, tmp_path_factory):
    report = tmp_path_factory.mktemp("report")
    dataset = QADataset("demo_qa", load_qa(DEMO_QA))
    systems = ("ours", "heuristic", "llama-index", "bm25")
    return run_evaluation(dataset, assistant=demo_assistant, report_dir=report, progress=False, systems=systems), report


def test_all_systems_answer_the_same_questions(demo_run):
    run, _ = demo_run
    assert set(run.summaries) == {"ours", "heuristic", "llama-index", "bm25"}
    counts = {name: s.questions for name, s in run.summaries.items()}
    assert set(counts.values()) == {len(load_qa(DEMO_QA))}
    ours, llama, bm25 = (run.summaries[n] for n in ("ours", "llama-index", "bm25"))
    # Only ours refuses; only ours gives short answers; retrieval finds the gold article for most questions.
    assert ours.refusal_recall > 0 and llama.refusal_recall == 0 and bm25.refusal_recall == 0
    assert ours.short_em > 0.3 and llama.short_em == 0
    for summary in (ours, llama, bm25):
        assert summary.article_recall_at_10 > 0.9
        curve = summary.recall_curve("sentence")
        assert len(curve) == 10 and curve == sorted(curve)  # recall@k never falls as k grows
    assert run.builds["llama-index"].unit_name == "chunks" and run.builds["llama-index"].units >= 6


def test_report_files_are_written_and_readable(demo_run):
    run, folder = demo_run
    data = json.loads((folder / "report.json").read_text())
    assert data["questions"] == run.questions and set(data["systems"]) == set(run.summaries)
    assert data["systems"]["ours"]["answer_hit"] == run.summaries["ours"].answer_hit
    assert data["systems"]["ours"]["by_type"]["who"]["questions"] > 0
    markdown = (folder / "report.md").read_text()
    assert "| metric | ours | heuristic | llama-index | bm25 |" in markdown and "sentence recall@5" in markdown
    assert "## ours against heuristic, question by question" in markdown
    for picture in ("recall_at_k.png", "latency.png", "accuracy_by_type.png"):
        assert f"]({picture})" in markdown
        head = (folder / picture).read_bytes()[:24]
        width, height = struct.unpack(">II", head[16:24])
        assert head[:8] == b"\x89PNG\r\n\x1a\n" and width > 300 and height > 200
    rows = (folder / "items.jsonl").read_text().splitlines()
    assert len(rows) == 4 * run.questions


def test_reader_mode_reads_only_the_gold_article(demo_assistant, tmp_path):
    geneva = SearchFilters(article_ids=("geneva-peace-talks",))
    llama = LlamaIndexDefaultSystem(demo_assistant.embedder, tmp_path / "llama")
    llama.build(stored_documents(demo_assistant))
    for system in (AssistantSystem(demo_assistant), BM25System(demo_assistant.index.catalog), llama):
        # A question about another article: in reader mode only Geneva may be read.
        output = system.answer("When does the Aurora-2 probe reach the asteroid?", filters=geneva)
        assert output.ranked, system.name
        assert {unit.article_id for unit in output.ranked} == {"geneva-peace-talks"}, system.name


def test_llama_index_baseline_is_reused_when_documents_are_unchanged(demo_assistant, tmp_path):
    documents = stored_documents(demo_assistant)
    first = LlamaIndexDefaultSystem(demo_assistant.embedder, tmp_path / "llama").build(documents)
    again = LlamaIndexDefaultSystem(demo_assistant.embedder, tmp_path / "llama").build(documents)
    changed = LlamaIndexDefaultSystem(demo_assistant.embedder, tmp_path / "llama").build(documents[:2])
    assert not first.reused and again.reused and again.units == first.units
    assert not changed.reused and changed.units < first.units


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "no/such/file.jsonl"], "no such dataset"),
        (["eval", str(DEMO_QA), "--limit", "0"], "--limit must be at least 1"),
        (["eval", str(DEMO_QA), "--systems", "ours,gpt"], "unknown system(s) gpt"),
        (["eval", str(DEMO_QA), "--since", "last week"], "--since must be a date"),
    ],
)
def test_eval_cli_rejects_bad_arguments_before_loading_anything(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_eval_cli_rejects_a_file_that_is_not_a_qa_set(tmp_path, capsys):
    bad = tmp_path / "notes.jsonl"
    bad.write_text("this is not json\n")
    assert main(["eval", str(bad)]) == 2
    assert "cannot read" in capsys.readouterr().err
