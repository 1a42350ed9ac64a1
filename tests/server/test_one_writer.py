"""One writer per index, as users meet it: the app owns its index, CLI commands go through it.

Real app processes (`python app.py`), real CLI processes, real HTTP, a real Chroma on disk.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from assistant.errors import IndexBusyError
from tests.conftest import REPO, synthetic_articles, write_jsonl
from tests.live_server import start_app_process

ROUTED = "sent through the app at"


def cli(index_dir, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("ASSISTANT_INDEX")}
    environ.update({"ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_LOCK_WAIT": "5", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], cwd=REPO, env=environ, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app serving a fresh demo index in its own process: (index folder, app)."""
    index_dir = tmp_path_factory.mktemp("served")
    app = start_app_process(index_dir)
    yield index_dir, app
    app.stop()


def test_cli_writes_go_through_the_app_which_answers_from_them_at_once(served, tmp_path):
    index_dir, app = served
    corpus = write_jsonl(tmp_path / "towns.jsonl", synthetic_articles(30, seed=3))
    before = httpx.get(f"{app.url}/healthz").json()

    ingest = cli(index_dir, "ingest", "--quiet", str(corpus))
    assert ingest.returncode == 0, ingest.stderr
    assert ROUTED in ingest.stderr and "added 30" in ingest.stdout
    after = httpx.get(f"{app.url}/healthz").json()
    assert after["articles"] == before["articles"] + 30

    answer = httpx.post(f"{app.url}/api/ask", json={"question": "What closes record number 17?"}).json()
    assert answer["citations"][0]["article_id"] == "synthetic-00017"

    listed = cli(index_dir, "articles", "--json")
    assert listed.returncode == 0 and ROUTED in listed.stderr
    assert "synthetic-00017" in {row["id"] for row in json.loads(listed.stdout)}

    deleted = cli(index_dir, "delete", "synthetic-00017")
    assert deleted.returncode == 0 and ROUTED in deleted.stderr
    missing = cli(index_dir, "delete", "synthetic-00017")
    assert missing.returncode == 1 and "no article with id 'synthetic-00017'" in missing.stderr
    assert httpx.get(f"{app.url}/healthz").json()["articles"] == before["articles"] + 29

    asked = cli(index_dir, "ask", "--json", "Who mediated?")
    assert asked.returncode == 0 and ROUTED in asked.stderr
    assert json.loads(asked.stdout)["citations"][0]["article_id"] == "geneva-peace-talks"


def test_commands_that_cannot_go_through_the_app_stop_with_exit_4_and_write_nothing(served):
    index_dir, app = served
    before = httpx.get(f"{app.url}/healthz").json()
    synced = cli(index_dir, "sync")
    assert synced.returncode == 4
    assert f"served by the app at {app.url}" in synced.stderr and "Traceback" not in synced.stderr
    assert httpx.get(f"{app.url}/healthz").json() == before


def test_the_python_api_is_told_at_once_that_the_app_owns_the_index(served, embedder):
    from assistant import Assistant

    index_dir, app = served
    started = time.monotonic()
    with pytest.raises(IndexBusyError) as busy:
        Assistant.open(index="demo", index_dir=index_dir, embedder=embedder, lock_wait=60)
    assert time.monotonic() - started < 5  # an app holds its index for its lifetime: no waiting
    assert app.url in str(busy.value)


def test_with_basic_auth_the_cli_needs_the_credentials(tmp_path):
    app = start_app_process(tmp_path, env={"ASSISTANT_AUTH": "editor:s3cret"})
    try:
        without = cli(tmp_path, "articles", env={"ASSISTANT_AUTH": ""})
        assert without.returncode == 4 and "ASSISTANT_AUTH" in without.stderr
        wrong = cli(tmp_path, "articles", env={"ASSISTANT_AUTH": "editor:wrong"})
        assert wrong.returncode == 4 and "refused the credentials" in wrong.stderr
        right = cli(tmp_path, "articles", env={"ASSISTANT_AUTH": "editor:s3cret"})
        assert right.returncode == 0 and "6 articles" in right.stdout
    finally:
        app.stop()


def test_the_demo_corpus_is_built_once_and_deletions_stay_deleted(tmp_path):
    app = start_app_process(tmp_path)
    try:
        assert "Demo index: added 6" in _output_so_far(app)
        assert httpx.delete(f"{app.url}/api/articles/aurora-2-launch").status_code == 200
    finally:
        app.stop()
    app = start_app_process(tmp_path)
    try:
        health = httpx.get(f"{app.url}/healthz").json()
        assert health["articles"] == 5
    finally:
        app.stop()
    app = start_app_process(tmp_path, "--reset-demo")
    try:
        assert httpx.get(f"{app.url}/healthz").json()["articles"] == 6
    finally:
        app.stop()


def _output_so_far(app) -> str:
    """What the app printed up to its "listening" line (the demo report comes before it)."""
    deadline = time.monotonic() + 30
    while "Newsroom QA on" not in app.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    return app.output()
