"""One writer per index: the lock as other processes meet it (real processes, real files)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import IndexBusyError
from assistant.store.index import SentenceIndex
from tests.conftest import REPO
from tests.fakes import HashEmbedder

HOLD = """
import sys, time
from pathlib import Path
from assistant.config import Settings
from assistant.store.index import SentenceIndex
from tests.fakes import HashEmbedder
settings = Settings.from_env().with_overrides(index_dir=Path(sys.argv[1]), index_name="held")
index = SentenceIndex.open(settings, HashEmbedder(), command="holder")
Path(sys.argv[2]).write_text("ready")
time.sleep(float(sys.argv[3]))
index.close()
"""


def _hold(index_dir: Path, marker: Path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(index_dir), str(marker), str(seconds)], cwd=REPO)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None and time.monotonic() < deadline, "the holder did not start"
        time.sleep(0.05)
    return process


def _settings(index_dir: Path, wait: float) -> Settings:
    return Settings(index_dir=index_dir, index_name="held", lock_wait=wait)


def test_a_second_process_is_told_who_holds_the_index_and_gets_it_once_the_holder_is_killed(tmp_path):
    holder = _hold(tmp_path, tmp_path / "ready", 300)
    try:
        started = time.monotonic()
        with pytest.raises(IndexBusyError) as busy:
            SentenceIndex.open(_settings(tmp_path, 1.0), HashEmbedder())
        assert time.monotonic() - started < 10
        assert f"pid {holder.pid}" in str(busy.value) and "`holder`" in str(busy.value)
        os.kill(holder.pid, signal.SIGKILL)  # the OS drops the lock with the process
        holder.wait()
        index = SentenceIndex.open(_settings(tmp_path, 5.0), HashEmbedder())
        index.close()
    finally:
        holder.kill()


def test_a_writer_waits_for_a_short_lived_holder(tmp_path, capsys):
    holder = _hold(tmp_path, tmp_path / "ready", 2)
    index = SentenceIndex.open(_settings(tmp_path, 60.0), HashEmbedder())
    index.close()
    holder.wait(timeout=30)
    assert "waiting for the index lock" in capsys.readouterr().err


def test_one_process_may_open_an_index_twice_and_holds_it_until_both_close(tmp_path):
    first = SentenceIndex.open(_settings(tmp_path, 0), HashEmbedder())
    second = SentenceIndex.open(_settings(tmp_path, 0), HashEmbedder())
    probe = [sys.executable, "-c", HOLD, str(tmp_path), str(tmp_path / "probe"), "0"]
    env = {**os.environ, "ASSISTANT_LOCK_WAIT": "0"}
    first.close()
    still_held = subprocess.run(probe, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert still_held.returncode != 0 and "IndexBusyError" in still_held.stderr
    second.close()
    free = subprocess.run(probe, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert free.returncode == 0, free.stderr
