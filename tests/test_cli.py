"""The command line as a user runs it: real subprocesses, a real on-disk index."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO


def run_cli(*args: str, index_dir, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir)}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_bad_questions_exit_2_with_a_message(tmp_path):
    for bad in ("", "   ", "x" * 2001):
        done = run_cli("ask", bad, index_dir=tmp_path)
        assert done.returncode == 2
        assert done.stderr.startswith("error: the question")
    assert not (tmp_path / "demo").exists()  # rejected before any index was opened


def test_ingest_ask_list_delete_round_trip(tmp_path):
    article = tmp_path / "ferry.md"
    article.write_text("# Ferry strike ends\n\nThe ferry strike in Portlow ended on Sunday after 12 days.\n")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    ingest = run_cli("ingest", str(article), str(bad), index_dir=tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    assert "added 1" in ingest.stdout and "skipped" in ingest.stdout and "binary" in ingest.stdout

    ask = run_cli("ask", "How many days did the ferry strike last?", "--json", index_dir=tmp_path)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["citations"][0]["sentence"] == "The ferry strike in Portlow ended on Sunday after 12 days."
    assert answer["short_answer"] == "12 days" or answer["short_answer"] == "12"

    listed = run_cli("articles", "--json", index_dir=tmp_path)
    article_id = json.loads(listed.stdout)[0]["id"]
    assert run_cli("delete", article_id, index_dir=tmp_path).returncode == 0
    missing = run_cli("delete", article_id, index_dir=tmp_path)
    assert missing.returncode == 1 and "no article" in missing.stderr
