"""Questions encoded on ONNX Runtime: the same vectors as sentence-transformers, in a third of the time.

A question is one short text, so PyTorch's per-operator overhead, not arithmetic,
dominates its encoding (about 13 ms against 4.5 ms here). The network is exported from
the SentenceTransformer in fp32, so its vectors match the stored sentence vectors
(cosine 0.99999+), and cached like the reader's ONNX form; once cached, answering
questions needs neither the PyTorch model nor sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.models.onnx_cache import INPUTS, ROW_AXES, build_once, cache_dir, export, session

FORMAT = "meanpool-fp32-1"  # bump when the export changes: old cached files are then ignored


class OnnxQueryEncoder:
    """Mean-pooled, L2-normalised embeddings from the exported transformer."""

    def __init__(self, path: Path, tokenizer: Any, max_tokens: int, threads: int | None = None) -> None:
        self.session = session(path, threads)
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens

    def encode(self, texts: list[str]) -> np.ndarray:
        tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="np")
        feeds = {name: np.asarray(tokens[name], dtype=np.int64) for name in INPUTS}
        return np.asarray(self.session.run(["embedding"], feeds)[0], dtype=np.float32)


def supported(model_path: str) -> bool:
    """Only the plain transformer -> mean pooling -> normalize pipeline is exported; others stay on PyTorch.

    Read from the model folder's own files, so a cached ONNX form is used without
    loading the PyTorch model at all (a process that only answers never needs it).
    """
    folder = Path(model_path)
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        return False
    pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
    modes = {key for key, on in pooling.items() if key.startswith("pooling_mode_") and on}
    return modes == {"pooling_mode_mean_tokens"}


def max_tokens(model_path: str) -> int:
    """What sentence-transformers truncates to for this model."""
    config = Path(model_path) / "sentence_bert_config.json"
    return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 512))


def load_query_encoder(
    model_path: str, loaded_model: Callable[[], Any], threads: int | None = None
) -> OnnxQueryEncoder:
    """The ONNX form of the model at `model_path`, from the cache, or exported now from
    `loaded_model()` (the SentenceTransformer, loaded only when an export is needed)."""
    from transformers import AutoTokenizer

    if not supported(model_path):
        raise ValueError(f"no ONNX export for the pipeline in {model_path}/modules.json")
    target = build_once(cached_path(model_path), lambda path: _export(loaded_model()[0].auto_model, path))
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    return OnnxQueryEncoder(target, tokenizer, max_tokens(model_path), threads)


def cached_path(model_path: str) -> Path:
    """Keyed by the model folder and its weight files' sizes and times (hashing 90 MB would cost a cold start)."""
    import onnxruntime

    folder = Path(model_path)
    stamps = sorted(
        f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}"
        for f in folder.glob("*")
        if f.suffix in {".safetensors", ".bin", ".json"}
    )
    digest = hashlib.sha256("\n".join([str(folder.resolve()), *stamps]).encode()).hexdigest()[:16]
    return cache_dir() / f"query-{digest}-ort{onnxruntime.__version__}-{FORMAT}.onnx"


def _export(transformer: Any, path: Path) -> None:
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, network: Any) -> None:
            super().__init__()
            self.network = network

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.network(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    export(Pooled(transformer), path, {"embedding": ROW_AXES})
