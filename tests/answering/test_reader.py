"""The trained reader: input/span plumbing, the shipped weights, and how the assistant uses it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from assistant.answering.factory import build_answerer
from assistant.answering.heuristic import HeuristicAnswerer
from assistant.answering.reader import load_default_reader, shipped_weights
from assistant.answering.reader.inputs import ReaderInput, char_span_to_tokens, encode, sentence_token_mask
from assistant.answering.reader.model import CONFIG_FILE, WEIGHTS_FILE
from assistant.answering.reader.reader import best_span
from assistant.answering.reading import ReaderAnswerer
from assistant.config import Settings, bundled_model_path

MEDIATED = "The talks are being mediated by Witkoff and Jared Kushner, the US president’s son-in-law."


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(bundled_model_path())


@pytest.fixture(scope="module")
def reader():
    loaded = load_default_reader(bundled_model_path())
    assert loaded is not None, f"the shipped reader is missing from {shipped_weights()}"
    return loaded


def test_answer_span_maps_to_tokens_and_back(tokenizer) -> None:
    item = ReaderInput("Who mediated?", MEDIATED, "This is the third round. Witkoff was also there.")
    encoding = encode(tokenizer, [item])
    start = MEDIATED.index("Witkoff")
    end = start + len("Witkoff and Jared Kushner")
    span = char_span_to_tokens(encoding, 0, start, end)
    assert span is not None
    offsets = encoding["offset_mapping"][0].tolist()
    assert MEDIATED[offsets[span[0]][0] : offsets[span[1]][1]] == "Witkoff and Jared Kushner"
    allowed = sentence_token_mask(encoding, 0, len(MEDIATED))
    # Question tokens and the context after [SEP] can never be part of an answer.
    assert not any(allowed[: encoding.sequence_ids(0).index(1)])
    assert sum(allowed) < sum(1 for s in encoding.sequence_ids(0) if s == 1)


def test_an_answer_cut_off_by_truncation_has_no_span(tokenizer) -> None:
    sentence = " ".join(["word"] * 120) + " Witkoff."
    encoding = encode(tokenizer, [ReaderInput("Who?", sentence)], max_tokens=32)
    start = sentence.index("Witkoff")
    assert char_span_to_tokens(encoding, 0, start, start + 7) is None


def test_best_span_never_leaves_the_sentence() -> None:
    import torch

    start = torch.tensor([9.0, 0.0, 1.0, 0.0, 5.0])
    end = torch.tensor([9.0, 0.0, 0.0, 2.0, 5.0])
    allowed = [False, True, True, True, False]  # [CLS] and a context token score highest
    assert best_span(start, end, allowed) == (2, 3)
    assert best_span(start, end, [False] * 5) is None


def test_shipped_weights_are_compact_and_documented() -> None:
    folder = shipped_weights()
    assert (folder / WEIGHTS_FILE).stat().st_size <= 50 * 1024 * 1024
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in card and "SQuAD" in card
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    assert 0.0 < config["refusal_threshold"] < 1.0


def test_reader_ranks_the_answering_sentence_first_and_reads_the_span(reader, geneva_record) -> None:
    from assistant.ingest.sentences import split_sentences

    sentences = [s.text for s in split_sentences(geneva_record["text"])]
    readings = reader.read("Who mediated the talks?", sentences)
    best = max(range(len(sentences)), key=lambda i: readings[i].relevance)
    assert sentences[best] == MEDIATED
    assert "Witkoff" in (readings[best].answer or "")
    assert readings[best].answer in sentences[best]


def test_assistant_reads_with_the_trained_reader_by_default(demo_assistant) -> None:
    assert isinstance(demo_assistant.answerer, ReaderAnswerer)
    answer, ranked = demo_assistant.ask_ranked("Who mediated?")
    assert not answer.refused
    assert answer.citations[0].sentence == MEDIATED
    assert "Witkoff" in (answer.short_answer or "")
    assert {"reader", "retrieval"} <= set(ranked[0].scores)
    assert ranked[0].score >= ranked[1].score


def test_reader_refuses_what_the_articles_do_not_say(demo_assistant) -> None:
    for question in ("What is the capital of Australia?", "Who won the 2022 FIFA World Cup?"):
        answer = demo_assistant.ask(question)
        assert answer.refused, question
        assert answer.nearest  # the closest passages are still shown, marked as not an answer


def test_heuristic_answerer_by_config(make_assistant, monkeypatch) -> None:
    assert isinstance(make_assistant(answerer="heuristic").answerer, HeuristicAnswerer)
    monkeypatch.setenv("ASSISTANT_ANSWERER", "heuristic")
    assert Settings.from_env().answerer == "heuristic"
    with pytest.raises(ValueError, match="unknown answerer"):
        build_answerer(Settings(answerer="oracle"))


def test_missing_weights_fall_back_to_the_heuristics(make_assistant, tmp_path: Path, geneva_record) -> None:
    from assistant.schema import Article

    assistant = make_assistant(reader_dir=tmp_path / "no-reader-here")
    assert isinstance(assistant.answerer, HeuristicAnswerer)
    assistant.ingest([Article(id=geneva_record["id"], text=geneva_record["text"], title=geneva_record["title"])])
    answer = assistant.ask("Who mediated?")
    assert answer.citations and answer.citations[0].sentence == MEDIATED


def test_weights_for_another_encoder_are_refused(tmp_path: Path) -> None:
    from assistant.answering.reader.reader import load_reader

    copy = tmp_path / "reader"
    shutil.copytree(shipped_weights(), copy)
    config = json.loads((copy / CONFIG_FILE).read_text(encoding="utf-8"))
    config["word_embeddings_sha256_16"] = "0" * 16
    (copy / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ValueError, match="not the encoder"):
        load_reader(copy, bundled_model_path())


@pytest.fixture(scope="module")
def fp32_reader():
    from assistant.answering.reader.reader import load_reader

    return load_reader(shipped_weights(), bundled_model_path(), "torch-fp32")


def test_onnx_int8_reader_agrees_with_fp32(reader, fp32_reader, geneva_record) -> None:
    from assistant.answering.reader.runtime import OnnxReaderNetwork
    from assistant.ingest.sentences import split_sentences

    assert isinstance(reader.model, OnnxReaderNetwork)  # the default runtime
    sentences = [s.text for s in split_sentences(geneva_record["text"])]
    for question in ("Who mediated the talks?", "Where were the talks held?", "What did the delegations sign?"):
        fast, exact = reader.read(question, sentences), fp32_reader.read(question, sentences)
        assert max(abs(a.relevance - b.relevance) for a, b in zip(fast, exact, strict=True)) < 0.15
        top = max(range(len(sentences)), key=lambda i: exact[i].relevance)
        picked = max(range(len(sentences)), key=lambda i: fast[i].relevance)
        assert exact[picked].relevance >= exact[top].relevance - 0.15  # the same sentence, or a near tie
        # the same words; int8 may move a span's edge over a quote mark
        assert re.findall(r"\w+", fast[top].answer or "") == re.findall(r"\w+", exact[top].answer or "")


def test_reader_falls_back_to_pytorch_when_onnx_cannot_be_built(tmp_path: Path, monkeypatch, caplog) -> None:
    from assistant.answering.reader.reader import load_reader

    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(blocked))
    fallback = load_reader(shipped_weights(), bundled_model_path(), "onnx-int8")
    assert "using PyTorch int8" in caplog.text
    reading = fallback.read("Who mediated the talks?", [MEDIATED])[0]
    assert reading.relevance > 0.5 and "Witkoff" in (reading.answer or "")
    with pytest.raises(ValueError, match="unknown reader runtime"):
        load_reader(shipped_weights(), bundled_model_path(), "gpu")


def test_onnx_form_is_built_once_and_reused(tmp_path: Path, monkeypatch) -> None:
    from assistant.answering.reader.reader import load_reader

    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path))
    load_reader(shipped_weights(), bundled_model_path())
    built = list(tmp_path.glob("reader-*.onnx"))
    assert len(built) == 1
    stamp = built[0].stat().st_mtime_ns
    again = load_reader(shipped_weights(), bundled_model_path())
    assert list(tmp_path.glob("*")) == built and built[0].stat().st_mtime_ns == stamp
    assert "Witkoff" in (again.read("Who mediated the talks?", [MEDIATED])[0].answer or "")


def test_training_batches_keep_each_question_whole_and_rank_within_it() -> None:
    import random

    import torch

    from training.reader_data import Pair
    from training.train_reader import batches, listwise_loss

    rng = random.Random(3)
    pairs = []
    for question in range(60):
        pairs.append(Pair(ReaderInput(f"q{question}", "s" * question), 1.0, 0, 1, question))
        pairs.extend(
            Pair(ReaderInput(f"q{question}", "n" * question), 0.0, group=question) for _ in range(rng.randint(0, 2))
        )
    plan = batches(pairs, 16, rng)
    assert sorted(id(p) for b in plan for p in b) == sorted(id(p) for p in pairs)
    for batch in plan:
        groups = {p.group for p in batch}
        assert all(
            sum(p.label for p in batch if p.group == g) == 1.0 for g in groups
        )  # one positive, all its negatives
    batch = next(b for b in plan if len({p.group for p in b}) < len(b))
    right = torch.tensor([5.0 if p.label else -5.0 for p in batch])
    assert listwise_loss(right, batch) < 0.01 < listwise_loss(-right, batch)


def test_paragraph_negatives_are_the_sentences_sharing_most_words_never_the_answer() -> None:
    from assistant.ingest.sentences import split_sentences
    from training.reader_data import hardest_others

    paragraph = split_sentences(
        "The treaty was signed in Vienna in 1815. Delegates from Prussia attended the congress. "
        "The congress of Vienna redrew the borders of Europe. Music was played every evening."
    )
    question = "Which city hosted the congress that redrew the borders of Europe?"
    gold = 2
    assert hardest_others(question, paragraph, gold) == [1]  # "congress" is shared; the default is one
    ranked = hardest_others(question, paragraph, gold, count=3)
    assert gold not in ranked and len(ranked) == 3
    assert ranked[0] == 1 and ranked[-1] == 3  # "Music ..." shares no word with the question
