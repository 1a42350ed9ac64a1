"""Kill -9 an ingest part-way, re-run it, and compare with a clean ingest."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, synthetic_articles, write_jsonl

pytestmark = pytest.mark.slow


def _ready_articles(catalog) -> int:
    if not catalog.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM articles WHERE status = 'ready'").fetchone()[0]
    except sqlite3.Error:
        return 0


# Runs the real CLI ingest in a child process that stops for good inside its third batch,
# after the batch was marked pending and before it is written: the kill lands there every time.
STOP_IN_THIRD_BATCH = """
import pathlib, sys, time
from assistant.store import index as store_index
real_commit = store_index.PendingBatch.commit
committed = []
def commit(self, vectors):
    if len(committed) == 2:
        pathlib.Path(sys.argv[2]).write_text("third batch pending")
        time.sleep(600)
    committed.append(len(self.batch))
    return real_commit(self, vectors)
store_index.PendingBatch.commit = commit
from assistant.cli import main
sys.exit(main(["ingest", "--quiet", sys.argv[1]]))
"""
BATCH = 64  # Settings.ingest_batch_articles


def test_killed_ingest_recovers_to_the_clean_result(tmp_path, make_assistant):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", synthetic_articles(300))
    crash_dir = tmp_path / "crash"
    marker = tmp_path / "stopped"
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(crash_dir), "ASSISTANT_INDEX": "big"}
    proc = subprocess.Popen(
        [sys.executable, "-c", STOP_IN_THIRD_BATCH, str(corpus), str(marker)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    catalog = crash_dir / "big" / "catalog.sqlite"
    deadline = time.time() + 300
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert marker.exists(), "the ingest never reached its third batch"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _ready_articles(catalog) == 2 * BATCH  # two batches written, the third cut off
    partial = 2 * BATCH

    from assistant import Assistant

    resumed = Assistant.open(index="big", index_dir=crash_dir, embedder=make_assistant().embedder)
    report = resumed.ingest([corpus])
    assert len(report.unchanged) == partial and len(report.added) == 300 - partial

    clean = make_assistant("clean")
    clean.ingest([corpus])
    assert resumed.counts() == clean.counts()
    assert resumed.counts()["vectors"] == resumed.counts()["sentences"]
    hit = resumed.retrieve("Record number 299 closes", k=1)[0]
    assert hit.article_id == "synthetic-00299"


def test_a_failed_background_write_is_raised_and_repaired_on_reopen(tmp_path, make_assistant, embedder, monkeypatch):
    """Batches are stored on a writer thread while the next is encoded: a failure there
    must reach the caller, and the failed batch must be repaired, not half-indexed."""
    from assistant import Assistant
    from assistant.schema import Article
    from assistant.store.index import SentenceIndex

    articles = [Article(id=r["id"], text=r["text"], title=r["title"]) for r in synthetic_articles(40)]
    assistant = make_assistant("pipelined", ingest_batch_articles=10)
    real_store = SentenceIndex._store
    stored: list[int] = []

    def failing_store(self, batch, vectors):
        if len(stored) == 2:
            raise OSError("disk full")
        stored.append(len(batch))
        return real_store(self, batch, vectors)

    monkeypatch.setattr(SentenceIndex, "_store", failing_store)
    with pytest.raises(OSError, match="disk full"):
        assistant.ingest(articles)
    monkeypatch.undo()
    assert stored == [10, 10]

    reopened = Assistant.open(index="pipelined", index_dir=tmp_path / "indexes", embedder=embedder)
    assert reopened.counts()["articles"] == 20 and reopened.index.catalog.pending_ids() == []
    report = reopened.ingest(articles)
    assert len(report.unchanged) == 20 and len(report.added) == 20
    assert reopened.counts()["vectors"] == reopened.counts()["sentences"] == 40 * 9
