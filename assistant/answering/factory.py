"""Make the configured answerer: a registry of kinds, and the reader loaded once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from assistant.answering.base import Answerer
from assistant.answering.heuristic import HeuristicAnswerer
from assistant.answering.reader.reader import DEFAULT_RUNTIME, SentenceReader
from assistant.answering.reading import ReaderAnswerer
from assistant.config import Settings, bundled_model_path

DEFAULT_READER_THRESHOLD = 0.5
_READERS: dict[str, SentenceReader | None] = {}
_READERS_LOCK = threading.Lock()


def _heuristic(settings: Settings) -> Answerer:
    return HeuristicAnswerer(settings.refusal_threshold, settings.max_answer_sentences)


def _reader(settings: Settings) -> Answerer:
    """The trained reader; the heuristics when its weights are absent."""
    reader = shared_reader(settings.reader_dir, settings.reader_runtime)
    if reader is None:
        return _heuristic(settings)
    threshold = settings.reader_refusal_threshold
    thresholds = {level: float(t) for level, t in (reader.config.get("strictness_thresholds") or {}).items()}
    if threshold is not None:
        thresholds = {}  # a threshold set by hand is kept whatever the strictness
    else:
        fallback = reader.config.get("refusal_threshold", DEFAULT_READER_THRESHOLD)
        threshold = float(thresholds.get(settings.strictness or "", fallback))
    return ReaderAnswerer(reader, threshold, settings.max_answer_sentences, settings.reader_candidates, thresholds)


ANSWERERS: dict[str, Callable[[Settings], Answerer]] = {"reader": _reader, "heuristic": _heuristic}


def build_answerer(settings: Settings, kind: str | None = None) -> Answerer:
    """The answerer of `kind` (default: the configured one)."""
    kind = kind or settings.answerer
    if kind not in ANSWERERS:
        raise ValueError(f"unknown answerer {kind!r}; choose from {', '.join(ANSWERERS)}")
    return ANSWERERS[kind](settings)


def shared_reader(folder: Path | None = None, runtime: str = DEFAULT_RUNTIME) -> SentenceReader | None:
    """A reader (the shipped one by default), loaded once per process; None when its files are absent."""
    from assistant.answering.reader import load_default_reader, shipped_weights

    folder = Path(folder or shipped_weights())
    key = f"{folder}:{runtime}"
    with _READERS_LOCK:
        if key not in _READERS:
            _READERS[key] = load_default_reader(bundled_model_path(), folder, runtime)
        return _READERS[key]
