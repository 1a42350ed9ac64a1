"""Soak: the app serves questions while another process ingests and deletes through it.

    python bench/soak.py [--articles 500] [--deletes 50] [--clients 4] [--seconds 60] [--json soak.json]

1. Starts the real app (`app.py`) in its own process over a fresh demo index.
2. `--clients` threads ask questions over HTTP for at least `--seconds`.
3. Meanwhile a second process runs `assistant ingest` of `--articles` BBC articles
   (read from ../shared at run time) and then `assistant delete` for `--deletes` of them,
   one process per delete: the CLI finds the app owning the index and goes through its API.
4. Afterwards, without restarting the app, asks a question only a new article answers,
   and compares the app's article and sentence counts with a clean single-process ingest
   of the same final set (demo corpus + the articles that were not deleted).

Prints (and with --json writes) asks, 5xx and other errors, p50/p95 latency while the
writer ran and while it did not, writer time, and the counts. Exit 0 when every ask was
answered without a 5xx, the probe was answered from the new article and the counts match.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Who mediated?",
    "Where were the talks held?",
    "How much of Ukraine does Russia occupy?",
    "What was the score in the National Cup final?",
    "Who won the National Cup?",
    "How much did chip sales grow?",
    "When did the Aurora-2 probe launch?",
    "Why was the bridge closed?",
]
# An article among the first BBC ones that nothing in the demo corpus answers.
PROBE_ID = "bbc-business-001"
PROBE_QUESTION = "By how much did quarterly profits at Time Warner jump?"


@dataclass
class SoakReport:
    asks: int = 0
    server_errors: int = 0  # 5xx
    other_errors: list[str] = field(default_factory=list)  # non-200 statuses and transport errors, listed
    p50_ms_writing: float = 0.0
    p95_ms_writing: float = 0.0
    asks_writing: int = 0
    p50_ms_idle: float = 0.0
    p95_ms_idle: float = 0.0
    writer_s: float = 0.0
    writer_exit_codes: list[int] = field(default_factory=list)
    deleted: int = 0
    routed: bool = False  # the writer's CLI said it went through the app
    probe_article: str = ""
    probe_short_answer: str = ""
    app_counts: dict[str, int] = field(default_factory=dict)
    clean_counts: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return (
            self.asks > 0
            and self.server_errors == 0
            and not self.other_errors
            and all(code == 0 for code in self.writer_exit_codes)
            and self.routed
            and self.probe_article == PROBE_ID
            and self.app_counts == self.clean_counts
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base: str, app: subprocess.Popen, timeout_s: float = 300) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise SystemExit(f"the app exited with code {app.returncode}")
        try:
            return httpx.get(f"{base}/healthz", timeout=2).json()
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit("the app did not come up")


def bbc_records(count: int) -> list[dict]:
    from assistant.evaluation.corpora import BBC

    records = []
    with gzip.open(BBC, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            records.append(
                {
                    "id": row["id"],
                    "title": row["title"],
                    "text": row["text"],
                    "source": "BBC",
                    "category": row.get("category", ""),
                }
            )
            if len(records) >= count:
                break
    return records


def cli(index_dir: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "assistant", "--index-dir", str(index_dir), *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=1800)


def run_soak(work: Path, articles: int, deletes: int, clients: int, seconds: float) -> SoakReport:
    from assistant.config import DEMO_CORPUS

    records = bbc_records(articles)
    if not any(r["id"] == PROBE_ID for r in records):
        raise SystemExit(f"the probe article {PROBE_ID} is not among the first {articles} BBC articles")
    corpus = work / "bbc.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    index_dir = work / "indexes"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir)}
    env.pop("ASSISTANT_INDEX", None)
    app = subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), "--port", str(port)], cwd=REPO, env=env, stdout=subprocess.DEVNULL
    )
    report = SoakReport()
    to_delete: list[str] = []
    timings: list[tuple[float, float]] = []  # (when it finished, ms)
    lock = threading.Lock()
    stop = threading.Event()
    writer_window = [0.0, 0.0]
    try:
        wait_healthy(base, app)

        def client(number: int) -> None:
            with httpx.Client(base_url=base, timeout=120) as http:
                turn = number
                while not stop.is_set():
                    question = QUESTIONS[turn % len(QUESTIONS)]
                    turn += 1
                    started = time.perf_counter()
                    try:
                        status = http.post("/api/ask", json={"question": question}).status_code
                    except httpx.HTTPError as exc:
                        with lock:
                            report.other_errors.append(f"{question}: {exc!r}")
                        continue
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        report.asks += 1
                        timings.append((time.monotonic(), elapsed))
                        if status >= 500:
                            report.server_errors += 1
                        elif status != 200:
                            report.other_errors.append(f"{question}: HTTP {status}")

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(3)  # some asks before the writer starts
        writer_window[0] = time.monotonic()
        ingest = cli(index_dir, "ingest", "--quiet", "--json", str(corpus))
        report.writer_exit_codes.append(ingest.returncode)
        report.routed = "sent through the app" in ingest.stderr
        if ingest.returncode:
            raise SystemExit(f"the ingest failed: {ingest.stderr}")
        added = json.loads(ingest.stdout)["added"]  # BBC repeats a few stories: those are skipped
        to_delete = [article_id for article_id in added if article_id != PROBE_ID][-deletes:] if deletes else []
        for article_id in to_delete:
            report.writer_exit_codes.append(cli(index_dir, "delete", article_id).returncode)
        writer_window[1] = time.monotonic()
        report.writer_s = round(writer_window[1] - writer_window[0], 1)
        while time.monotonic() - started < seconds:
            time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=180)
        probe = httpx.post(f"{base}/api/ask", json={"question": PROBE_QUESTION}, timeout=120).json()
        report.probe_article = probe["citations"][0]["article_id"] if probe.get("citations") else ""
        report.probe_short_answer = probe.get("short_answer") or ""
        health = httpx.get(f"{base}/healthz", timeout=10).json()
        report.app_counts = {"articles": health["articles"], "sentences": health["sentences"]}
    finally:
        app.terminate()
        app.wait(timeout=60)
    during = [ms for when, ms in timings if writer_window[0] <= when <= writer_window[1]]
    idle = [ms for when, ms in timings if not writer_window[0] <= when <= writer_window[1]]
    report.asks_writing = len(during)
    if during:
        report.p50_ms_writing, report.p95_ms_writing = (round(float(np.percentile(during, q)), 1) for q in (50, 95))
    if idle:
        report.p50_ms_idle, report.p95_ms_idle = (round(float(np.percentile(idle, q)), 1) for q in (50, 95))
    report.deleted = len(to_delete)
    report.clean_counts = clean_counts(work / "clean", [DEMO_CORPUS, corpus], set(to_delete))
    return report


def clean_counts(index_dir: Path, paths: list[Path], deleted: set[str]) -> dict[str, int]:
    """Article and sentence counts of one process ingesting the final set into a fresh index."""
    from assistant import Assistant
    from assistant.ingest.loaders import load_articles
    from assistant.schema import Article

    final = [item for item in load_articles(paths) if isinstance(item, Article) and item.id not in deleted]
    with Assistant.open(index="clean", index_dir=index_dir) as assistant:
        assistant.ingest(final)
        counts = assistant.counts()
    return {"articles": counts["articles"], "sentences": counts["sentences"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--deletes", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--json", metavar="PATH", help="also write the report here")
    args = parser.parse_args()
    from assistant.evaluation.corpora import BBC

    if not BBC.exists():
        print(f"skipped: {BBC} not found (the shared data folder is absent)")
        return 0
    with tempfile.TemporaryDirectory(prefix="soak-") as work:
        report = run_soak(Path(work), args.articles, args.deletes, args.clients, args.seconds)
    data = {**asdict(report), "passed": report.passed}
    print(json.dumps(data, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=2), encoding="utf-8")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
