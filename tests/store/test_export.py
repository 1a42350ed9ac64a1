"""`assistant export FILE`: a backup that re-ingests into the same index (ids, sentence counts, content hashes)."""

from __future__ import annotations

import gzip
import json

import pytest

from assistant.cli import main
from assistant.schema import Article
from tests.conftest import write_jsonl

ODD_RECORDS = [
    {
        "id": "spaces",
        "title": "  A   title \t with\n gaps  ",
        "text": "First line.   \r\nSecond line.\r\n\r\n\r\n\r\nThird.",
    },
    {
        "title": "Ünïcödé — 日本語のニュース 🚀",
        "text": "東京で会議が開かれた。 The summit opened in Tokyo! Ça va? Да.",
        "source": "Wire",
    },
    {"title": "Undated, no id", "text": "Nobody dated this piece. It still has two sentences."},
    {"url": "https://example.org/news/1", "title": "From a url", "text": "The url gives this article its id."},
    {"id": 42, "title": "Numeric id", "text": "An id given as a number.", "date": "2024/02/29", "category": "misc"},
    {"id": "ctl", "title": "Bell\x07 and\x1b[31m escape", "content": "Text under 'content'. And a tab\there."},
    {"id": "rtl", "title": "שלום עולם", "text": "مرحبا بالعالم. This line is English.", "date": "2025-12-31T23:59:00"},
]


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch):
    for name in ("ASSISTANT_INDEX", "ASSISTANT_CHROMA_URL", "ASSISTANT_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)


def _states(qa) -> dict[str, tuple[str, int]]:
    return qa.index.catalog.article_states()


def _fields(qa) -> dict[str, tuple]:
    return {
        a.id: (a.title, a.date, a.source, a.url, a.category, qa.article(a.id).text, a.sentence_count)
        for a in qa.articles()
    }


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_demo_backup_rebuilds_an_identical_index(demo_assistant, tmp_path, capsys):
    home = demo_assistant.settings.index_dir
    backup = tmp_path / "demo.jsonl.gz"
    code, out, err = _cli(capsys, "--index-dir", str(home), "export", str(backup))
    assert code == 0, err
    assert out.strip() == f"exported 6 articles to {backup}"
    lines = gzip.decompress(backup.read_bytes()).decode("utf-8").splitlines()
    assert len(lines) == 6 and {json.loads(line)["id"] for line in lines} == {a.id for a in demo_assistant.articles()}
    assert not list(tmp_path.glob(".*part"))

    code, out, err = _cli(capsys, "--index-dir", str(tmp_path / "restored"), "--index", "other", "ingest", str(backup))
    assert code == 0, err
    from assistant import Assistant

    with Assistant.open(index="other", index_dir=tmp_path / "restored", embedder=demo_assistant.embedder) as other:
        assert _states(other) == _states(demo_assistant)
        assert _fields(other) == _fields(demo_assistant)
        assert other.counts() == demo_assistant.counts()
        assert other.ask("Who mediated?").citations[0].article_id == "geneva-peace-talks"


def test_odd_titles_unicode_and_undated_articles_round_trip(make_assistant, tmp_path):
    source = make_assistant("odd")
    html = tmp_path / "page.html"
    html.write_text("<html><title>Page</title><body><p>An HTML page. Its id comes from its path.</p></body></html>")
    source.ingest([write_jsonl(tmp_path / "odd.jsonl", ODD_RECORDS), html])
    assert len(source.articles()) == len(ODD_RECORDS) + 1
    assert any(a.date is None for a in source.articles())

    backup = tmp_path / "odd.jsonl"  # plain JSON lines: no .gz
    assert source.export(backup) == len(ODD_RECORDS) + 1
    assert backup.read_bytes()[:1] == b"{"  # not gzipped
    from assistant.store.backup import export_articles

    assert export_articles(source.index.catalog, tmp_path / "again.jsonl").changed_on_restore == []

    restored = make_assistant("restored")
    report = restored.ingest([backup])
    assert report.skipped == [] and len(report.added) == len(ODD_RECORDS) + 1
    assert _states(restored) == _states(source)
    assert _fields(restored) == _fields(source)
    assert restored.ingest([backup]).unchanged == report.added  # the same content hashes: nothing to redo


def test_articles_given_as_objects_that_a_restore_would_clean_are_named(make_assistant, tmp_path):
    qa = make_assistant()
    qa.ingest([Article(id="raw", title="Two  spaces", text="Line one.  \r\nLine two.")])
    from assistant.store.backup import export_articles

    report = export_articles(qa.index.catalog, tmp_path / "raw.jsonl.gz")
    assert report.written == 1 and report.changed_on_restore == ["raw"]


def test_a_failed_export_leaves_the_previous_backup(make_assistant, tmp_path, monkeypatch):
    import assistant.store.backup as backup_module

    qa = make_assistant()
    qa.ingest([Article(id="a", text="One sentence here."), Article(id="b", text="Another sentence there.")])
    target = tmp_path / "backup.jsonl.gz"
    assert qa.export(target) == 2
    before = target.read_bytes()
    monkeypatch.setattr(backup_module, "backup_record", _fail_on_second(backup_module.backup_record))
    with pytest.raises(OSError, match="disk full"):
        qa.export(target)
    assert target.read_bytes() == before
    assert not list(tmp_path.glob(".*part"))  # no half-written file left beside it


def _fail_on_second(real):
    calls = []

    def record(article):
        calls.append(article.id)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(article)

    return record
