"""The ingest progress callback (docs/ingest.md, "Progress"): one count of the input's articles, real index."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from assistant.schema import Article
from assistant.server.uploads import store_and_ingest
from tests.conftest import synthetic_articles, write_jsonl


class Calls(list):
    """The (done, total) pairs a callback was given, and the threads it was called in."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[int] = set()

    def __call__(self, done: int, total: int) -> None:
        self.threads.add(threading.get_ident())
        self.append((done, total))


def _assert_one_count(calls: Calls, total: int) -> None:
    assert calls, "never called"
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert all(t == total for _, t in calls)
    dones = [d for d, _ in calls]
    assert dones == sorted(dones) and all(0 <= d <= total for d in dones)
    assert calls.threads == {threading.get_ident()}  # the caller's thread: Gradio's progress only works there


def _five_records(path: Path) -> Path:
    records = synthetic_articles(3)
    duplicate = dict(records[0], text=records[0]["text"] + " Changed.")  # same id again: skipped
    empty = {"id": "empty", "text": "   "}
    return write_jsonl(path, [*records, duplicate, empty])


def test_the_count_covers_every_article_of_a_file_whatever_happens_to_it(tmp_path, make_assistant, capsys):
    feed = _five_records(tmp_path / "feed.jsonl")
    assistant = make_assistant(ingest_batch_articles=2)
    calls = Calls()
    report = assistant.ingest([feed], progress=True, on_progress=calls)
    assert len(report.added) == 3 and len(report.skipped) == 2
    _assert_one_count(calls, 5)
    assert len(calls) > 2  # it moved on between the first and the last call
    assert "Ingesting" not in capsys.readouterr().err  # no terminal bar beside the callback

    again = Calls()
    report = assistant.ingest([feed], on_progress=again)  # unchanged articles count too
    assert len(report.unchanged) == 3
    _assert_one_count(again, 5)


def test_files_and_article_objects_share_one_count(tmp_path, make_assistant):
    feed = _five_records(tmp_path / "feed.jsonl")
    (tmp_path / "story.txt").write_text("Harbour reopens\n\nThe Arlow harbour reopened on Monday.", encoding="utf-8")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\x00\x00")
    extra = Article(id="extra", title="Extra", text="The Brenmoor library opened a new wing on Friday.")
    calls = Calls()
    report = make_assistant().ingest([feed, tmp_path / "story.txt", tmp_path / "image.txt", extra], on_progress=calls)
    assert len(report.added) == 5  # 3 records, the story, the Article
    _assert_one_count(calls, 8)  # 5 records, the story, the binary file (a skip), the Article


def test_nothing_to_ingest_is_still_reported_as_done(tmp_path, make_assistant):
    calls = Calls()
    make_assistant().ingest([], on_progress=calls)
    assert calls == [(0, 0)]


def test_an_upload_counts_its_articles(tmp_path, make_assistant):
    records = synthetic_articles(7)
    files = [
        ("feed.jsonl", "".join(json.dumps(r) + "\n" for r in records[:6]).encode()),
        ("story.txt", b"Harbour reopens\n\nThe Arlow harbour reopened on Monday."),
        ("bad.json", b'{"text": '),
    ]
    calls = Calls()
    report = store_and_ingest(make_assistant(), files, on_progress=calls)
    assert len(report.added) == 7 and [o for o, _ in report.skipped] == ["bad.json"]
    _assert_one_count(calls, 8)
