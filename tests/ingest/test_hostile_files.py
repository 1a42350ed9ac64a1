"""Hostile files (issue 16, the file-reading side): budgets, depth, HTML, dates, limits, folder scans.

Every entry point reads through assistant.ingest.loaders, so these tests use the loader
directly (no model), except the last one, which ingests a folder of bad files with the real
model. Bombs are made on the fly in tmp_path; peak memory is measured in a subprocess
(ru_maxrss after the imports, then after reading), so the numbers are the loader's own.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.dates import check_date, parse_date
from assistant.ingest import loaders
from assistant.ingest.loaders import (
    MAX_DECOMPRESSED_BYTES,
    MAX_DOCUMENT_BYTES,
    MAX_JSON_DEPTH,
    MAX_LINES_PER_FILE,
    MAX_REASONS_PER_FILE,
    MAX_SKIPPED_LINES,
    Note,
    Skipped,
    article_from_record,
    load_articles,
)
from assistant.ingest.pipeline import Ingestor
from assistant.schema import Article, IngestReport

REPO = Path(__file__).resolve().parents[2]
MIB = 1 << 20
FOUR_PARAGRAPHS = (
    "<p>First paragraph.</p><p>Second paragraph.</p>{hostile}<p>Third paragraph.</p><p>Fourth paragraph.</p>"
)


def _load(paths, **options):
    items = list(load_articles(paths, **options))
    return (
        [i for i in items if isinstance(i, Article)],
        [i for i in items if isinstance(i, Skipped)],
        [i for i in items if isinstance(i, Note)],
    )


def _by_name(skipped: list[Skipped]) -> dict[str, str]:
    return {Path(s.origin).name: s.reason for s in skipped}


def _write_gzip_members(path: Path, unit: bytes, inflated: int) -> Path:
    """A gzip file of `inflated` bytes of `unit` repeated: one 1 MiB member, written again and again."""
    member = gzip.compress(unit * (MIB // len(unit)), compresslevel=9)
    with path.open("wb") as handle:
        for _ in range(inflated // MIB):
            handle.write(member)
    return path


@pytest.fixture(scope="module")
def letter_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 GiB of one letter, gzipped by streaming writes (one member, ~4.6 MB on disk)."""
    path = tmp_path_factory.mktemp("bombs") / "letters.gz"
    chunk = b"a" * MIB
    with gzip.open(path, "wb", compresslevel=1) as handle:
        for _ in range(1024):
            handle.write(chunk)
    return path


_MEASURE = """
import json, resource, sys, time
import bs4, markdown_it
from assistant.ingest.loaders import load_articles
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
items = [
    [type(i).__name__, i.origin, getattr(i, "reason", None) or getattr(i, "message", None) or i.id]
    for i in load_articles(sys.argv[1:])
]
seconds = time.perf_counter() - started
growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"growth_mb": growth, "seconds": seconds, "items": items}))
"""


