"""`assistant migrate --to URL`: an embedded index copied onto a real `chroma run` server, verified, source kept."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from assistant.cli import main
from assistant.config import DEMO_CORPUS
from assistant.schema import Article
from tests.conftest import synthetic_articles


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch):
    for name in ("ASSISTANT_INDEX", "ASSISTANT_CHROMA_URL", "ASSISTANT_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """Embedded indexes: `demo` (the demo corpus and 40 synthetic articles) and `clash` (the demo corpus)."""
    from assistant import Assistant

    folder = tmp_path_factory.mktemp("migrate")
    with Assistant.open(index="demo", index_dir=folder, embedder=embedder) as qa:
        qa.ingest([DEMO_CORPUS])
        qa.ingest([Article(**record) for record in synthetic_articles(40)])
    with Assistant.open(index="clash", index_dir=folder, embedder=embedder) as qa:
        qa.ingest([DEMO_CORPUS])
    return folder


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _records(collection) -> dict[str, tuple[np.ndarray, str, dict]]:
    found = collection.get(include=["embeddings", "documents", "metadatas"])
    return {
        key: (np.asarray(vector, dtype=np.float32), document, metadata)
        for key, vector, document, metadata in zip(
            found["ids"], found["embeddings"], found["documents"], found["metadatas"], strict=True
        )
    }


def _source_snapshot(home: Path, index: str, embedder) -> tuple[dict, dict, str]:
    """The embedded store's records, catalog states and the catalog file's digest (after a clean close)."""
    from assistant import Assistant

    with Assistant.open(index=index, index_dir=home, embedder=embedder) as qa:
        records, states = _records(qa.index.vectors.collection), qa.index.catalog.article_states()
    digest = hashlib.sha256((home / index / "catalog.sqlite").read_bytes()).hexdigest()
    return records, states, digest


def _server(url: str):
    import chromadb

    host, port = url.removeprefix("http://").split(":")
    return chromadb.HttpClient(host=host, port=int(port))


def test_migrate_copies_the_records_as_stored_verifies_and_keeps_the_source(home, chroma_url, embedder, capsys):
    from assistant import Assistant

    before = _source_snapshot(home, "demo", embedder)
    code, out, err = _cli(capsys, "--index-dir", str(home), "migrate", "--to", chroma_url)
    assert code == 0, err
    records, states, _ = before
    sentences = sum(count for _, count in states.values())
    assert f"server: {len(records)} records, {len(states)} articles, {sentences} sentences" in out
    assert "verified: same record ids, articles and sentence counts" in out

    # Vectors, documents and metadata exactly as the embedded store holds them: nothing re-embedded.
    # (The server normalises cosine vectors again, which moves the last bit of a few floats.)
    copied = _records(_server(chroma_url).get_collection("sentences-demo"))
    assert copied.keys() == records.keys()
    assert all(copied[key][1:] == records[key][1:] for key in records)
    assert max(float(np.abs(copied[key][0] - records[key][0]).max()) for key in records) < 1e-6

    # The source is unchanged, count for count and byte for byte, and still answers.
    after = _source_snapshot(home, "demo", embedder)
    assert after[1:] == before[1:]
    assert after[0].keys() == records.keys()
    assert all(np.array_equal(after[0][k][0], v[0]) and after[0][k][1:] == v[1:] for k, v in records.items())
    with Assistant.open(index_dir=home, embedder=embedder) as embedded:
        local = embedded.ask("Who mediated?")
    with Assistant.open(index_dir=home, chroma_url=chroma_url, embedder=embedder) as on_server:
        assert on_server.index.sync().reconciled is False  # migrate left the server's cache in step
        remote = on_server.ask("Who mediated?")
        assert on_server.index.catalog.article_states() == states
    assert "Witkoff" in local.short_answer
    assert [(c.article_id, c.sentence_index) for c in remote.citations] == [
        (c.article_id, c.sentence_index) for c in local.citations
    ]


def test_an_interrupted_migrate_is_completed_by_a_rerun(home, chroma_url, embedder, capsys, monkeypatch):
    import assistant.store.migrate as migrate

    assert _cli(capsys, "--index-dir", str(home), "migrate", "--to", chroma_url, "--quiet")[0] == 0
    collection = _server(chroma_url).get_or_create_collection("sentences-demo", embedding_function=None)
    keys = collection.get(include=[])["ids"]
    collection.delete(ids=keys[: len(keys) // 2])  # as if the first run was killed half way
    assert collection.count() < len(keys)
    monkeypatch.setattr(migrate, "PAGE", 37)  # many pages and writes
    code, out, err = _cli(capsys, "--index-dir", str(home), "migrate", "--to", chroma_url, "--quiet")
    assert code == 0, err
    assert f"server: {len(keys)} records" in out and "verified" in out
    assert collection.count() == len(keys)


def test_a_destination_holding_another_index_is_refused_unless_replace(home, chroma_url, embedder, capsys):
    from assistant import Assistant

    with Assistant.open(index="clash", index_dir=home / "elsewhere", chroma_url=chroma_url, embedder=embedder) as qa:
        qa.ingest([Article(id="ferry", title="Ferry", text="The Kestrel ferry sank on Monday.")])
    collection = _server(chroma_url).get_collection("sentences-clash")
    before = collection.count()

    code, out, err = _cli(capsys, "--index-dir", str(home), "--index", "clash", "migrate", "--to", chroma_url)
    assert code == 2 and "not from this index" in err and "--replace" in err and out == ""
    assert collection.count() == before

    code, out, err = _cli(
        capsys, "--index-dir", str(home), "--index", "clash", "migrate", "--to", chroma_url, "--replace"
    )
    assert code == 0, err
    records, _, _ = _source_snapshot(home, "clash", embedder)
    assert set(_records(_server(chroma_url).get_collection("sentences-clash"))) == set(records)


def test_a_failed_verification_exits_1(home, chroma_url, capsys, monkeypatch):
    import assistant.store.migrate as migrate

    copy = migrate._copy

    def lossy(source, destination, progress):
        done = copy(source, destination, progress)
        destination.collection.delete(ids=destination.collection.get(limit=3, include=[])["ids"])
        return done

    monkeypatch.setattr(migrate, "_copy", lossy)
    code, _, err = _cli(capsys, "--index-dir", str(home), "--index", "clash", "migrate", "--to", chroma_url)
    assert code == 1
    assert "verification failed: the server holds" in err and "record ids differ: 3 missing on the server" in err


def test_migrate_reads_an_embedded_index_only(home, chroma_url, capsys):
    code, _, err = _cli(capsys, "--index-dir", str(home), "--chroma-url", chroma_url, "migrate", "--to", chroma_url)
    assert code == 2 and "--to, not --chroma-url" in err
