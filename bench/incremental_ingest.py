"""Adding articles to a big index costs what adding them to an empty one costs.

    python bench/incremental_ingest.py --index rtqa [--count 100]

Takes `count` articles the index does not hold yet (the tail of the RealTimeQA pool
while it is not fully indexed, then BBC articles), opens the big index and answers
one question first (Chroma loads its vector index from disk on first use: an opening
cost, printed apart), ingests them into the big index (timed), then into a fresh empty
index (timed), prints both and their ratio, and finally deletes them from the big
index again. A ratio near 1 means no step of ingest grows with the size of the corpus.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

from assistant.evaluation.corpora import BBC, RTQA_POOL, load_bbc

REPO = Path(__file__).resolve().parent.parent
POOL = RTQA_POOL


def new_articles(qa: object, count: int) -> list:
    from assistant.ingest.loaders import Skipped, article_from_record

    candidates = []
    with gzip.open(POOL, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    for row in reversed(rows):  # ingest runs in file order, so the tail is the part not yet indexed
        article = article_from_record(row, origin=f"pool:{row['id']}")
        if not isinstance(article, Skipped):
            candidates.append(article)
    if BBC.exists():
        candidates += load_bbc(None)
    picked = [a for a in candidates if qa.article(a.id) is None]  # type: ignore[attr-defined]
    return picked[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="rtqa")
    parser.add_argument("--index-dir", default=str(REPO / "indexes"))
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()
    if not POOL.exists():
        print(f"skipped: {POOL} not found (the shared data folder is absent)")
        return 0
    from assistant import Assistant

    big = Assistant.open(index=args.index, index_dir=args.index_dir)
    before = big.counts()
    articles = new_articles(big, args.count)
    big.embedder.encode(["warm up"])
    started = time.perf_counter()
    big.ask("Who won the election?")
    first_question = time.perf_counter() - started
    into_big = big.ingest(articles)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            empty = Assistant.open(index="empty", index_dir=tmp, embedder=big.embedder)
            into_empty = empty.ingest(articles)
    finally:
        for article_id in into_big.added:
            big.delete(article_id)
    print(f"big index: {before['articles']} articles, {before['sentences']} sentences")
    print(f"first question after opening (loads the vector index from disk): {first_question:.1f} s")
    print(f"{len(articles)} new articles, {into_big.sentences_indexed} sentences")
    print(
        f"into the big index:   {into_big.seconds:6.1f} s  ({into_big.sentences_indexed / into_big.seconds:.1f} sentences/s)"
    )
    print(
        f"into an empty index:  {into_empty.seconds:6.1f} s  ({into_empty.sentences_indexed / into_empty.seconds:.1f} sentences/s)"
    )
    print(f"big / empty: {into_big.seconds / into_empty.seconds:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
