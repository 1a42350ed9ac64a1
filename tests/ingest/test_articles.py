import gzip
import json

from assistant.ingest.loaders import Note, Skipped, load_articles, parse_date
from assistant.schema import Article


def _load(paths):
    items = list(load_articles(paths))
    return (
        [i for i in items if isinstance(i, Article)],
        [i for i in items if isinstance(i, Skipped)],
        [i for i in items if isinstance(i, Note)],
    )


def test_every_format_loads(tmp_path):
    (tmp_path / "plain.txt").write_text("First line here.\nSecond line here.", encoding="utf-8")
    (tmp_path / "story.md").write_text("# Big Title\n\nSome **bold** text here.\n", encoding="utf-8")
    (tmp_path / "one.json").write_text(
        json.dumps({"id": "j1", "title": "J", "text": "Json text.", "publish_date": "2024/03/05"})
    )
    (tmp_path / "many.jsonl").write_text('{"id": "l1", "text": "Line one."}\n\n{"id": "l2", "text": "Line two."}\n')
    with gzip.open(tmp_path / "packed.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write('{"id": "g1", "text": "Zipped text.", "url": "http://x"}\n')
    articles, skipped, _ = _load([tmp_path])
    by_id = {a.id: a for a in articles}
    assert {"j1", "l1", "l2", "g1"} <= set(by_id)
    assert by_id["j1"].date == "2024-03-05"
    md = next(a for a in articles if a.origin.endswith("story.md"))
    assert md.title == "Big Title" and md.text == "Some bold text here."
    assert not skipped


def test_html_scripts_are_removed_and_reported(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Storm &amp; Rain</title><script>alert(1)</script></head>"
        "<body><p>The storm hit at <b>noon</b>.</p><style>p{}</style><p>Rivers rose.</p></body></html>"
    )
    articles, _skipped, notes = _load([page])
    assert [a.title for a in articles] == ["Storm & Rain"]
    assert "alert" not in articles[0].text and "p{}" not in articles[0].text
    assert articles[0].text == "The storm hit at noon.\nRivers rose."
    assert notes and "removed 2" in notes[0].message


def test_bad_files_are_skipped_with_reasons_and_others_still_load(tmp_path):
    (tmp_path / "good.txt").write_text("A perfectly fine article.")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01\x02")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 society".encode("latin-1"))  # read as ISO-8859-1, with a note
    (tmp_path / "junk.txt").write_bytes(bytes(range(1, 256)) * 4)  # no NUL byte, and text in no encoding
    (tmp_path / "empty.md").write_text("   \n\n")
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "notes.docx").write_bytes(b"PK")
    articles, skipped, _ = _load([tmp_path, tmp_path / "missing.txt"])
    assert [a.text for a in articles] == ["A perfectly fine article.", "café society"]
    reasons = {s.origin.rsplit("/", 1)[-1]: s.reason for s in skipped}
    assert "binary" in reasons["binary.txt"]
    assert "latin1.txt" not in reasons
    assert reasons["junk.txt"].startswith("not text: not valid UTF-8 (bad byte at offset 127)")
    assert "empty" in reasons["empty.md"]
    assert "malformed JSON" in reasons["broken.json"]
    assert "unsupported" in reasons["notes.docx"]
    assert "no such file" in reasons["missing.txt"]


def test_ids_are_stable_and_follow_precedence(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        '{"id": "given", "text": "x y"}\n{"url": "http://n/1", "text": "u v"}\n{"text": "only text"}\n'
    )
    first, _, _ = _load([tmp_path / "a.jsonl"])
    second, _, _ = _load([tmp_path / "a.jsonl"])
    assert [a.id for a in first] == [a.id for a in second]
    assert first[0].id == "given"
    assert first[1].id.startswith("url-") and first[2].id.startswith("text-")


def test_parse_date_formats():
    assert parse_date("2026/02/18") == "2026-02-18"
    assert parse_date("2026-02-18T10:00:00Z") == "2026-02-18"
    assert parse_date("yesterday") is None


def test_malformed_json_reasons_say_where_once(tmp_path):
    (tmp_path / "cut.json").write_text('{"id": "x", "text": "never closed')
    (tmp_path / "lines.json").write_text('{\n  "id": "y",\n  "text": oops\n}')
    (tmp_path / "rows.jsonl").write_text('{"id": "a", "text": "fine"}\n{"id": "b", "text": "cut\n')
    _, skipped, _ = _load([tmp_path])
    reasons = {s.origin.rsplit("/", 1)[-1]: s.reason for s in skipped}
    assert reasons["cut.json"] == "malformed JSON (Unterminated string starting at column 21)"
    assert reasons["lines.json"] == "malformed JSON (Expecting value at line 3, column 11)"
    assert reasons["rows.jsonl:2"] == "malformed JSON (Unterminated string starting at column 21)"
    assert not any(" at at " in r for r in reasons.values())
