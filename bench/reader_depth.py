"""What network would fit the reader's budget: the shipped reader cut to fewer layers, timed.

    python bench/reader_depth.py [--layers 6 4 3 2 1] [--tokens 80 48] [--candidates 40]

Each cut keeps the first k transformer layers of the shipped reader; it is exported and
quantized exactly as the assistant does it (ONNX Runtime, int8 per channel) and run on
random token ids, so this measures cost only: the cut networks are not trained and
would answer worse. Prints p50 ms of one batch per (layers, tokens) and writes
bench/results/reader_depth.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


def time_batch(network: object, ids: np.ndarray, repeats: int) -> float:
    from assistant.models.onnx_cache import INPUTS

    feeds = dict(zip(INPUTS, (ids, np.ones_like(ids), np.zeros_like(ids)), strict=True))
    network.run(None, feeds)  # type: ignore[attr-defined]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        network.run(None, feeds)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - started) * 1000)
    return float(np.median(times))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, nargs="+", default=[6, 4, 3, 2, 1])
    parser.add_argument("--tokens", type=int, nargs="+", default=[80, 48])
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    import torch

    from assistant.answering.reader import shipped_weights
    from assistant.answering.reader.model import load
    from assistant.answering.reader.runtime import write_onnx_int8
    from assistant.config import bundled_model_path
    from assistant.models.onnx_cache import session

    model, _ = load(shipped_weights(), bundled_model_path())
    rng = np.random.default_rng(0)
    rows = []
    print(f"{args.candidates} candidates, {torch.get_num_threads()} threads, ONNX Runtime int8")
    print(f"{'layers':>7}" + "".join(f"{f'{t} tokens':>12}" for t in args.tokens) + "   (p50 ms)")
    with tempfile.TemporaryDirectory() as folder:
        for depth in args.layers:
            cut = copy.deepcopy(model)
            cut.encoder.encoder.layer = cut.encoder.encoder.layer[:depth]
            int8 = write_onnx_int8(cut, Path(folder) / f"layers-{depth}-int8.onnx")
            network = session(int8, torch.get_num_threads())
            cells = []
            for tokens in args.tokens:
                ids = rng.integers(1000, 20000, (args.candidates, tokens))
                ids[:, 0] = 101  # [CLS]
                p50 = round(time_batch(network, ids, args.repeats), 1)
                rows.append({"layers": depth, "tokens": tokens, "candidates": args.candidates, "p50_ms": p50})
                cells.append(p50)
            print(f"{depth:>7}" + "".join(f"{c:>12}" for c in cells))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reader_depth.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
