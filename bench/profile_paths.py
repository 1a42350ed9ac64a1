"""Where the time goes: a pyinstrument profile of one ingest batch and of one question.

    python bench/profile_paths.py --index rtqa [--question "..."]

Ingests one batch of 64 BBC articles into a temporary index, then asks one question
of the given index (after a warm-up), printing each call tree down to the calls
that take at least 3% of the time. HTML versions go to bench/results/.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from pyinstrument import Profiler

from assistant.evaluation.corpora import BBC, load_bbc

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


def show(profiler: Profiler, title: str, html_name: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / html_name).write_text(profiler.output_html(), encoding="utf-8")
    print(f"===== {title} =====")
    print(profiler.output_text(unicode=True, color=False, show_all=False, time="percent_of_total", flat=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="rtqa")
    parser.add_argument("--index-dir", default=str(REPO / "indexes"))
    parser.add_argument("--question", default="Which country did the president visit this week?")
    args = parser.parse_args()
    if not BBC.exists():
        print(f"skipped: {BBC} not found (the shared data folder is absent)")
        return 0
    from assistant import Assistant

    served = Assistant.open(index=args.index, index_dir=args.index_dir)
    served.ask("warm up question")
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Assistant.open(index="profile", index_dir=tmp, embedder=served.embedder)
        articles = load_bbc(64)
        with Profiler(interval=0.002) as ingest_profile:
            scratch.ingest(articles)
    show(ingest_profile, "one ingest batch (64 BBC articles)", "profile_ingest.html")
    with Profiler(interval=0.0005) as query_profile:
        served.ask(args.question)
    show(
        query_profile, f"one question on {args.index} ({served.counts()['sentences']} sentences)", "profile_query.html"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
