"""Server mode never touches the embedded index's data, and each server keeps its own catalog cache.

The bug this guards against: after `assistant demo` (embedded), one `assistant --chroma-url URL
articles` against a fresh server printed "0 articles", and the reconcile it ran emptied the
catalog the embedded index shares, so `assistant articles` printed 0 afterwards too.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import Settings
from assistant.errors import StoreDamagedError
from assistant.schema import Article
from assistant.store.layout import catalog_path, store_folder, store_identity
from assistant.store.sync import BOUND_TO


def _cli(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().out


def _start_chroma(data: Path) -> tuple[subprocess.Popen, str]:
    from tests.live_server import start_chroma

    return start_chroma(data)


@pytest.fixture(scope="module")
def second_chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Another real, empty `chroma run` server."""
    process, url = _start_chroma(tmp_path_factory.mktemp("chroma-second"))
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """An index folder whose `demo` index was built embedded, by the CLI."""
    folder = tmp_path_factory.mktemp("server-mode")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("ASSISTANT_INDEX", "ASSISTANT_CHROMA_URL", "ASSISTANT_INDEX_DIR"):
            patch.delenv(name, raising=False)
        assert main(["--index-dir", str(folder), "demo"]) == 0
    return folder


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch):
    for name in ("ASSISTANT_INDEX", "ASSISTANT_CHROMA_URL", "ASSISTANT_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)


def _embedded_counts(home: Path, embedder) -> dict[str, int]:
    from assistant import Assistant

    with Assistant.open(index_dir=home, embedder=embedder) as qa:
        return qa.counts()


def _ferry(article_id: str = "ferry", town: str = "Kestrel") -> Article:
    return Article(id=article_id, title=f"{town} ferry", text=f"The {town} ferry sank on Monday. Nobody was hurt.")


def test_a_fresh_server_shows_nothing_and_the_embedded_index_keeps_its_articles(home, chroma_url, embedder, capsys):
    assert _embedded_counts(home, embedder) == {"articles": 6, "sentences": 104, "vectors": 104}
    embedded_catalog = home / "demo" / "catalog.sqlite"

    code, out = _cli(capsys, "--index-dir", str(home), "--chroma-url", chroma_url, "articles")
    assert (code, out.splitlines()[-1]) == (0, "0 articles")
    code, out = _cli(capsys, "--index-dir", str(home), "articles")
    assert (code, out.splitlines()[-1]) == (0, "6 articles")
    assert _embedded_counts(home, embedder) == {"articles": 6, "sentences": 104, "vectors": 104}

    server = Settings(index_dir=home, index_name="demo", chroma_url=chroma_url)
    cache = catalog_path(server)
    assert cache.is_file() and cache != embedded_catalog
    assert cache.parent.parent == home / "demo" / "servers"
    assert store_folder(server).name.startswith("127.0.0.1-")


def test_ingest_through_the_server_then_switch_back(home, chroma_url, embedder):
    from assistant import Assistant

    with Assistant.open(index_dir=home, chroma_url=chroma_url, embedder=embedder) as on_server:
        assert on_server.ingest([_ferry()]).added == ["ferry"]
        assert [a.id for a in on_server.articles()] == ["ferry"]
        on_server.delete("ferry")
        assert on_server.ingest([_ferry()]).added == ["ferry"]
    with Assistant.open(index_dir=home, embedder=embedder) as embedded:
        assert embedded.counts() == {"articles": 6, "sentences": 104, "vectors": 104}
        assert embedded.article("ferry") is None
        assert embedded.ask("Who mediated?").citations[0].article_id == "geneva-peace-talks"
        assert embedded.ingest([_ferry("embedded-ferry", "Harwich")]).added == ["embedded-ferry"]
        embedded.delete("embedded-ferry")
    with Assistant.open(index_dir=home, chroma_url=chroma_url, embedder=embedder) as on_server:
        assert [a.id for a in on_server.articles()] == ["ferry"]  # the server's cache, in step
        assert on_server.sync().reconciled is False
        assert on_server.ask("Which ferry sank on Monday?").citations[0].article_id == "ferry"
    assert _embedded_counts(home, embedder)["articles"] == 6


def test_two_servers_and_two_collections_keep_separate_caches(home, chroma_url, second_chroma_url, embedder):
    from assistant import Assistant

    def open_on(url: str, index: str = "news") -> Assistant:
        return Assistant.open(index=index, index_dir=home, chroma_url=url, embedder=embedder)

    with open_on(chroma_url) as first, open_on(second_chroma_url) as second, open_on(chroma_url, "sport") as sport:
        first.ingest([_ferry("first-ferry", "Arlow")])
        second.ingest([_ferry("second-ferry", "Brenmoor")])
        sport.ingest([_ferry("sport-ferry", "Dunmere")])
        folders = {store_folder(qa.settings) for qa in (first, second, sport)}
        assert len(folders) == 3
    # Each reopened cache is in step with its own collection and holds only that collection's articles.
    for url, index, expected in (
        (chroma_url, "news", "first-ferry"),
        (second_chroma_url, "news", "second-ferry"),
        (chroma_url, "sport", "sport-ferry"),
    ):
        with open_on(url, index) as qa:
            assert [a.id for a in qa.articles()] == [expected]
            assert qa.index.catalog.get_meta(BOUND_TO) == store_identity(qa.settings)
    # The same server spelled with a trailing slash is the same cache.
    assert store_folder(Settings(index_dir=home, index_name="news", chroma_url=chroma_url + "/")) == store_folder(
        Settings(index_dir=home, index_name="news", chroma_url=chroma_url)
    )
    assert _embedded_counts(home, embedder)["articles"] == 6


def test_a_catalog_of_another_store_is_refused_not_reconciled(home, second_chroma_url, embedder, tmp_path):
    """A catalog found where another store's cache belongs (copied, or a layout bug) is left as it is."""
    import shutil

    from assistant import Assistant

    settings = Settings(index_dir=tmp_path, index_name="demo", chroma_url=second_chroma_url)
    catalog_path(settings).parent.mkdir(parents=True)
    for part in (home / "demo").glob("catalog.sqlite*"):  # with its -wal: the demo index may still be open
        shutil.copy(part, catalog_path(settings).parent / part.name)
    with pytest.raises(StoreDamagedError, match="belongs to 'embedded"):
        Assistant.open(index_dir=tmp_path, chroma_url=second_chroma_url, embedder=embedder)
    from assistant.store.catalog import Catalog

    copy = Catalog(catalog_path(settings))
    assert len(copy.article_states()) == 6  # nothing dropped
    copy.close()


def test_a_crash_repaired_in_server_mode_touches_only_the_servers_cache(home, chroma_url, embedder):
    from assistant import Assistant

    with Assistant.open(index="crash", index_dir=home, chroma_url=chroma_url, embedder=embedder) as on_server:
        on_server.ingest([_ferry()])
        # A write killed half way leaves its articles pending; one shares an id with the embedded index.
        on_server.index.catalog.mark_pending([(Article(id="geneva-peace-talks", text=""), ""), (_ferry(), "")])
    with Assistant.open(index="crash", index_dir=home, chroma_url=chroma_url, embedder=embedder) as on_server:
        assert on_server.counts() == {"articles": 0, "sentences": 0, "vectors": 0}
    assert _embedded_counts(home, embedder) == {"articles": 6, "sentences": 104, "vectors": 104}


def test_an_embedded_sync_never_drops_the_only_copy_of_an_article(make_assistant, geneva_record):
    qa = make_assistant()
    qa.ingest([Article(**{k: geneva_record[k] for k in ("id", "title", "text", "date", "source")}), _ferry()])
    qa.index.vectors.delete_articles(["ferry"])  # vectors lost, say by hand
    report = qa.sync(force=True)
    assert report.kept == ["ferry"] and report.dropped == []
    assert qa.article("ferry") is not None


def test_uploads_on_a_server_are_stored_apart_from_the_embedded_index(home, chroma_url, embedder):
    from assistant import Assistant
    from assistant.server.uploads import store_and_ingest

    with Assistant.open(index="uploads", index_dir=home, chroma_url=chroma_url, embedder=embedder) as on_server:
        report = store_and_ingest(on_server, [("story.txt", b"The Glenrock bridge reopened on Friday.")])
        assert len(report.added) == 1
        assert (store_folder(on_server.settings) / "uploads" / "story.txt").is_file()
        assert not (on_server.settings.index_path / "uploads" / "story.txt").exists()
