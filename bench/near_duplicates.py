"""Same story, told again: what the MinHash signatures cost and what they find.

1. signature cost per article (5-word shingles, 128 permutations) over the RealTimeQA pool;
2. near-duplicate pairs in that pool (11,005 articles): candidates from the catalog's LSH
   bands, kept when the estimated Jaccard > 0.5, each with its exact shingle Jaccard
   (signatures only, no embedding);
3. open cost for an 11,000-article index from synthetic signatures: building datasketch's
   in-memory MinHashLSH (the alternative) against the catalog's SQLite bands (nothing to
   build: one lookup timed instead);
4. ingest throughput of BBC articles with signatures against without (alternating runs,
   each into a fresh on-disk index, the real model): the ratio of summed times.

    python bench/near_duplicates.py [--bbc 500] [--repeats 2] [--skip-ingest]

Needs ../shared/data/news/{realtimeqa_dev_articles,bbc_articles}.jsonl.gz; exits with a message when absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.evaluation.corpora import BBC, RTQA_POOL, load_bbc
from assistant.ingest.minhash import jaccard, shingles, signature
from assistant.ingest.pipeline import Ingestor
from assistant.schema import Article
from assistant.store.catalog import Catalog
from assistant.store.copies import in_memory_lsh


def load_pool() -> list[Article]:
    with gzip.open(RTQA_POOL, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return [Article(id=r["id"], text=r.get("text") or "", title=r.get("title") or "") for r in rows if r.get("text")]


def pool_pairs(folder: Path) -> None:
    from assistant.store.catalog import _write_signature

    pool = load_pool()
    started = time.perf_counter()
    blobs = {a.id: signature(a.text) for a in pool}
    signing = time.perf_counter() - started
    words = sum(len(a.text.split()) for a in pool) / len(pool)
    print(
        f"signatures: {len(pool):,} articles ({words:.0f} words each on average): "
        f"{signing / len(pool) * 1000:.2f} ms each"
    )
    catalog = Catalog(folder / "pool.sqlite")
    with catalog.transaction() as conn:  # signatures only: placeholder article rows, no sentences
        for article_id, blob in blobs.items():
            conn.execute("INSERT INTO articles(id, hash, status, text) VALUES (?, '', 'ready', '')", (article_id,))
            _write_signature(conn, article_id, blob)
    catalog._signatures_complete = True
    texts = {a.id: a.text for a in pool}
    started = time.perf_counter()
    found = {tuple(sorted((a, b))): score for a in texts for b, score in catalog.copies(a)}
    lookup = time.perf_counter() - started
    exact = {pair: jaccard(shingles(texts[pair[0]]), shingles(texts[pair[1]])) for pair in found}
    above = sum(1 for j in exact.values() if j > 0.5)
    print(
        f"near-duplicate pairs (estimated Jaccard > 0.5): {len(found)}; of them {above} with exact shingle "
        f"Jaccard > 0.5; lookups {lookup / len(texts) * 1000:.2f} ms per article"
    )
    differing = [pair for pair in found if texts[pair[0]] != texts[pair[1]]]
    print(
        f"  of them {len(differing)} pairs whose texts differ ({sum(exact[p] > 0.5 for p in differing)} with exact "
        f"Jaccard > 0.5); the rest are identical texts ({len(pool) - len(set(texts.values()))} repeats in the pool), "
        "(same text under another url or title: copies too)"
    )
    for (a, b), score in sorted(found.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {a} ~ {b}: estimated {score:.2f}, exact {exact[(a, b)]:.2f}")
    catalog.close()


def open_cost(folder: Path, count: int = 11_000) -> None:
    rng = np.random.default_rng(7)
    signatures = {
        f"a{i:05d}": rng.integers(0, 2**32 - 1, 128, dtype=np.uint32).astype("<u4").tobytes() for i in range(count)
    }
    path = folder / "synthetic.sqlite"
    catalog = Catalog(path)
    from assistant.store.catalog import _write_signature

    with catalog.transaction() as conn:
        for article_id, blob in signatures.items():
            conn.execute("INSERT INTO articles(id, hash, status, text) VALUES (?, '', 'ready', '')", (article_id,))
            _write_signature(conn, article_id, blob)
    catalog._signatures_complete = True
    catalog.close()
    started = time.perf_counter()
    catalog = Catalog(path)
    stored = catalog.signatures()
    read = time.perf_counter() - started
    started = time.perf_counter()
    in_memory_lsh(stored)
    build = time.perf_counter() - started
    catalog._signatures_complete = True
    started = time.perf_counter()
    for i in range(200):
        catalog.copies(f"a{i:05d}")
    lookup = (time.perf_counter() - started) / 200
    size = (
        path.stat().st_size + Path(f"{path}-wal").stat().st_size
        if Path(f"{path}-wal").exists()
        else path.stat().st_size
    )
    print(
        f"open cost, {count:,} synthetic signatures: in-memory MinHashLSH {read:.2f} s to read + {build:.2f} s to build; "
        f"SQLite bands: nothing to build, {lookup * 1000:.2f} ms per lookup; catalog with signatures and bands {size / 1e6:.1f} MB"
    )
    catalog.close()


def ingest_ratio(folder: Path, limit: int, repeats: int) -> None:
    from assistant import Assistant

    articles = load_bbc(limit)
    times = {True: 0.0, False: 0.0}
    embedder = None
    for run in range(repeats):
        for with_signatures in (False, True):
            assistant = Assistant.open(index=f"bbc-{run}-{int(with_signatures)}", index_dir=folder, embedder=embedder)
            embedder = assistant.embedder
            ingestor = Ingestor(
                assistant.index,
                assistant.settings.window_size,
                assistant.settings.ingest_batch_articles,
                progress=False,
                signatures=with_signatures,
            )
            started = time.perf_counter()
            report = ingestor.ingest_articles(articles)
            elapsed = time.perf_counter() - started
            times[with_signatures] += elapsed
            print(
                f"  run {run + 1}, signatures {'on ' if with_signatures else 'off'}: {len(report.added)} articles, "
                f"{report.sentences_indexed} sentences in {elapsed:.1f} s"
            )
            assistant.close()
    print(
        f"ingest of {len(articles)} BBC articles: throughput with signatures / without = "
        f"{times[False] / times[True]:.3f}x (summed {times[True]:.1f} s against {times[False]:.1f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bbc", type=int, default=500, help="BBC articles to ingest per run")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--skip-ingest", action="store_true", help="signatures, pairs and open cost only")
    args = parser.parse_args()
    missing = [str(p) for p in (RTQA_POOL, BBC) if not Path(p).is_file()]
    if missing:
        print(f"needs {', '.join(missing)} (../shared/data/news)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pool_pairs(folder)
        open_cost(folder)
        if not args.skip_ingest:
            ingest_ratio(folder, args.bbc, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
