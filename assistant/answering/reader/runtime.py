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
from pathlib import Path
from typing import Any

from assistant.models.onnx_cache import INPUTS, ROW_AXES, TOKEN_AXES, build_once, cache_dir, export, session

OUTPUTS = {"relevance": ROW_AXES, "start": TOKEN_AXES, "end": TOKEN_AXES}
FORMAT = "int8pc1"  # bump when export or quantization settings change: old cached files are then ignored


class OnnxReaderNetwork:
    """Callable like `ReaderModel`: (ids, mask, types) -> (relevance, start, end) tensors."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        self.session = session(path, threads)

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

    def build(int8: Path) -> None:
        fp32 = int8.with_name("reader-fp32.onnx")
        export(model, fp32, OUTPUTS)
        quantize(fp32, int8)

    return build_once(target, build)


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