def _measure(*paths: Path) -> dict:
    """Load `paths` in a fresh process: its items, seconds, and how far its peak RSS rose (MB)."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
    )
    return json.loads(done.stdout)


# --- decompression and parsing budgets --------------------------------------------------------
def test_gzip_bomb_is_refused_at_the_cap_with_bounded_memory(letter_bomb, tmp_path):
    names = ["bomb.txt.gz", "bomb.html.gz", "bomb.json.gz", "bomb.md.gz", "bomb.jsonl.gz"]
    for name in names:
        shutil.copy(letter_bomb, tmp_path / name)
    (tmp_path / "zz_good.txt").write_text("The good article after the bombs.")
    result = _measure(*(tmp_path / n for n in names), tmp_path / "zz_good.txt")
    reasons = {Path(origin).name: reason for kind, origin, reason in result["items"] if kind == "Skipped"}
    for name in names[:4]:
        assert reasons[
            name
        ] == f"decompressed size over {MAX_DOCUMENT_BYTES:,} bytes (the limit for a {name[4:-3]} file" + (
            "; use .jsonl, one record a line, for more)" if name.endswith(".json.gz") else ")"
        )
    assert reasons["bomb.jsonl.gz"].startswith(f"decompressed size over {MAX_DECOMPRESSED_BYTES:,} bytes")
    assert reasons["bomb.jsonl.gz:1"] == "line longer than 16,000,000 bytes"
    assert ["Article", str(tmp_path / "zz_good.txt")] == result["items"][-1][:2]
    assert result["growth_mb"] < 300, result
    assert result["seconds"] < 10, result


def test_gzip_jsonl_of_blank_or_space_lines_costs_no_memory(tmp_path):
    blank = _write_gzip_members(tmp_path / "blank.jsonl.gz", b"\n", 1024 * MIB)  # 1 GiB of empty lines
    spaces = _write_gzip_members(tmp_path / "spaces.jsonl.gz", b" " * 1023 + b"\n", 1024 * MIB)
    result = _measure(blank, spaces)
    reasons = {Path(origin).name: reason for kind, origin, reason in result["items"] if kind == "Skipped"}
    assert reasons["blank.jsonl.gz"] == f"more than {MAX_LINES_PER_FILE:,} lines: the rest of the file was not read"
    stopped = f"decompressed size over {MAX_DECOMPRESSED_BYTES:,} bytes (the limit for a .jsonl file): lines after "
    assert reasons["spaces.jsonl.gz"].startswith(stopped) and reasons["spaces.jsonl.gz"].endswith(" were not read")
    lines_read = int(reasons["spaces.jsonl.gz"][len(stopped) :].split()[0].replace(",", ""))
    assert MAX_DECOMPRESSED_BYTES // 1024 - 64 <= lines_read <= MAX_DECOMPRESSED_BYTES // 1024  # stopped at the cap
    assert result["growth_mb"] < 50, result  # was ~9 bytes per inflated byte
    assert result["seconds"] < 10, result


def test_two_million_malformed_lines_give_a_short_report(tmp_path):
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(gzip.compress(b"{x\n" * 2_000_000, compresslevel=9))  # ~9 KB upload
    started = time.perf_counter()
    report = Ingestor(_NullIndex(), progress=False).ingest_paths([path])
    assert time.perf_counter() - started < 5
    listed = [r for o, r in report.skipped if o != str(path)]
    assert len(listed) == MAX_REASONS_PER_FILE and all(r.startswith("malformed JSON") for r in listed)
    summary = [r for o, r in report.skipped if o == str(path)]
    assert summary == [
        f"more than {MAX_SKIPPED_LINES:,} lines skipped: the rest of the file was not read",
        f"… and {MAX_SKIPPED_LINES + 1 - MAX_REASONS_PER_FILE:,} more lines skipped "
        f"({MAX_SKIPPED_LINES + 1 - MAX_REASONS_PER_FILE:,} malformed JSON)",
    ]
    assert len(json.dumps(report.to_dict())) < 10_000  # was 175 MB


def test_too_many_notes_in_one_file_are_counted(tmp_path):
    path = tmp_path / "dates.jsonl"
    path.write_text(
        "".join(json.dumps({"id": f"a{n}", "text": f"Text {n}.", "date": "soon"}) + "\n" for n in range(50))
    )
    articles, _, notes = _load([path])
    assert len(articles) == 50 and all(a.date is None for a in articles)
    assert len(notes) == MAX_REASONS_PER_FILE + 1
    assert notes[-1] == Note(str(path), f"… and {50 - MAX_REASONS_PER_FILE} more notes about its lines")


def test_plain_files_over_the_cap_are_refused_before_reading(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_DOCUMENT_BYTES + 1)  # sparse: nothing is written
    _, skipped, _ = _load([big])
    assert skipped[0].reason.startswith(f"file larger than {MAX_DOCUMENT_BYTES:,} bytes (the limit for a .txt file)")


def test_a_jsonl_line_too_long_is_skipped_and_the_next_line_read(tmp_path):
    path = tmp_path / "long.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(b'{"id": "before", "text": "Before."}\n')
        handle.write(b'{"text": "' + b"x" * (17 * MIB) + b'"}\n')
        handle.write(b'{"id": "after", "text": "After."}\n')
    articles, skipped, _ = _load([path])
    assert [a.id for a in articles] == ["before", "after"]
    assert skipped == [Skipped(f"{path}:2", "line longer than 16,000,000 bytes")]


def test_total_budget_over_several_files(tmp_path):
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"Article {name} " + "x" * 1000)
    articles, skipped, _ = _load([tmp_path], max_total_bytes=1500)
    assert [Path(a.origin).name for a in articles] == ["a.txt"]
    assert _by_name(skipped) == {
        "b.txt": "not read to the end: the 1,500 bytes allowed for all the files together were used up",
        "c.txt": "not read: the 1,500 bytes allowed for all the files together were used up",
    }


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("deflate.txt.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\xff" * 64, "invalid block type"),
        ("deflate.jsonl.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\xff" * 64, "invalid block type"),
        ("truncated.txt.gz", gzip.compress(b"Some text. " * 200)[:40], "ended before the end-of-stream marker"),
        ("crc.jsonl.gz", gzip.compress(b'{"text": "x"}\n')[:-8] + b"\0\0\0\0" + b"\x0e\0\0\0", "CRC check failed"),
        ("plain.txt.gz", b"not gzip at all", "Not a gzipped file"),
    ],
)
def test_corrupt_gzip_is_a_clean_skip_and_the_next_file_loads(tmp_path, name, data, reason):
    (tmp_path / name).write_bytes(data)
    (tmp_path / "zz_good.txt").write_text("Still read.")
    articles, skipped, _ = _load([tmp_path / name, tmp_path / "zz_good.txt"])
    assert [a.text for a in articles] == ["Still read."]
    (only,) = skipped
    assert only.origin == str(tmp_path / name)
    assert only.reason.startswith("broken gzip file (") and reason in only.reason


# --- JSON depth and size ------------------------------------------------------------------------
def _nested(levels: int, inner: object = None) -> object:
    value = inner
    for _ in range(levels):
        value = [value]
    return value


def test_deep_json_is_a_skip_in_json_jsonl_and_records(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "deep_object.json").write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    (tmp_path / "lines.jsonl").write_text(
        '{"id": "first", "text": "First."}\n' + "[" * 100_000 + "\n" + '{"id": "third", "text": "Third."}\n'
    )
    articles, skipped, _ = _load([tmp_path])
    assert [a.id for a in articles] == ["first", "third"]
    deep = f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    assert _by_name(skipped) == {"deep.json": deep, "deep_object.json": deep, "lines.jsonl:2": deep}

    notes: list[Note] = []
    made = article_from_record({"id": "r", "text": "Record text.", "title": _nested(100_000)}, "articles[0]", notes)
    assert isinstance(made, Article) and made.title == ""
    assert notes == [Note("articles[0]", "field 'title' is not text: ignored")]
    assert article_from_record({"text": _nested(100_000)}, "articles[1]") == Skipped(
        "articles[1]", "record has no text field"
    )


def test_json_depth_limit_is_exact(tmp_path):
    ok = tmp_path / "ok.json"  # the object and 99 lists: 100 levels
    ok.write_text('{"text": "Fits.", "extra": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}")
    deep = tmp_path / "deep.json"
    deep.write_text('{"text": "Too deep.", "extra": ' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "}")
    brackets_in_strings = tmp_path / "strings.json"
    brackets_in_strings.write_text(json.dumps({"text": "[" * 500 + "{" * 500}))
    articles, skipped, _ = _load([ok, deep, brackets_in_strings])
    assert [Path(a.origin).name for a in articles] == ["ok.json", "strings.json"]
    assert skipped == [Skipped(str(deep), f"JSON nested deeper than {MAX_JSON_DEPTH} levels")]


def test_json_too_big_to_parse_or_with_huge_numbers_is_a_skip(tmp_path):
    (tmp_path / "wide.json").write_text("[" + "[]," * 2_000_000 + "[]]")  # would be ~160 MB of lists
    (tmp_path / "number.json").write_text('{"text": "x", "id": ' + "9" * 5000 + "}")
    _, skipped, _ = _load([tmp_path])
    assert _by_name(skipped) == {
        "wide.json": "JSON with more than 1,000,000 values",
        "number.json": "malformed JSON (Exceeds the limit (4300 digits) for integer string conversion)",
    }
    assert article_from_record({"id": 10**5000, "text": "x"}, "r") == Skipped("r", "id longer than 200 characters")


def test_one_bad_file_never_stops_the_others(tmp_path, letter_bomb):
    (tmp_path / "a_first.txt").write_text("Given first.")
    (tmp_path / "b_deep.json").write_text("[" * 100_000)
    (tmp_path / "c_corrupt.txt.gz").write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\xff" * 64)
    shutil.copy(letter_bomb, tmp_path / "d_bomb.txt.gz")
    os.mkfifo(tmp_path / "e_fifo.txt")
    (tmp_path / "f_rejected.html").write_text("<p>One</p><![bogus[ x ]]><p>Two</p>")
    (tmp_path / "g_last.txt").write_text("Given last.")
    paths = sorted(tmp_path.iterdir())
    articles, skipped, _ = _load(paths)
    assert [a.text for a in articles] == ["Given first.", "Given last."]
    assert [Path(s.origin).name for s in skipped] == [p.name for p in paths[1:-1]]


# --- HTML ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hostile", "kind", "unclosed"),
    [
        ("<svg/onload=alert(1)>", "svg", True),
        ("<iframe src=javascript:alert(1)>", "iframe", True),
        ("<object data=evil.swf>", "object", True),
        ("<script>alert(1)", "script", True),
        ("<svg/>", "svg", False),
    ],
)
def test_text_after_unclosed_dangerous_elements_is_kept(tmp_path, hostile, kind, unclosed):
    page = tmp_path / "page.html"
    page.write_text(FOUR_PARAGRAPHS.format(hostile=hostile))
    (article,), _, notes = _load([page])
    assert article.text == "First paragraph.\nSecond paragraph.\nThird paragraph.\nFourth paragraph."
    assert "alert" not in article.text
    messages = [n.message for n in notes]
    assert messages[0] == f"removed 1 element(s): 1 {kind}"
    assert (f"1 <{kind}> never closed: ended early, the text after it kept" in messages) is unclosed


def test_html_note_counts_removed_elements_by_kind(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>T</title><script>a()</script></head><body><p>Kept.</p>"
        "<iframe src=x></iframe><script>b()</script></body></html>"
    )
    (article,), _, notes = _load([page])
    assert article.text == "Kept." and article.title == "T"
    assert [n.message for n in notes] == ["removed 3 element(s): 2 script, 1 iframe"]


def test_markdown_embedded_html_is_cleaned_the_same_way(tmp_path):
    page = tmp_path / "story.md"
    page.write_text("# Storm\n\nPara one.\n\n<script>alert(1)\n\nPara two.\n\n<iframe src=x>\n\nPara three.\n")
    (article,), _, notes = _load([page])
    assert article.title == "Storm" and article.text == "Para one.\nPara two.\nPara three."
    assert notes[0].message == "removed 2 element(s): 1 script, 1 iframe"


def test_html_the_parser_rejects_is_a_skip(tmp_path):
    page = tmp_path / "rejected.html"
    page.write_text("<p>One</p><![bogus[ x ]]><p>Two</p>")
    assert _load([page])[1] == [
        Skipped(str(page), "HTML the parser rejects (unknown status keyword 'bogus' in marked section)")
    ]


def test_html_cost_is_linear_in_depth_and_in_siblings(tmp_path):
    deep = tmp_path / "deep.html"
    deep.write_text("<div>" * 20_000 + "<p>Deep text.</p>")  # took ~80 s (quadratic in depth)
    wide = tmp_path / "wide.html"
    wide.write_text("<script>x()</script>" + "<p>A paragraph with <b>bold</b> text.</p>\n" * 5_000)  # ~20 s
    started = time.perf_counter()
    articles, _, _ = _load([deep, wide])
    assert time.perf_counter() - started < 5
    assert articles[0].text == "Deep text." and articles[1].text.count("\n") == 4_999


# --- dates --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2026-13-45", "month must be in 1..12"),
        ("yesterday", "expected YYYY-MM-DD, YYYY/MM/DD or an ISO date and time"),
        ("2026-02-30", "day is out of range for month"),
        ("0000-01-01", "year 0 is out of range"),
        ("1899-12-31", "the year must be between 1900 and 2100"),
        ("2101-01-01", "the year must be between 1900 and 2100"),
        ("2026-02-18 garbage", "expected YYYY-MM-DD, YYYY/MM/DD or an ISO date and time"),
        ("2026-02-18T25:00", "hour must be in 0..23"),
    ],
)
def test_invalid_dates_are_stored_as_none_with_a_note(tmp_path, value, why):
    path = tmp_path / "dated.jsonl"
    path.write_text(json.dumps({"id": "d", "text": "Dated article.", "date": value}) + "\n")
    (article,), skipped, notes = _load([path])
    assert article.id == "d" and article.date is None and not skipped
    assert notes == [Note(f"{path}:1", f"date {value!r} is not a valid date ({why}); stored without a date")]
    assert check_date(value) == (None, why) and parse_date(value) is None


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2026-02-18", "2026-02-18"),
        ("2026/02/18", "2026-02-18"),
        ("2026-02-18T10:00:00Z", "2026-02-18"),
        ("2026-02-18 10:00", "2026-02-18"),
        ("2026-02-18T23:30:00-05:00", "2026-02-18"),
        (" 1900-01-01 ", "1900-01-01"),
        ("2100-12-31", "2100-12-31"),
    ],
)
def test_valid_dates_keep_working(value, iso):
    notes: list[Note] = []
    made = article_from_record({"text": "x", "publish_date": value}, "r", notes)
    assert made.date == iso and not notes
    assert check_date(value) == (iso, None)


# --- the same limits for every entry point ------------------------------------------------------
@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"id": "x" * 201, "text": "t"}, "id longer than 200 characters"),
        ({"id": "a\x1b[31mb", "text": "t"}, "id contains control characters"),
        ({"id": "a\nb", "text": "t"}, "id contains control characters"),
        ({"id": "a\ud800", "text": "t"}, "id is not valid Unicode (lone surrogate)"),
        ({"id": ["a"], "text": "t"}, "id must be text or a number"),
        ({"title": "t" * 1001, "text": "t"}, "title longer than 1,000 characters"),
        ({"source": "s" * 201, "text": "t"}, "source longer than 200 characters"),
        ({"category": "c" * 201, "text": "t"}, "category longer than 200 characters"),
        ({"text": "t" * 1_000_001}, "article longer than 1,000,000 characters"),
    ],
)
def test_limits_are_the_same_for_records_and_files(tmp_path, record, reason):
    assert article_from_record(record, "articles[0]") == Skipped("articles[0]", reason)
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert _load([path])[1] == [Skipped(f"{path}:1", reason)]


def test_values_at_the_limits_are_kept():
    record = {"id": "i" * 200, "title": "t" * 1000, "source": "s" * 200, "category": "c" * 200, "text": "x"}
    made = article_from_record(record, "r", notes := [])
    assert isinstance(made, Article) and made.id == "i" * 200 and made.title == "t" * 1000 and not notes
    made = article_from_record({"url": "https://n.example/" + "p" * 1982, "text": "x"}, "r", notes)
    assert len(made.url) == 2000 and made.id.startswith("url-") and not notes


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("javascript:alert(1)", "only http(s) addresses are kept"),
        ("data:text/html,<script>", "only http(s) addresses are kept"),
        ("ftp://files.example/x", "only http(s) addresses are kept"),
        ("www.example.com/story", "only http(s) addresses are kept"),
        ("https://x.example/\x1b[31m", "contains control characters"),
        ("https://x.example/" + "p" * 2000, "longer than 2,000 characters"),
    ],
)
def test_non_http_or_overlong_urls_are_dropped_with_a_note(url, problem):
    notes: list[Note] = []
    made = article_from_record({"url": url, "text": "Linked text."}, "r", notes)
    assert made.url == "" and made.id.startswith("text-")
    (note,) = notes
    assert note.message.endswith(f" dropped: {problem}") and note.message.startswith("url '")


def test_control_characters_and_lone_surrogates_are_cleaned_with_notes():
    notes: list[Note] = []
    made = article_from_record(
        {"id": "ok", "title": "Red\x1b[31m title", "source": "Valley\tPost", "text": "Bad \ud800 char."}, "r", notes
    )
    assert made.title == "Red[31m title" and made.source == "Valley Post" and made.text == "Bad \ufffd char."
    assert [n.message for n in notes] == [
        "removed control characters from the title, source or category",
        "text: replaced 1 invalid character(s) (lone surrogates) with U+FFFD",
    ]
    made.text.encode("utf-8")  # storable


def test_lists_in_metadata_fields_are_ignored_with_a_note():
    notes: list[Note] = []
    made = article_from_record({"text": "x", "category": ["a", "b"], "source": {"n": 1}}, "r", notes)
    assert made.category == "" and made.source == ""
    assert {n.message for n in notes} == {
        "field 'category' is a list, not text: ignored",
        "field 'source' is an object, not text: ignored",
    }


# --- folder scans and file names ----------------------------------------------------------------
def _load_within(paths, seconds: float = 10.0):
    """load_articles in a thread: a FIFO that was opened would block it (and fail the test)."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(_load(paths)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "load_articles blocked"
    return result[0]


