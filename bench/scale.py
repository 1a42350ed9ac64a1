"""Query latency and memory as the index grows: 10k and 100k sentences, and the whole source index.

    python -m assistant --index rtqa ingest ../shared/data/news/realtimeqa_dev_articles.jsonl.gz   # once
    python bench/scale.py --source rtqa [--sizes 10000 100000] [--questions 200]
    python bench/scale.py --source rtqa --compare-recency 3    # what answering as of a day costs, A/B

The smaller indexes are copies of the first articles of the source index, vectors
included, so nothing is re-embedded. Each size is measured in a fresh process:
model and index loaded first, then `ask` (retrieve + answer) over real RealTimeQA
questions, each as of the day it was asked; the process reports its latencies and peak RSS. Prints a table and
writes bench/results/scale.json and scale.png.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from assistant.evaluation.corpora import RTQA_QUESTIONS

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
QUESTIONS = RTQA_QUESTIONS


def load_questions(count: int, seed: int = 5) -> list[tuple[str, str]]:
    """(question, the day it was asked) for `count` RealTimeQA questions drawn at random."""
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = random.Random(seed).sample(rows, min(count, len(rows)))
    return [(row["question"], str(row["question_date"]).replace("/", "-")) for row in chosen]


def copy_subset(source: object, target: object, max_sentences: int, batch_articles: int = 100) -> int:
    """Copy whole articles (catalog rows, BM25 rows, vectors) until about `max_sentences` are copied."""
    from tqdm import tqdm

    from assistant.schema import Article, PreparedArticle, Sentence
    from assistant.store.records import sentence_key

    chosen, total = [], 0
    for stored in source.articles():  # type: ignore[attr-defined]
        if total >= max_sentences:
            break
        chosen.append(stored)
        total += stored.sentence_count
    src, dst = source.index, target.index  # type: ignore[attr-defined]
    with tqdm(total=total, desc=f"Copying {total} sentences", unit=" sentences") as bar:
        for start in range(0, len(chosen), batch_articles):
            group = chosen[start : start + batch_articles]
            keys = [(a.id, i) for a in group for i in range(a.sentence_count)]
            records = src.vectors.collection.get(
                ids=[sentence_key(*k) for k in keys], include=["embeddings", "documents", "metadatas"]
            )
            for offset in range(0, len(records["ids"]), dst.vectors.max_batch):
                part = slice(offset, offset + dst.vectors.max_batch)
                dst.vectors.collection.upsert(
                    ids=records["ids"][part],
                    embeddings=records["embeddings"][part],
                    documents=records["documents"][part],
                    metadatas=records["metadatas"][part],
                )
            rows = src.catalog.sentences(keys)
            items = []
            for summary in group:
                full = src.catalog.get(summary.id)
                own = [rows[(summary.id, i)] for i in range(summary.sentence_count)]
                article = Article(
                    id=full.id,
                    text=full.text,
                    title=full.title,
                    date=full.date,
                    source=full.source,
                    url=full.url,
                    category=full.category,
                    origin=full.origin,
                )
                sentences = [Sentence(r.sentence_index, r.start, r.end, r.text) for r in own]
                items.append(PreparedArticle(article, full.hash, sentences, [r.window for r in own]))
            dst.catalog.commit_articles(items)
            bar.update(len(keys))
    return total


def peak_rss_kb() -> int:
    """This process's own peak RSS (VmHWM). ru_maxrss would include the parent's peak from before exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(index_dir: str, index: str, questions: int, timeless: bool = False) -> dict:
    """Run inside a fresh process: load, warm up, time every question, report peak RSS.
    `timeless`: ask with no as-of day (no date filter, time words, prior), as before dates counted."""
    started = time.perf_counter()
    from assistant import Assistant

    qa = Assistant.open(index=index, index_dir=index_dir)
    qa.ask("warm up question")
    load_s = time.perf_counter() - started
    latencies = []
    for question, day in load_questions(questions):
        t0 = time.perf_counter()
        qa.ask(question, as_of=None if timeless else day)  # as of the day it was asked, as in the evaluation
        latencies.append((time.perf_counter() - t0) * 1000)
    counts = qa.counts()
    return {
        "index": index,
        "articles": counts["articles"],
        "sentences": counts["sentences"],
        "questions": len(latencies),
        "p50_ms": round(float(np.percentile(latencies, 50)), 1),
        "p95_ms": round(float(np.percentile(latencies, 95)), 1),
        "mean_ms": round(float(np.mean(latencies)), 1),
        "peak_rss_mb": round(peak_rss_kb() / 1024, 1),
        "load_s": round(load_s, 1),
        "recency_prior": qa.settings.recency_prior,
        "article_evidence": qa.settings.article_evidence,
        "as_of": "none" if timeless else "question",
    }


