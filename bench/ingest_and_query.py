"""Ingest throughput vs the bare encoder and vs plain llama-index, and query latency, on the BBC corpus.

All in the same run, over the same articles, with the same model and batch size:
1. bare `SentenceTransformer.encode` over the texts our ingest embeds (the sentences);
2. our full ingest (split, embed, write Chroma + FTS5), in sentences/s and seconds;
3. the plain llama-index path: `VectorStoreIndex.from_documents` with its default
   `SentenceSplitter`, into a `ChromaVectorStore`, with `HuggingFaceEmbedding`;
then p50/p95 latency of `ask` over N questions. Prints the ratios.

Steps 1 and 2 alternate `--repeats` times (each ingest into a fresh index): on a
shared 2-core machine single timings drift by several percent, so each pair's ratio
and the ratio of the summed times are printed.

    python bench/ingest_and_query.py [--limit N] [--questions 200] [--repeats 3]

Needs ../shared/data/news/bbc_articles.jsonl.gz; exits with a message when absent.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant import Assistant
from assistant.evaluation.corpora import BBC, load_bbc, questions_from
from assistant.evaluation.systems import LlamaIndexDefaultSystem
from assistant.store.index import prepare


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3, help="bare-encode / ingest pairs to time")
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

        pairs = []  # (bare encode seconds, ingest seconds)
        for repeat in range(args.repeats):
            started = time.perf_counter()
            embedder.model.encode(
                texts, batch_size=embedder.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            encode_seconds = time.perf_counter() - started
            target = assistant if repeat == 0 else Assistant.open(index=f"bench{repeat}", index_dir=tmp)
            report = target.ingest(articles, progress=True)
            pairs.append((encode_seconds, report.seconds))
        encode_seconds = sum(bare for bare, _ in pairs)
        ingest_seconds = sum(ingest for _, ingest in pairs)
        # The obvious alternative, timed end to end: documents → default chunks → embeddings → Chroma.
        llama = LlamaIndexDefaultSystem(embedder, Path(tmp) / "llama").build(articles)
        llama_seconds, llama_chunks = llama.seconds, llama.units
        our_seconds = ingest_seconds / len(pairs)

        latencies = []
        for question in questions_from(articles, args.questions):
            t0 = time.perf_counter()
            assistant.ask(question)
            latencies.append((time.perf_counter() - t0) * 1000)

    print(f"articles: {len(articles)}  sentences: {report.sentences_indexed}  ({report.summary()})")
    for number, (bare, ingest) in enumerate(pairs, start=1):
        print(
            f"pair {number}: bare encode {len(texts) / bare:6.1f} sentences/s ({bare:.1f}s, batch "
            f"{embedder.batch_size}), full ingest {report.sentences_indexed / ingest:6.1f} sentences/s "
            f"({ingest:.1f}s), ratio {bare / ingest:.3f}"
        )
    print(f"ingest / bare encode ratio over {len(pairs)} pairs (summed times): {encode_seconds / ingest_seconds:.3f}")
    print(f"plain llama-index ingest: {llama_seconds:.1f}s ({llama_chunks} chunks of the default SentenceSplitter)")
    print(f"plain llama-index seconds / our seconds: {llama_seconds / our_seconds:.2f}x")
    print(
        f"ask latency over {len(latencies)} questions: p50 {np.percentile(latencies, 50):.1f} ms, "
        f"p95 {np.percentile(latencies, 95):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
