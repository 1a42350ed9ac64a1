"""`kill -9` of the app in the middle of an upload ingest: after a restart the index checks clean."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import httpx

from tests.conftest import REPO, synthetic_articles, write_jsonl
from tests.live_server import start_app_process


def _statuses(catalog) -> dict[str, int]:
    with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=5) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM articles GROUP BY status").fetchall())


def _check(index_dir) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir)}
    env.pop("ASSISTANT_INDEX", None)
    return subprocess.run(
        [sys.executable, "-m", "assistant", "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def test_app_killed_mid_upload_restarts_clean_and_a_reupload_equals_a_clean_ingest(tmp_path, make_assistant):
    corpus = write_jsonl(tmp_path / "towns.jsonl", synthetic_articles(600, seed=11))
    index_dir = tmp_path / "served"
    catalog = index_dir / "demo" / "catalog.sqlite"
    app = start_app_process(index_dir)
    upload = threading.Thread(target=lambda: _post_quietly(app.url, corpus), name="upload", daemon=True)
    upload.start()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # kill once a batch is stored and another is being written
        states = _statuses(catalog)
        if states.get("ready", 0) > 6 and states.get("pending", 0) > 0:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"the upload never got under way: {_statuses(catalog)}")
    os.kill(app.process.pid, signal.SIGKILL)
    app.process.wait()
    upload.join(timeout=30)
    assert _statuses(catalog).get("pending", 0) > 0  # the kill did cut a write off

    app = start_app_process(index_dir)  # reopening repairs the cut-off batch
    try:
        health = httpx.get(f"{app.url}/healthz").json()
        assert health["status"] == "ok", health
        kept = health["articles"]
        assert 6 < kept < 606
    finally:
        app.stop()
    checked = _check(index_dir)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    app = start_app_process(index_dir)
    try:
        assert _post_quietly(app.url, corpus) == 200
        after = httpx.get(f"{app.url}/healthz").json()
    finally:
        app.stop()
    from assistant.config import DEMO_CORPUS

    clean = make_assistant("clean")
    clean.ingest([DEMO_CORPUS, corpus])
    expected = clean.counts()
    assert (after["articles"], after["sentences"]) == (expected["articles"], expected["sentences"])
    assert _check(index_dir).returncode == 0


def _post_quietly(url: str, corpus) -> int:
    """Upload `corpus` as a file; the connection breaking (the app killed) is expected."""
    try:
        with corpus.open("rb") as handle:
            files = {"files": (corpus.name, handle, "application/jsonl")}
            return httpx.post(f"{url}/api/articles", files=files, timeout=600).status_code
    except httpx.HTTPError:
        return 0