def test_every_skipped_path_in_a_folder_scan_is_listed(tmp_path, monkeypatch):
    root = tmp_path / "corpus"
    (root / "locked").mkdir(parents=True)
    (root / "locked" / "hidden_by_permissions.txt").write_text("x")
    (root / "good.txt").write_text("A good article.")
    os.mkfifo(root / "fifo.txt")
    (root / "dangling.txt").symlink_to(root / "nowhere.txt")
    (root / "loop_a.txt").symlink_to(root / "loop_b.txt")
    (root / "loop_b.txt").symlink_to(root / "loop_a.txt")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "o.txt").write_text("Outside the scanned folder.")
    (root / "to_folder").symlink_to(tmp_path / "outside")
    (root / "to_file.txt").symlink_to(tmp_path / "outside" / "o.txt")  # links to files are followed, as before
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(root / "sock.txt"))
        if os.geteuid() == 0:  # root reads any folder: make this one refuse
            real_scandir = os.scandir

            def scandir(path):
                if Path(path) == root / "locked":
                    raise PermissionError(13, "Permission denied", str(path))
                return real_scandir(path)

            monkeypatch.setattr(loaders.os, "scandir", scandir)
        else:
            (root / "locked").chmod(0)
        try:
            articles, skipped, _ = _load_within([root])
        finally:
            (root / "locked").chmod(0o755)
    assert sorted(a.text for a in articles) == ["A good article.", "Outside the scanned folder."]
    assert _by_name(skipped) == {
        "dangling.txt": "broken symbolic link",
        "fifo.txt": "not a regular file (FIFO)",
        "locked": "unreadable folder: Permission denied",
        "loop_a.txt": "symbolic link loop",
        "loop_b.txt": "symbolic link loop",
        "sock.txt": "not a regular file (socket)",
        "to_folder": "symbolic link to a folder (not followed)",
    }


