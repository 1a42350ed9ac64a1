"""Questions are encoded on ONNX Runtime: same vectors as sentence-transformers, built once, PyTorch as fallback."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

QUESTIONS = [
    "Who mediated?",
    "Which country did the president visit this week to sign a trade deal with its neighbours?",
    "Qui a négocié l'accord à Genève — et quand ?",
    "talks " * 400,  # longer than the model reads: truncated the same way
]


def test_question_vectors_match_the_stored_sentence_vectors(embedder) -> None:
    from assistant.models.question_encoder import OnnxQueryEncoder

    assert isinstance(embedder._question_encoder, OnnxQueryEncoder)  # the default path
    for question in QUESTIONS:
        fast, reference = embedder.encode_question(question), embedder.encode([question])[0]
        assert fast.dtype == np.float32 and fast.shape == reference.shape
        assert float(fast @ reference) > 0.99999
        assert abs(float(np.linalg.norm(fast)) - 1.0) < 1e-5


def fresh_embedder(embedder):
    """A new Embedder sharing the loaded model, so its question encoder is looked up again."""
    from assistant.models.embedder import Embedder

    fresh = Embedder(embedder.model_path, embedder.batch_size)
    fresh.__dict__["llama_embedding"] = embedder.llama_embedding
    return fresh


def test_onnx_question_encoder_is_built_once_and_reused(embedder, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path))
    first = fresh_embedder(embedder).encode_question("Who mediated?")
    built = list(tmp_path.glob("query-*.onnx"))
    assert len(built) == 1
    stamp = built[0].stat().st_mtime_ns
    again = fresh_embedder(embedder).encode_question("Who mediated?")
    assert list(tmp_path.glob("*")) == built and built[0].stat().st_mtime_ns == stamp
    assert np.array_equal(first, again)


def test_questions_fall_back_to_pytorch_when_onnx_cannot_be_built(
    embedder, tmp_path: Path, monkeypatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(blocked))
    fallback = fresh_embedder(embedder)
    with caplog.at_level(logging.WARNING):
        vector = fallback.encode_question("Who mediated?")
    assert "encoded with PyTorch" in caplog.text
    assert fallback._question_encoder is None
    assert np.allclose(vector, embedder.encode(["Who mediated?"])[0], atol=1e-6)


def test_only_mean_pooled_normalised_models_are_exported(tmp_path: Path) -> None:
    import json
    import shutil

    from assistant.config import bundled_model_path
    from assistant.models.question_encoder import supported

    assert supported(bundled_model_path())
    other = tmp_path / "cls-pooled"
    shutil.copytree(bundled_model_path(), other, ignore=shutil.ignore_patterns("*.safetensors"))
    pooling = other / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text(encoding="utf-8"))
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(config), encoding="utf-8")
    assert not supported(str(other))  # such a model keeps encoding questions with PyTorch
