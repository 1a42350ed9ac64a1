"""ONNX forms of our PyTorch networks: exported once, cached on disk, run on ONNX Runtime.

Both the question encoder and the reader run faster on ONNX Runtime than through PyTorch's
per-call overhead. The PyTorch weights stay the source of truth; the ONNX file is derived
from them, keyed by what it was derived from, and rebuilt whenever that changes.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

INPUTS = ("input_ids", "attention_mask", "token_type_ids")  # what a BERT-style network takes
TOKEN_AXES = {0: "batch", 1: "tokens"}  # an input's or output's dynamic axes, one row per token
ROW_AXES = {0: "batch"}  # one value per row


def cache_dir() -> Path:
    """Where derived model files live (Settings.cache_dir: ASSISTANT_CACHE_DIR, else the user's cache folder)."""
    from assistant.config import Settings

    return Settings.from_env().resolved_cache_dir()


def build_once(target: Path, build: Callable[[Path], None]) -> Path:
    """Run `build(scratch_folder)` -> file named like `target`, unless `target` exists; atomic."""
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        built = Path(scratch) / target.name
        build(built)
        built.replace(target)  # a concurrent process sees the whole file or none
    return target


def export(module: Any, path: Path, outputs: dict[str, dict[int, str]]) -> None:
    """Trace an fp32 module taking INPUTS to ONNX, batch and length left dynamic; `outputs`
    maps each output's name to its dynamic axes."""
    import torch

    example = tuple(torch.ones(2, 16, dtype=torch.long) for _ in INPUTS)
    axes = {name: TOKEN_AXES for name in INPUTS} | outputs
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            example,
            str(path),
            input_names=list(INPUTS),
            output_names=list(outputs),
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def session(path: Path, threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session that leaves the cores alone between calls."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    # Spinning worker threads would steal the cores from whatever runs next (the other
    # network, Chroma, SQLite) in the same question.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
