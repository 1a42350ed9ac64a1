"""The cost of `resolve_time` per question, over RealTimeQA's dev questions, each resolved
against its own question date (the moment it was asked).

    python bench/temporal_cost.py [--repeats 5] [--path ../shared/data/qa/realtimeqa_dev.jsonl]

Prints the mean and p50/p99 microseconds per question, for all questions and apart for those
the pre-filter turns away (no temporal word) and those it lets through, plus how many got a
window, a soft preference or a "latest" flag. The questions are read at run time, never copied.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from pathlib import Path

from assistant.config import shared_data
from assistant.retrieval import temporal


def load(path: Path) -> list[tuple[str, date]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append((row["question"], date.fromisoformat(str(row["question_date"]).replace("/", "-"))))
    return rows


def measure(rows: list[tuple[str, date]], repeats: int = 5) -> dict[str, float | int]:
    """Microseconds per question (best of `repeats` per question), split by the pre-filter."""
    cold: list[float] = []
    hot: list[float] = []
    counts = {"window": 0, "prefer": 0, "latest": 0}
    clock = time.perf_counter
    for question, as_of in rows:
        best = float("inf")
        for _ in range(repeats):
            started = clock()
            scope = temporal.resolve_time(question, as_of)
            best = min(best, clock() - started)
        (hot if temporal.mentions_time(question) else cold).append(best * 1e6)
        if scope.kind:
            counts[scope.kind] += 1
        counts["latest"] += scope.wants_latest
    every = sorted(cold + hot)
    return {
        "questions": len(every),
        "mean_us": statistics.fmean(every),
        "p50_us": every[len(every) // 2],
        "p99_us": every[min(len(every) - 1, int(len(every) * 0.99))],
        "max_us": every[-1],
        "prefiltered_out": len(cold),
        "prefiltered_out_mean_us": statistics.fmean(cold) if cold else 0.0,
        "resolved_mean_us": statistics.fmean(hot) if hot else 0.0,
        **counts,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=shared_data("qa", "realtimeqa_dev.jsonl"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not args.path.exists():
        print(f"{args.path} is absent: nothing to measure")
        return 0
    result = measure(load(args.path), args.repeats)
    for key, value in result.items():
        print(f"{key:>24}: {value:.1f}" if isinstance(value, float) else f"{key:>24}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
