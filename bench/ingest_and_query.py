"""Ingest throughput vs the bare encoder and vs plain llama-index, and query latency, on the BBC corpus.

All in the same run, over the same articles, with the same model and batch size:
1. bare `SentenceTransformer.encode` over the texts our ingest embeds (the sentences);
2. our full ingest (split, embed, write Chroma + FTS5), in sentences/s and seconds;
3. the plain llama-index path: `VectorStoreIndex.from_documents` with its default
   `SentenceSplitter`, into a `ChromaVectorStore`, with `HuggingFaceEmbedding`;
then p50/p95 latency of `ask` over N questions. Prints the ratios.

    python bench/ingest_and_query.py [--limit N] [--questions 200]

Needs ../shared/data/news/bbc_articles.jsonl.gz; exits with a message when absent.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bbc import BBC, load_bbc, questions_from  # bench/ is on sys.path when run as a script

from assistant import Assistant
from assistant.evaluation.systems import LlamaIndexDefaultSystem
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
        texts = [s.text for a in articles for s in prepare(a, assistant.settings.window_size).sentences]

        started = time.perf_counter()
        embedder.model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True, show_progress_bar=False)
        encode_seconds = time.perf_counter() - started

        report = assistant.ingest(articles, progress=True)
        ingest_rate = report.sentences_indexed / report.seconds
        encode_rate = len(texts) / encode_seconds
        # The obvious alternative, timed end to end: documents → default chunks → embeddings → Chroma.
        llama = LlamaIndexDefaultSystem(embedder, Path(tmp) / "llama").build(articles)
        llama_seconds, llama_chunks = llama.seconds, llama.units

        latencies = []
        for question in questions_from(articles, args.questions):
            t0 = time.perf_counter()
            assistant.ask(question)
            latencies.append((time.perf_counter() - t0) * 1000)

    print(f"articles: {len(articles)}  sentences: {report.sentences_indexed}  ({report.summary()})")
    print(f"bare encode:   {encode_rate:8.1f} sentences/s  ({encode_seconds:.1f}s, batch {embedder.batch_size})")
    print(f"full ingest:   {ingest_rate:8.1f} sentences/s  ({report.seconds:.1f}s)")
    print(f"ingest / bare encode ratio: {ingest_rate / encode_rate:.3f}")
    print(f"plain llama-index ingest: {llama_seconds:.1f}s ({llama_chunks} chunks of the default SentenceSplitter)")
    print(f"plain llama-index seconds / our seconds: {llama_seconds / report.seconds:.2f}x")
    print(
        f"ask latency over {len(latencies)} questions: p50 {np.percentile(latencies, 50):.1f} ms, "
        f"p95 {np.percentile(latencies, 95):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
