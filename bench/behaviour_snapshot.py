"""Record what users get for a fixed set of questions, and diff two recordings.

A restructuring must not change behaviour. `record` builds fresh indexes (the demo
corpus; SQuAD dev from ../shared) and writes, per question, the answer text, short
answer, refusal, citation ids and scores, and the ranked candidates' ids and scores.
`diff` compares two recordings: everything must be identical except scores, which may
differ by float noise (1e-6 by default).

    python bench/behaviour_snapshot.py record --index-dir /tmp/snap /tmp/build.jsonl   # builds the indexes
    python bench/behaviour_snapshot.py record --index-dir /tmp/snap after.jsonl        # reopens them
    (in a checkout of the old version) python bench/behaviour_snapshot.py record --index-dir /tmp/snap before.jsonl
    python bench/behaviour_snapshot.py diff before.jsonl after.jsonl

Open-mode answers are exact only between recordings that reopen the same index files:
Chroma's approximate (HNSW) index differs from one build to the next, and a collection
just written answers from its write buffer until it is reopened. Demo and reader-mode
answers match exactly even over fresh builds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path


def _record_set(assistant, label: str, items, context, filters_for) -> list[dict]:
    from assistant.evaluation import history_for

    by_id = {item.id: item for item in context}
    rows = []
    for item in items:
        answer, ranked = assistant.ask_ranked(
            item.question, history=history_for(item, by_id), filters=filters_for(item)
        )
        rows.append(
            {
                "set": label,
                "id": item.id,
                "text": answer.text,
                "short_answer": answer.short_answer,
                "refused": answer.refused,
                "standalone_question": answer.standalone_question,
                "citations": [[c.article_id, c.sentence_index, c.start, c.end, c.score] for c in answer.citations],
                "nearest": [[p.article_id, p.sentence_index, p.score] for p in answer.nearest],
                "ranked": [[p.article_id, p.sentence_index, p.score] for p in ranked],
            }
        )
    return rows


def record(out: Path, squad_limit: int, index_dir: Path | None = None) -> None:
    from assistant import Assistant
    from assistant.config import DEMO_CORPUS, DEMO_QA
    from assistant.evaluation import load_dataset, load_qa, reader_filters, spread
    from assistant.evaluation.corpora import SQUAD_DEV
    from assistant.schema import SearchFilters

    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = index_dir or Path(scratch)
        demo = Assistant.open(index="demo", index_dir=folder)
        demo.ingest([DEMO_CORPUS])
        items = load_qa(DEMO_QA)
        rows += _record_set(demo, "demo", items, items, lambda _: SearchFilters())
        if SQUAD_DEV.exists():
            data = load_dataset(SQUAD_DEV)
            squad = Assistant.open(index="squad", index_dir=folder, embedder=demo.embedder)
            squad.ingest(data.documents)
            chosen = spread(data.items, squad_limit)
            rows += _record_set(squad, "squad-open", chosen, data.items, lambda _: SearchFilters())
            rows += _record_set(squad, "squad-reader", chosen, data.items, reader_filters)
        else:
            print(f"note: {SQUAD_DEV} is absent; only the demo set was recorded", file=sys.stderr)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"recorded {len(rows)} questions to {out}")


def _split(row: dict) -> tuple[dict, list[float]]:
    """The row without its scores, and the scores in a fixed order."""
    exact = dict(row)
    scores: list[float] = []
    for field in ("citations", "nearest", "ranked"):
        exact[field] = [item[:-1] for item in row[field]]
        scores += [item[-1] for item in row[field]]
    return exact, scores


def diff(before: Path, after: Path, tolerance: float) -> int:
    old = [json.loads(line) for line in before.read_text(encoding="utf-8").splitlines()]
    new = [json.loads(line) for line in after.read_text(encoding="utf-8").splitlines()]
    if [(r["set"], r["id"]) for r in old] != [(r["set"], r["id"]) for r in new]:
        print("different question lists")
        return 1
    changed, worst = 0, 0.0
    for a, b in zip(old, new, strict=True):
        (exact_a, scores_a), (exact_b, scores_b) = _split(a), _split(b)
        drift = max((abs(x - y) for x, y in zip(scores_a, scores_b, strict=True)), default=0.0)
        worst = max(worst, drift)
        if exact_a != exact_b or drift > tolerance:
            changed += 1
            print(f"changed: {a['set']} {a['id']} (score drift {drift:.2e})")
    sets = sorted({r["set"] for r in old})
    print(f"{len(old)} questions ({', '.join(sets)}): {changed} changed; largest score drift {worst:.2e}")
    return 1 if changed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record")
    rec.add_argument("out", type=Path)
    rec.add_argument("--squad", type=int, default=300, help="SQuAD dev questions, spread over the set")
    rec.add_argument(
        "--index-dir",
        type=Path,
        help="keep (or reuse) the indexes here; compare recordings that reopen the same index files",
    )
    cmp_ = commands.add_parser("diff")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    cmp_.add_argument("--tolerance", type=float, default=1e-6)
    args = parser.parse_args()
    if args.command == "record":
        record(args.out, args.squad, args.index_dir)
        return 0
    return diff(args.before, args.after, args.tolerance)


if __name__ == "__main__":
    sys.exit(main())
