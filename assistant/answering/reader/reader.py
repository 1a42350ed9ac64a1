"""Run the trained reader over candidate sentences: a relevance probability and a short answer each."""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answering.reader.inputs import MAX_TOKENS, ReaderInput, encode, sentence_token_mask

MAX_ANSWER_TOKENS = 24
logger = logging.getLogger(__name__)


def shipped_weights() -> Path:
    """Where the project's trained reader lives inside the package."""
    return Path(__file__).resolve().parent / "weights"


@dataclass(frozen=True)
class Reading:
    """What the reader makes of one candidate sentence."""

    relevance: float  # probability that the sentence answers the question
    answer: str | None  # the predicted span, exactly as written in the sentence
    answer_start: int | None = None  # character offsets inside the sentence
    answer_end: int | None = None


class SentenceReader:
    """Scores up to a few dozen candidates in one batched forward pass."""

    def __init__(
        self, model: Any, tokenizer: Any, max_tokens: int = MAX_TOKENS, config: dict[str, Any] | None = None
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.config = config or {}  # what training recorded: data, metrics, calibrated threshold

    @property
    def reads_titles(self) -> bool:
        """Whether this reader was trained with the article's title in its input."""
        return bool(self.config.get("title_in_input"))

    def read(
        self,
        question: str,
        sentences: Sequence[str],
        contexts: Sequence[str] | None = None,
        titles: Sequence[str] | None = None,
    ) -> list[Reading]:
        """Read each sentence (with its neighbours, and its article's title when the reader was trained so)."""
        contexts = contexts or [""] * len(sentences)
        shown = titles if titles is not None and self.reads_titles else [""] * len(sentences)
        items = [ReaderInput(question, s, c, t) for s, c, t in zip(sentences, contexts, shown, strict=True)]
        return self.read_inputs(items) if items else []

    def read_inputs(self, items: Sequence[ReaderInput]) -> list[Reading]:
        import torch

        encoding = encode(self.tokenizer, items, self.max_tokens)
        with torch.inference_mode():
            relevance, start, end = self.model(
                encoding["input_ids"], encoding["attention_mask"], encoding["token_type_ids"]
            )
        probabilities = torch.sigmoid(relevance.float()).tolist()
        readings = []
        for row, item in enumerate(items):
            allowed = sentence_token_mask(encoding, row, len(item.sentence))
            span = best_span(start[row], end[row], allowed)
            if span is None:
                readings.append(Reading(probabilities[row], None))
                continue
            offsets = encoding["offset_mapping"][row].tolist()
            a, b = offsets[span[0]][0], offsets[span[1]][1]
            readings.append(Reading(probabilities[row], item.sentence[a:b], a, b))
        return readings


def combined_score(relevance: float, retrieval: float, weights: dict[str, float] | None) -> float:
    """The answer probability the assistant ranks and refuses on.

    A logistic model over the reader's logit and the retrieval score, fitted on held-out
    articles by `python -m training.calibrate_reader`; without fitted weights, the reader alone.
    """
    if not weights:
        return relevance
    z = weights["reader"] * logit(relevance) + weights["retrieval"] * retrieval + weights["bias"]
    return 1 / (1 + math.exp(-z))


def logit(probability: float) -> float:
    p = min(max(probability, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def best_span(start_logits: Any, end_logits: Any, allowed: list[bool]) -> tuple[int, int] | None:
    """Highest start+end score over spans inside the sentence, at most MAX_ANSWER_TOKENS long."""
    import torch

    mask = torch.tensor(allowed)
    if not bool(mask.any()):
        return None
    scores = start_logits.float()[:, None] + end_logits.float()[None, :]
    n = scores.shape[0]
    band = torch.ones(n, n, dtype=torch.bool).triu().tril(MAX_ANSWER_TOKENS - 1)
    valid = band & mask[:, None] & mask[None, :]
    scores = scores.masked_fill(~valid, float("-inf"))
    flat = int(torch.argmax(scores))
    return flat // n, flat % n


RUNTIMES = ("onnx-int8", "torch-int8", "torch-fp32")
DEFAULT_RUNTIME = RUNTIMES[0]


def load_reader(folder: Path, encoder_path: str | Path, runtime: str = DEFAULT_RUNTIME) -> SentenceReader:
    """Load shipped weights to run on `runtime`.

    ONNX Runtime int8 (per-channel weights) stays closest to fp32 at int8 speed; PyTorch
    int8 (dynamic quantization) is the fallback when the ONNX form can't be built, and
    fp32 is the reference.
    """
    import torch
    from transformers import AutoTokenizer

    from assistant.answering.reader.model import load, read_config

    if runtime not in RUNTIMES:
        raise ValueError(f"unknown reader runtime {runtime!r}; choose from {', '.join(RUNTIMES)}")
    config = read_config(folder)
    network = _onnx_network(folder, encoder_path, config) if runtime == DEFAULT_RUNTIME else None
    if network is None:
        model, config = load(folder, encoder_path)
        network = model
        if runtime != "torch-fp32":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                network = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    tokenizer = AutoTokenizer.from_pretrained(str(encoder_path))
    return SentenceReader(network, tokenizer, int(config.get("max_tokens", MAX_TOKENS)), config)


def _onnx_network(folder: Path, encoder_path: str | Path, config: dict[str, Any]) -> Any:
    """The reader on ONNX Runtime, from the cache or exported now; None (with a warning)
    when that can't be done. Weights that don't fit the encoder still raise."""
    import torch

    from assistant.answering.reader.model import WEIGHTS_FILE, load

    try:
        from assistant.answering.reader.runtime import OnnxReaderNetwork, cached_onnx_path, write_onnx_int8

        target = cached_onnx_path(folder / WEIGHTS_FILE, str(config.get("word_embeddings_sha256_16", "")))
    except Exception as error:  # any failure leaves the PyTorch path, which always works
        logger.warning("reader: ONNX Runtime unavailable (%s); using PyTorch int8", error)
        return None
    if not target.is_file():
        model, _ = load(folder, encoder_path)
        try:
            write_onnx_int8(model, target)
        except Exception as error:
            logger.warning("reader: could not build the ONNX form in %s (%s); using PyTorch int8", target.parent, error)
            return None
    try:
        return OnnxReaderNetwork(target, torch.get_num_threads())
    except Exception as error:
        logger.warning("reader: ONNX Runtime could not load %s (%s); using PyTorch int8", target, error)
        return None


def load_default_reader(
    encoder_path: str | Path, folder: Path | None = None, runtime: str = DEFAULT_RUNTIME
) -> SentenceReader | None:
    """The shipped reader, or None when its files are absent (callers fall back to heuristics)."""
    folder = folder or shipped_weights()
    from assistant.answering.reader.model import CONFIG_FILE, WEIGHTS_FILE

    if not (folder / WEIGHTS_FILE).is_file() or not (folder / CONFIG_FILE).is_file():
        return None
    return load_reader(folder, encoder_path, runtime)
