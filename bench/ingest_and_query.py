"""Ingest throughput vs the bare encoder, and query latency, on the BBC corpus.

Prints sentences/s of the full ingest (load, split, embed, write Chroma + FTS5) and
of bare `SentenceTransformer.encode` over the same window texts with the same batch
size, measured in the same run, then p50/p95 latency of `ask` over N questions.

    python bench/ingest_and_query.py [--limit N] [--questions 200]

Needs ../shared/data/news/bbc_articles.jsonl.gz; exits with a message when absent.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

import numpy as np
from bbc import BBC, load_bbc, questions_from  # bench/ is on sys.path when run as a script

from assistant import Assistant
from assistant.index import prepare


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    if not BBC.exists():
        print(f"skipped: {BBC} not found (the shared data folder is absent)")
        return 0
    articles = load_bbc(args.limit)
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant.open(index="bench", index_dir=tmp)
        embedder = assistant.embedder
        embedder.encode(["warm up"])
        windows = [w for a in articles for w in prepare(a, assistant.settings.window_size).windows]

        started = time.perf_counter()
        embedder.model.encode(
            windows, batch_size=embedder.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        encode_seconds = time.perf_counter() - started

        report = assistant.ingest(articles, progress=True)
        ingest_rate = report.sentences_indexed / report.seconds
        encode_rate = len(windows) / encode_seconds

        latencies = []
        for question in questions_from(articles, args.questions):
            t0 = time.perf_counter()
            assistant.ask(question)
            latencies.append((time.perf_counter() - t0) * 1000)

    print(f"articles: {len(articles)}  sentences: {report.sentences_indexed}  ({report.summary()})")
    print(f"bare encode:   {encode_rate:8.1f} sentences/s  ({encode_seconds:.1f}s, batch {embedder.batch_size})")
    print(f"full ingest:   {ingest_rate:8.1f} sentences/s  ({report.seconds:.1f}s)")
    print(f"ingest / bare encode ratio: {ingest_rate / encode_rate:.3f}")
    print(
        f"ask latency over {len(latencies)} questions: p50 {np.percentile(latencies, 50):.1f} ms, "
        f"p95 {np.percentile(latencies, 95):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
