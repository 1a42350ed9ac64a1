"""Run the reader network on ONNX Runtime, int8: as fast on CPU as PyTorch's own int8, and
closer to fp32, because its weights are quantized per output channel.

The shipped weights stay one fp16 safetensors file. On first use the network is exported
to ONNX, its linear layers are quantized to int8 (weights only; activations are
quantized on the fly) and the result is cached, keyed by the weights' hash, so later
processes load it in well under a second.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUTS = ("relevance", "start", "end")
FORMAT = "int8pc1"  # bump when export or quantization settings change: old cached files are then ignored


def cache_dir() -> Path:
    """Where derived model files live: $ASSISTANT_CACHE_DIR, else the user's cache folder."""
    if configured := os.environ.get("ASSISTANT_CACHE_DIR"):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newsroom-qa"


class OnnxReaderNetwork:
    """Callable like `ReaderModel`: (ids, mask, types) -> (relevance, start, end) tensors."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        # Spinning worker threads would steal the cores from the sentence encoder that runs
        # just before the reader in every question.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> tuple[Any, Any, Any]:
        import torch

        feeds = {
            name: tensor.numpy()
            for name, tensor in zip(INPUTS, (input_ids, attention_mask, token_type_ids), strict=True)
        }
        relevance, start, end = self.session.run(list(OUTPUTS), feeds)
        return torch.from_numpy(relevance), torch.from_numpy(start), torch.from_numpy(end)


def cached_onnx_path(weights_file: Path, encoder_digest: str = "", folder: Path | None = None) -> Path:
    """Where the int8 ONNX form of these weights (on this encoder's embeddings) is cached."""
    import onnxruntime

    digest = hashlib.sha256(weights_file.read_bytes() + encoder_digest.encode()).hexdigest()[:16]
    return (folder or cache_dir()) / f"reader-{digest}-ort{onnxruntime.__version__}-{FORMAT}.onnx"


def write_onnx_int8(model: Any, target: Path) -> Path:
    """Export `model` and quantize it into `target`, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        fp32, int8 = Path(scratch) / "reader.onnx", Path(scratch) / "reader-int8.onnx"
        export(model, fp32)
        quantize(fp32, int8)
        int8.replace(target)  # a concurrent process sees the whole file or none
    return target


def export(model: Any, path: Path) -> None:
    """Trace the fp32 network to ONNX with batch and length left dynamic."""
    import torch

    example = tuple(torch.ones(2, 16, dtype=torch.long) for _ in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "start", "end")} | {"relevance": {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model.eval(),
            example,
            str(path),
            input_names=list(INPUTS),
            output_names=list(OUTPUTS),
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def quantize(source: Path, target: Path) -> None:
    """Int8 weights for the linear layers, one scale per output channel (a single scale per
    matrix moved relevance logits by up to 3 against fp32; per channel keeps them within 0.5)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs advice about pre-processing we don't need
    try:
        quantize_dynamic(
            str(source), str(target), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"], per_channel=True
        )
    finally:
        root.setLevel(level)
