"""Soak: the app keeps answering while another process ingests 500 BBC articles and deletes 50 through it.

Runs bench/soak.py (real app process, 4 HTTP clients for at least 60 s, the CLI as the
second writer) and checks its report: no 5xx, every ask answered, the new article
answers without a restart, and the counts equal a clean single-process ingest.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.evaluation.corpora import BBC
from tests.conftest import REPO


@pytest.mark.skipif(not BBC.exists(), reason="../shared BBC corpus not found")
def test_app_serves_without_errors_while_another_process_ingests_and_deletes(tmp_path):
    out = tmp_path / "soak.json"
    done = subprocess.run(
        [
            sys.executable,
            "bench/soak.py",
            "--articles",
            "500",
            "--deletes",
            "50",
            "--seconds",
            "60",
            "--json",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3000,
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    (REPO / "test-artifacts" / "soak.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "writer_exit_codes"}, indent=2))
    assert report["asks"] > 0 and report["asks_writing"] > 0
    assert report["server_errors"] == 0 and report["other_errors"] == []
    assert report["routed"], "the CLI wrote beside the app instead of through it"
    assert all(code == 0 for code in report["writer_exit_codes"]) and report["deleted"] == 50
    assert report["probe_article"] == "bbc-business-001"
    assert report["app_counts"] == report["clean_counts"]
    assert report["app_counts"]["articles"] > 400
    assert done.returncode == 0, done.stderr[-3000:]
