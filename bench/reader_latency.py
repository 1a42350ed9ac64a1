"""Reader cost per question: rerank N candidates + read the answer span, on real retrieved sentences.

    python bench/reader_latency.py [--index demo] [--questions 93] [--candidates 10 20 40]

For each question of eval/demo_qa.jsonl (or SQuAD dev questions with --squad, against
the SQuAD eval index), 40 sentences are retrieved first (not timed); then the reader
reads the top N of them in one batch, timed, on each runtime: ONNX Runtime int8 (the
default), PyTorch int8 and PyTorch fp32. Also times a whole `ask` with the reader
against the heuristic answerer, in the same process. Prints a table and writes bench/results/reader_latency.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from assistant.evaluation.corpora import SQUAD_DEV

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


def questions_for(args: argparse.Namespace) -> list[str]:
    from assistant.evaluation import load_dataset
    from assistant.evaluation.datasets import spread

    dataset = load_dataset(SQUAD_DEV if args.squad else REPO / "eval" / "demo_qa.jsonl")
    return [item.question for item in spread(dataset.items, args.questions)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=None, help="default: demo (or eval-squad_dev_v1 with --squad)")
    parser.add_argument("--questions", type=int, default=93)
    parser.add_argument("--candidates", type=int, nargs="+", default=[10, 20, 40])
    parser.add_argument("--squad", action="store_true", help="SQuAD dev questions over the SQuAD eval index")
    args = parser.parse_args()

    import torch

    from assistant import Assistant
    from assistant.answering.reader import shipped_weights
    from assistant.answering.reader.reader import RUNTIMES, load_reader
    from assistant.answering.reading import context_of
    from assistant.config import bundled_model_path

    index = args.index or ("eval-squad_dev_v1" if args.squad else "demo")
    assistant = Assistant.open(index=index)
    if not assistant.counts().get("sentences"):
        raise SystemExit(f"index {index!r} is empty: build it first (`assistant demo` or `assistant eval`)")
    questions = questions_for(args)
    retrieved = [assistant.retrieve(q, k=max(args.candidates)) for q in questions]
    readers = {runtime: load_reader(shipped_weights(), bundled_model_path(), runtime) for runtime in RUNTIMES}
    rows = []
    print(f"torch threads: {torch.get_num_threads()}, index {index!r}, {len(questions)} questions")
    print(f"{'model':<16}{'candidates':>11}{'read (mean)':>12}{'p50 ms':>9}{'p95 ms':>9}")
    for name, reader in readers.items():
        reader.read("warm up", ["warm up"])
        for n in args.candidates:
            times, counts = [], []
            for question, passages in zip(questions, retrieved, strict=True):
                top = passages[:n]
                started = time.perf_counter()
                reader.read(question, [p.sentence for p in top], [context_of(p) for p in top])
                times.append((time.perf_counter() - started) * 1000)
                counts.append(len(top))
            row = {
                "model": name,
                "candidates": n,
                "p50_ms": round(float(np.percentile(times, 50)), 1),
                "p95_ms": round(float(np.percentile(times, 95)), 1),
                "mean_candidates": round(statistics.mean(counts), 1),
            }
            rows.append(row)
            print(f"{name:<16}{n:>11}{row['mean_candidates']:>12}{row['p50_ms']:>9}{row['p95_ms']:>9}")
    asks = {}
    for kind in ("reader", "heuristic"):
        variant = assistant.with_answerer(kind)
        variant.ask(questions[0])
        times = []
        for question in questions:
            started = time.perf_counter()
            variant.ask(question)
            times.append((time.perf_counter() - started) * 1000)
        asks[kind] = {
            "p50_ms": round(float(np.percentile(times, 50)), 1),
            "p95_ms": round(float(np.percentile(times, 95)), 1),
        }
        print(f"whole ask with the {kind}: p50 {asks[kind]['p50_ms']} ms, p95 {asks[kind]['p95_ms']} ms")
    ratio = asks["reader"]["p50_ms"] / max(asks["heuristic"]["p50_ms"], 1e-9)
    print(f"ask p50, reader / heuristic: {ratio:.2f}x")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "reader_latency.json"
    out.write_text(json.dumps({"index": index, "questions": len(questions), "reader": rows, "ask": asks}, indent=2))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
