"""ONNX forms of our PyTorch networks: exported once, cached on disk, run on ONNX Runtime.

Both the question encoder and the reader run faster on ONNX Runtime than through PyTorch's
per-call overhead. The PyTorch weights stay the source of truth; the ONNX file is derived
from them, keyed by what it was derived from, and rebuilt whenever that changes.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """Where derived model files live: $ASSISTANT_CACHE_DIR, else the user's cache folder."""
    if configured := os.environ.get("ASSISTANT_CACHE_DIR"):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newsroom-qa"


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


def export(
    module: Any, path: Path, inputs: Sequence[str], outputs: Sequence[str], axes: dict[str, dict[int, str]]
) -> None:
    """Trace an fp32 module taking (ids, mask, types) to ONNX, with the `axes` left dynamic."""
    import torch

    example = tuple(torch.ones(2, 16, dtype=torch.long) for _ in inputs)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            example,
            str(path),
            input_names=list(inputs),
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