def measure_in_subprocess(index_dir: Path, index: str, questions: int, time_aware: bool = True) -> dict:
    """`time_aware=False`: the prior and pooled evidence off, every question asked with no as-of day."""
    command = [sys.executable, __file__, "--measure", "--index-dir", str(index_dir), "--source", index]
    command += ["--questions", str(questions)] + ([] if time_aware else ["--timeless"])
    switch = "on" if time_aware else "off"
    env = {**os.environ, "ASSISTANT_RECENCY_PRIOR": switch, "ASSISTANT_ARTICLE_EVIDENCE": switch}
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(output.strip().splitlines()[-1])


def compare_recency(index_dir: Path, index: str, questions: int, rounds: int) -> list[dict]:
    """The same questions asked timeless (no as-of day, prior and pooled evidence off: as before dates
    counted) and time-aware (as of each question's day, both on), in fresh processes, alternating (A/B)."""
    rows = []
    for _ in range(rounds):
        rows += [measure_in_subprocess(index_dir, index, questions, time_aware=on) for on in (False, True)]
    for figure in ("p50_ms", "p95_ms"):
        off = [r[figure] for r in rows if r["as_of"] == "none"]
        on = [r[figure] for r in rows if r["as_of"] == "question"]
        print(
            f"{index} ({rows[0]['sentences']:,} sentences): ask {figure[:3]} timeless {np.median(off):.1f} ms, "
            f"time-aware {np.median(on):.1f} ms (median of {rounds} alternating runs of {questions} questions; "
            f"difference {np.median(on) - np.median(off):+.1f} ms)"
        )
    return rows


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["sentences"] for r in rows]
    fig, (latency, memory) = plt.subplots(1, 2, figsize=(10, 4))
    latency.plot(sizes, [r["p50_ms"] for r in rows], "o-", label="p50")
    latency.plot(sizes, [r["p95_ms"] for r in rows], "s--", label="p95")
    latency.axhline(100, color="grey", lw=0.8, ls=":", label="p50 target 100 ms")
    latency.axhline(250, color="grey", lw=0.8, ls="-.", label="p95 target 250 ms")
    latency.set(xscale="log", xlabel="indexed sentences", ylabel="ask latency (ms)", title="Latency vs index size")
    latency.legend()
    memory.plot(sizes, [r["peak_rss_mb"] for r in rows], "o-", color="tab:red")
    memory.axhline(2048, color="grey", lw=0.8, ls=":", label="2 GB target")
    memory.set(xscale="log", xlabel="indexed sentences", ylabel="peak RSS (MB)", title="Memory of the serving process")
    memory.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="rtqa", help="the full index to measure and copy subsets from")
    parser.add_argument("--index-dir", default=str(REPO / "indexes"))
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--compare-recency",
        type=int,
        metavar="ROUNDS",
        help="instead: time the source index asked timeless and time-aware, ROUNDS times each, alternating",
    )
    parser.add_argument("--timeless", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not QUESTIONS.exists():
        print(f"skipped: {QUESTIONS} not found (the shared data folder is absent)")
        return 0
    if args.measure:
        print(json.dumps(measure(args.index_dir, args.source, args.questions, args.timeless)))
        return 0

    index_dir = Path(args.index_dir)
    if args.compare_recency:
        rows = compare_recency(index_dir, args.source, args.questions, args.compare_recency)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "scale-recency.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
        return 0

    from assistant import Assistant

    source = Assistant.open(index=args.source, index_dir=index_dir)
    subsets = []
    for size in args.sizes:
        name = f"{args.source}-{size // 1000}k" if size >= 1000 else f"{args.source}-{size}"
        target = Assistant.open(index=name, index_dir=index_dir, embedder=source.embedder)
        if target.counts()["sentences"] < size:
            copy_subset(source, target, size)
        subsets.append(name)
    del source, target
    rows = [measure_in_subprocess(index_dir, name, args.questions) for name in [*subsets, args.source]]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    plot(rows, RESULTS / "scale.png")
    print(f"{'index':<14}{'articles':>9}{'sentences':>11}{'p50 ms':>8}{'p95 ms':>8}{'peak RSS MB':>13}{'load s':>8}")
    for r in rows:
        print(
            f"{r['index']:<14}{r['articles']:>9}{r['sentences']:>11}{r['p50_ms']:>8}{r['p95_ms']:>8}"
            f"{r['peak_rss_mb']:>13}{r['load_s']:>8}"
        )
    print(f"wrote {RESULTS / 'scale.json'} and {RESULTS / 'scale.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
