"""The same assistant against a real Chroma server (`chroma run`), and the local catalog kept in sync."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from assistant.config import DEMO_CORPUS
from assistant.errors import EmptyIndexError, FilterError
from assistant.evaluation import evaluate, load_qa
from assistant.schema import SearchFilters
from tests.conftest import REPO

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture
def open_on_server(tmp_path, embedder, chroma_url):
    """Open an Assistant whose vectors live on the server; `home` picks its local folder."""
    from assistant import Assistant

    def _open(index: str, home: str = "a"):
        return Assistant.open(index=index, index_dir=tmp_path / home, chroma_url=chroma_url, embedder=embedder)

    return _open


def _geneva(record: dict):
    from assistant import Article

    return Article(**{k: record[k] for k in ("id", "title", "text", "date", "source")})


def test_core_behaviours_on_a_server(open_on_server, geneva_record, chroma_url):
    import chromadb

    qa = open_on_server("core")
    assert qa.ingest([_geneva(geneva_record)]).added == ["geneva-peace-talks"]
    answer = qa.ask("Who mediated?")
    assert "Witkoff" in answer.short_answer and answer.citations[0].article_id == "geneva-peace-talks"
    server = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_url.rsplit(":", 1)[1]))
    assert server.get_collection("sentences-core").count() == qa.counts()["sentences"] > 20
    filtered = qa.ask("Who mediated?", filters={"sources": ["agency"], "date_from": "2026-03-01"})
    assert filtered.refused and "from 2026-03-01" in filtered.text  # the server applies the filters
    with pytest.raises(FilterError, match="unknown source 'Other'"):
        qa.ask("Who mediated?", filters={"sources": ["Other"]})

    qa.delete("geneva-peace-talks")
    assert server.get_collection("sentences-core").count() == 0
    with pytest.raises(EmptyIndexError):  # nothing left to answer from: said so, not a refusal
        qa.ask("Who mediated?")
    assert qa.ingest([_geneva(geneva_record)]).added == ["geneva-peace-talks"]
    again = qa.ingest([_geneva(geneva_record)])
    assert again.unchanged == ["geneva-peace-talks"] and again.sentences_indexed == 0
    assert server.get_collection("sentences-core").count() == qa.counts()["sentences"]


def test_a_second_instance_follows_the_servers_writes(open_on_server, geneva_record):
    from assistant import Article

    writer = open_on_server("shared", home="writer")
    writer.ingest(
        [_geneva(geneva_record), Article(id="ferry", title="Ferry", text="The Kestrel ferry sank on Monday.")]
    )

    reader = open_on_server("shared", home="reader")  # an empty local catalog: rebuilt from the server
    assert reader.counts() == writer.counts()
    assert reader.article("geneva-peace-talks").text == geneva_record["text"]
    assert reader.ask("Which ferry sank on Monday?").citations[0].article_id == "ferry"
    assert reader.index.catalog.search(["kestrel"], 5, SearchFilters()) != []

    writer.delete("ferry")
    report = reader.index.sync()
    assert report.dropped == ["ferry"] and report.pulled == []
    assert reader.index.catalog.search(["kestrel"], 5, SearchFilters()) == []
    assert reader.index.sync().reconciled is False  # in step again: nothing read


def test_a_lost_local_catalog_is_rebuilt(open_on_server, geneva_record, tmp_path):
    first = open_on_server("rebuild", home="one")
    first.ingest([_geneva(geneva_record)])
    expected = first.ask("How long did Tuesday's negotiations last?")
    first.index.catalog.close()
    shutil.rmtree(tmp_path / "one")

    again = open_on_server("rebuild", home="one")
    assert again.counts()["articles"] == 1
    answer = again.ask("How long did Tuesday's negotiations last?")
    assert [c.sentence for c in answer.citations] == [c.sentence for c in expected.citations]
    assert (answer.citations[0].start, answer.citations[0].end) == (
        expected.citations[0].start,
        expected.citations[0].end,
    )


def test_eval_gives_the_same_answers_on_a_server(open_on_server, demo_assistant):
    items = load_qa(REPO / "eval" / "demo_qa.jsonl")[:30]
    on_server = open_on_server("demo")
    on_server.ingest([DEMO_CORPUS])
    remote = evaluate(on_server, items).items
    local = evaluate(demo_assistant, items).items
    assert [(r.short_answer, r.first_citation_gold, r.refused) for r in remote] == [
        (r.short_answer, r.first_citation_gold, r.refused) for r in local
    ]