def test_a_fifo_given_directly_is_named_and_never_opened(tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    _, skipped, _ = _load_within([fifo, tmp_path / "missing.txt", tmp_path / "nul\0.txt"])
    assert [s.reason for s in skipped] == [
        "not a regular file (FIFO)",
        "no such file or folder",
        "not a usable path (embedded null byte)",
    ]


def test_unicode_and_long_file_names(tmp_path):
    names = ["日本語.txt", "новости.txt", "a" * 250 + ".txt", "報道" * 40 + ".md"]
    for name in names:
        (tmp_path / name).write_text(f"Text of {name[:10]}.")
    articles, skipped, _ = _load([tmp_path])
    assert sorted(Path(a.origin).name for a in articles) == sorted(names) and not skipped
    assert len({a.id for a in articles}) == len(names)
    undecodable = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / undecodable).write_text("Latin-1 name.")
    _, skipped, _ = _load([tmp_path])
    assert [s.reason for s in skipped] == ["file name is not valid UTF-8"]
    assert skipped[0].origin.encode("utf-8")  # printable and storable


# --- the report ---------------------------------------------------------------------------------
def test_report_keeps_at_most_max_entries_and_counts_the_rest():
    report = IngestReport()
    for n in range(1_500):
        report.skip(f"f{n}", "bad")
        report.clean(f"f{n}", "cleaned")
    assert len(report.skipped) == len(report.cleaned) == IngestReport.MAX_ENTRIES
    assert report.skipped_more == report.cleaned_more == 500
    assert report.summary() == (
        "added 0, updated 0, unchanged 0, skipped 1500 (500 skip reasons not listed, 500 cleaning notes not listed)"
    )
    data = report.to_dict()
    assert data["skipped_more"] == 500 and data["cleaned_more"] == 500 and "MAX_ENTRIES" not in data
    merged = IngestReport()
    merged.skip("first", "bad")
    merged.merge(report)
    assert len(merged.skipped) == 1_000 and merged.skipped_more == 501
    assert IngestReport().summary() == "added 0, updated 0, unchanged 0, skipped 0"


