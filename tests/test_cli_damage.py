"""The real CLI (`python -m assistant`, a child process) on damaged indexes: exit 3 with one paragraph, no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from assistant.config import DEMO_CORPUS
from tests.conftest import REPO
from tests.store.test_health import build_big_index, remove_segments


def _cli(index_dir, index: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "--index-dir", str(index_dir), "--index", index, *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory, embedder):
    from assistant import Assistant

    folder = tmp_path_factory.mktemp("cli-damage")
    with Assistant.open(index="demo", index_dir=folder, embedder=embedder) as assistant:
        assistant.ingest([DEMO_CORPUS])
    return folder


def test_truncated_catalog_exits_3_then_check_repair_check(demo_folder, tmp_path):
    folder = tmp_path / "indexes"
    shutil.copytree(demo_folder, folder)
    catalog = folder / "demo" / "catalog.sqlite"
    with catalog.open("r+b") as handle:
        handle.truncate(catalog.stat().st_size // 2)
    for args in (["articles"], ["ask", "Who mediated?"]):
        run = _cli(folder, "demo", *args)
        assert run.returncode == 3, (args, run.stdout, run.stderr)
        assert "catalog.sqlite" in run.stderr and "repair" in run.stderr
        assert f"--index-dir {folder} --index demo repair" in run.stderr
        assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1

    check = _cli(folder, "demo", "check")
    assert check.returncode == 1 and check.stdout.strip().splitlines()[-1].startswith("DAMAGED: ")
    assert "catalog_unreadable" in check.stdout
    as_json = json.loads(_cli(folder, "demo", "check", "--json").stdout)
    assert as_json["ok"] is False and as_json["problems"][0]["kind"] == "catalog_unreadable"
    repair = _cli(folder, "demo", "repair")
    assert repair.returncode == 0, repair.stdout + repair.stderr
    assert "rebuilt the catalog" in repair.stdout and repair.stdout.strip().endswith("OK")
    check = _cli(folder, "demo", "check")
    assert check.returncode == 0 and check.stdout.strip().splitlines()[-1] == "OK"
    assert _cli(folder, "demo", "repair").stdout.startswith("nothing to repair")
    assert any(p.name.startswith("catalog.sqlite.damaged-") for p in catalog.parent.iterdir())
    articles = _cli(folder, "demo", "articles")
    assert articles.returncode == 0 and articles.stdout.strip().endswith("6 articles")


def test_removed_segment_makes_ask_exit_3_not_a_refusal(tmp_path):
    index = build_big_index(tmp_path / "indexes")
    remove_segments(index)
    run = _cli(tmp_path / "indexes", "big", "ask", "What did the Castleford council debate?")
    assert run.returncode == 3, run.stdout + run.stderr
    assert str(index / "chroma") in run.stderr and "repair" in run.stderr and "Traceback" not in run.stderr
    assert run.stdout == ""
    check = _cli(tmp_path / "indexes", "big", "check")
    assert check.returncode == 1 and "vectors_unsearchable" in check.stdout
