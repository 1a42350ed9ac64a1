"""The sentence-transformers model, loaded once per process, by path, offline.

llama-index's HuggingFaceEmbedding owns the model so the same instance serves
both our batched encoding and any llama-index component that needs an embedder.
"""

from __future__ import annotations

import logging
import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

_CACHE: dict[tuple[str, int], Embedder] = {}
_CACHE_LOCK = threading.Lock()
logger = logging.getLogger(__name__)


class Embedder:
    """Encodes texts into L2-normalised float32 vectors (cosine = dot product)."""

    def __init__(self, model_path: str, batch_size: int = 64) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._last_question: tuple[str, np.ndarray] | None = None  # a windowed question is searched twice

    @cached_property
    def llama_embedding(self) -> HuggingFaceEmbedding:
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        return HuggingFaceEmbedding(
            model_name=self.model_path, device="cpu", embed_batch_size=self.batch_size, normalize=True
        )

    @property
    def model(self) -> Any:
        """The underlying SentenceTransformer."""
        return self.llama_embedding._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # torch already uses every core; serialise callers
            vectors = self.model.encode(
                texts,
                batch_size=batch_size or self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def encode_question(self, text: str) -> np.ndarray:
        """One question's vector, on ONNX Runtime when its form can be built (else as `encode`)."""
        last = self._last_question
        if last is not None and last[0] == text:
            return last[1]
        encoder = self._question_encoder
        if encoder is None:
            vector = self.encode([text])[0]
        else:
            with self._lock:
                vector = encoder.encode([text])[0]
        vector.setflags(write=False)  # shared by the searches of one question
        self._last_question = (text, vector)
        return vector

    @cached_property
    def _question_encoder(self) -> Any:
        import torch

        from assistant.models.question_encoder import load_query_encoder

        try:
            return load_query_encoder(self.model_path, lambda: self.model, torch.get_num_threads())
        except Exception as error:  # any failure leaves the PyTorch path, which always works
            logger.warning("questions are encoded with PyTorch: no ONNX form (%s)", error)
            return None


def get_embedder(model_path: str, batch_size: int = 64) -> Embedder:
    """One shared Embedder per model path: loading costs seconds, so do it once."""
    key = (model_path, batch_size)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = Embedder(model_path, batch_size)
        return _CACHE[key]