def test_ingest_of_many_bad_files_keeps_the_report_bounded(tmp_path):
    for n in range(1_200):
        (tmp_path / f"empty{n:04d}.txt").write_text(" ")
    report = Ingestor(_NullIndex(), progress=False).ingest_paths([tmp_path])
    assert len(report.skipped) == 1_000 and report.skipped_more == 200
    assert "skipped 1200 (200 skip reasons not listed)" in report.summary()


class _NullPending:
    def __init__(self, batch):
        self.batch = batch

    def commit(self, vectors) -> int:
        return len(vectors)


class _NullIndex:
    """An IndexWriter that stores nothing: enough to run the ingest pipeline without a model."""

    def known_hashes(self, article_ids):
        return {}

    def id_with_hash(self, content_hash):
        return None

    def begin(self, batch):
        return _NullPending(batch)

    def embed(self, batch):
        return np.zeros((sum(len(p.sentences) for p in batch), 4), dtype=np.float32)


# --- end to end, with the real model ------------------------------------------------------------
def test_a_folder_of_hostile_files_ingests_the_good_ones_and_lists_the_rest(make_assistant, tmp_path, letter_bomb):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "good.txt").write_text("The Arlow council approved the harbour dredging plan on Tuesday.")
    (folder / "feed.jsonl").write_text(
        json.dumps({"id": "good-record", "text": "Brenmoor opened its new library wing.", "date": "2026-02-18"})
        + "\n"
        + json.dumps({"id": "bad-date", "text": "Castleford repaired the old bridge.", "date": "2026-02-30"})
        + "\n"
    )
    shutil.copy(letter_bomb, folder / "bomb.txt.gz")
    (folder / "deep.json").write_text("[" * 100_000)
    (folder / "corrupt.txt.gz").write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\xff" * 64)
    os.mkfifo(folder / "fifo.txt")
    (folder / "dangling.txt").symlink_to(folder / "gone.txt")
    (folder / "page.html").write_text(
        "<html><head><title>Dunmere floods</title></head><body><p>Rain fell on Dunmere all night.</p>"
        "<script>steal()<p>The river Dun burst its banks near the old mill at dawn.</p>"
        "<p>Volunteers filled sandbags outside the town hall.</p></body></html>"
    )
    assistant = make_assistant()
    report = assistant.ingest([folder])
    assert {"good-record", "bad-date"} <= set(report.added) and len(report.added) == 4
    reasons = {Path(o).name: r for o, r in report.skipped}
    assert reasons["bomb.txt.gz"].startswith("decompressed size over 20,000,000 bytes")
    assert reasons["deep.json"] == "JSON nested deeper than 100 levels"
    assert reasons["corrupt.txt.gz"].startswith("broken gzip file")
    assert reasons["fifo.txt"] == "not a regular file (FIFO)"
    assert reasons["dangling.txt"] == "broken symbolic link"
    cleaned = {(Path(o).name, m) for o, m in report.cleaned}
    assert (
        "feed.jsonl:2",
        "date '2026-02-30' is not a valid date (day is out of range for month); stored without a date",
    ) in cleaned
    assert ("page.html", "removed 1 element(s): 1 script") in cleaned
    assert assistant.article("bad-date").date is None
    top = assistant.retrieve("Where did the river Dun burst its banks?", k=1)[0]
    assert top.title == "Dunmere floods" and "old mill" in top.sentence
    assert "steal" not in assistant.article(top.article_id).text
