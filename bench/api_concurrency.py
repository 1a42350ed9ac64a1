"""Latency of POST /api/ask under 50 concurrent clients, against one-at-a-time requests in the same run.

Starts the real app (`app.py`) in its own process on a free loopback port over an
existing index, then fires questions built from BBC headlines:

    python -m assistant --index bbc ingest ../shared/data/news/bbc_articles.jsonl.gz   # once
    python bench/api_concurrency.py --index bbc [--clients 50] [--rounds 3]

Prints status codes, p50/p95/max latency and throughput for both phases, and the
ratio of p50 under load to p50 alone.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

from assistant.evaluation.corpora import BBC, load_bbc, questions_from

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(index: str, port: int) -> subprocess.Popen:
    command = [sys.executable, str(REPO / "app.py"), "--index", index, "--port", str(port)]
    return subprocess.Popen(command, cwd=REPO, env=os.environ.copy(), stdout=subprocess.DEVNULL)


def wait_healthy(base: str, timeout_s: float = 180) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            return httpx.get(f"{base}/healthz", timeout=2).json()
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit("the app did not come up")


def timed_ask(client: httpx.Client, question: str) -> tuple[int, float]:
    started = time.perf_counter()
    status = client.post("/api/ask", json={"question": question}).status_code
    return status, (time.perf_counter() - started) * 1000


def describe(label: str, results: list[tuple[int, float]], wall_s: float) -> float:
    statuses = [s for s, _ in results]
    ms = np.array([t for _, t in results])
    ok = statuses.count(200)
    p50 = float(np.percentile(ms, 50))
    print(
        f"{label:<22} {ok}/{len(results)} ok   p50 {p50:7.1f} ms   p95 {np.percentile(ms, 95):7.1f} ms   "
        f"max {ms.max():7.1f} ms   {len(results) / wall_s:6.1f} req/s"
    )
    if ok != len(results):
        print(f"  non-200 statuses: {sorted(set(statuses) - {200})}")
    return p50


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="bbc", help="an index already built under ./indexes")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="bursts of --clients concurrent requests")
    parser.add_argument("--sequential", type=int, default=30, help="one-at-a-time requests for the baseline")
    args = parser.parse_args()
    if not BBC.exists():
        print(f"skipped: {BBC} not found (the shared data folder is absent)")
        return 0
    questions = questions_from(load_bbc(None), args.clients * args.rounds + args.sequential)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = start_app(args.index, port)
    try:
        health = wait_healthy(base)
        print(f"index {health['index']}: {health['articles']} articles, {health['sentences']} sentences")
        limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
        with httpx.Client(base_url=base, timeout=120, limits=limits) as client:
            timed_ask(client, "warm up")
            baseline_questions, load_questions = questions[: args.sequential], questions[args.sequential :]
            started = time.perf_counter()
            alone = [timed_ask(client, q) for q in baseline_questions]
            p50_alone = describe("one at a time", alone, time.perf_counter() - started)
            under_load: list[tuple[int, float]] = []
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                for burst in range(args.rounds):
                    chunk = load_questions[burst * args.clients : (burst + 1) * args.clients]
                    under_load += list(pool.map(lambda q: timed_ask(client, q), chunk))
            p50_load = describe(f"{args.clients} concurrent", under_load, time.perf_counter() - started)
        print(f"p50 under load / p50 alone: {p50_load / p50_alone:.1f}x (2 cores; the encoder serialises queries)")
        return 0 if all(s == 200 for s, _ in alone + under_load) else 1
    finally:
        app.terminate()
        app.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
