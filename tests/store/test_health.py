"""`check` finds and `repair` fixes each kind of damage, on real files: Chroma on disk and SQLite.

The demo corpus (real model) serves the damages that need no re-embedding of the whole
index; a lost HNSW segment needs an index past Chroma's log (about 1,000 records, so the
oldest vectors live only in the segment), built with the hash embedder in a child process
(a fresh process: this one's Chroma would still hold the segment in memory).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.config import DEMO_CORPUS, Settings
from assistant.store import health
from assistant.store.index import SentenceIndex
from assistant.store.repair import REBUILD_SUFFIX
from tests.conftest import REPO
from tests.fakes import HashEmbedder

QUESTION = "Who mediated?"


def _citations(answer) -> list[tuple[str, int]]:
    return [(c.article_id, c.sentence_index) for c in answer.citations]


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory, embedder):
    """The demo corpus indexed once (real model), with the answer to QUESTION before any damage."""
    from assistant import Assistant

    folder = tmp_path_factory.mktemp("health-demo")
    with Assistant.open(index="demo", index_dir=folder, embedder=embedder) as assistant:
        assistant.ingest([DEMO_CORPUS])
        before = _citations(assistant.ask(QUESTION))
    assert before
    return folder, before


@pytest.fixture
def demo_copy(demo_template, tmp_path, embedder):
    """A fresh copy of the demo index; returns (index folder, citations before damage, open function)."""
    from assistant import Assistant

    template, before = demo_template
    folder = tmp_path / "copy"
    shutil.copytree(template, folder)

    def open_(damaged_ok: bool = True):
        return Assistant.open(index="demo", index_dir=folder, embedder=embedder, damaged_ok=damaged_ok)

    return folder / "demo", before, open_


def _check_then_repair(open_, kind: str, before: list[tuple[str, int]]):
    with open_() as assistant:
        assert kind in {p.kind for p in assistant.problems} or kind in health.CATALOG_SIDE | {
            health.MISSING_VECTORS,
            health.ORPHAN_VECTORS,
        }
        report = assistant.check()
        assert not report.ok and kind in report.kinds(), report.lines()
        assert report.verdict().startswith("DAMAGED: ")
        repaired = assistant.repair()
        assert repaired.after is not None and repaired.after.ok, repaired.after.lines()
        assert repaired.actions
    with open_(damaged_ok=False) as assistant:
        assert assistant.problems == []
        assert assistant.check().ok
        again = assistant.repair()
        assert again.actions == [] and again.after.ok  # idempotent: nothing left to do
        assert _citations(assistant.ask(QUESTION)) == before
        counts = assistant.counts()
        assert counts["vectors"] == counts["sentences"] and counts["articles"] == 6
    return repaired


@pytest.mark.parametrize("size", ["empty", "half"])
def test_truncated_catalog_is_rebuilt_from_the_vectors(demo_copy, size):
    folder, before, open_ = demo_copy
    catalog = folder / "catalog.sqlite"
    with catalog.open("r+b") as handle:
        handle.truncate(0 if size == "empty" else catalog.stat().st_size // 2)
    if size == "half":
        from assistant.errors import StoreDamagedError

        with pytest.raises(StoreDamagedError) as caught:
            open_(damaged_ok=False)
        assert "catalog.sqlite" in str(caught.value) and "repair" in str(caught.value)
        assert "\n" not in str(caught.value)
    kind = health.CATALOG_OUT_OF_STEP if size == "empty" else health.CATALOG_UNREADABLE
    repaired = _check_then_repair(open_, kind, before)
    assert repaired.catalog_rebuilt and len(repaired.kept_aside) == 1
    aside = Path(repaired.kept_aside[0])
    assert aside.name.startswith("catalog.sqlite.damaged-") and aside.exists()  # never deleted
    assert not (folder / f"catalog.sqlite{REBUILD_SUFFIX}").exists()


def test_catalog_damaged_while_open_is_store_damaged_error(demo_copy):
    from assistant.errors import StoreDamagedError

    folder, _, open_ = demo_copy
    assistant = open_(damaged_ok=False)
    catalog = folder / "catalog.sqlite"
    with catalog.open("r+b") as handle:  # garble every page past the first two
        for offset in range(8192, catalog.stat().st_size, 4096):
            handle.seek(offset + 100)
            handle.write(b"\xff" * 2000)
    with pytest.raises(StoreDamagedError) as caught:  # the BM25 index's pages: not read (cached) on open
        assistant.retrieve("Who mediated the talks in Geneva?")
    assert str(catalog) in str(caught.value) and "repair" in str(caught.value)
    assistant.close()


def test_orphan_vector_is_found_and_deleted(demo_copy):
    _, before, open_ = demo_copy
    with open_() as assistant:
        assistant.index.vectors.collection.add(
            ids=["ghost::0"],
            embeddings=[np.full(assistant.embedder.encode(["x"]).shape[1], 0.05, np.float32)],
            documents=["A sentence no catalog knows."],
            metadatas=[{"document_id": "ghost", "date_int": 0, "source": ""}],
        )
    with open_() as assistant:
        assert {p.kind for p in assistant.problems} == {health.COUNTS_DIFFER}  # the quick check sees counts
        report = assistant.check()
        assert report.orphan_vectors == 1 and report.orphan_examples == ["ghost::0"] and report.missing_vectors == 0
    repaired = _check_then_repair(open_, health.ORPHAN_VECTORS, before)
    assert repaired.orphans_deleted == 1 and repaired.reembedded == 0


def test_sentence_without_a_vector_is_re_embedded(demo_copy):
    _, before, open_ = demo_copy
    key = "geneva-peace-talks::0"  # the article's first record, which carries its text for a catalog rebuild
    with open_() as assistant:
        stored = assistant.index.vectors.embeddings([key])[key]
        assistant.index.vectors.collection.delete(ids=[key])
    with open_() as assistant:
        report = assistant.check()
        assert report.missing_vectors == 1 and report.missing_examples == [key]
    repaired = _check_then_repair(open_, health.MISSING_VECTORS, before)
    assert repaired.reembedded == 1
    with open_() as assistant:
        record = assistant.index.vectors.collection.get(ids=[key], include=["metadatas", "embeddings"])
        assert record["metadatas"][0]["article_text"].startswith(assistant.article("geneva-peace-talks").text[:40])
        assert np.allclose(record["embeddings"][0], stored, atol=1e-4)


# --- a lost HNSW segment ---------------------------------------------------------------

BUILD_BIG = """
import sys
from pathlib import Path
from assistant import Assistant
from tests.conftest import synthetic_articles, write_jsonl
from tests.fakes import HashEmbedder
folder = Path(sys.argv[1])
corpus = write_jsonl(folder / "corpus.jsonl", synthetic_articles(int(sys.argv[2])))
with Assistant.open(index="big", index_dir=folder, embedder=HashEmbedder()) as assistant:
    assistant.ingest([corpus])
"""


def build_big_index(folder: Path, articles: int = 400) -> Path:
    """A hash-embedded index of synthetic articles (9 sentences each), written by a child process."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", BUILD_BIG, str(folder), str(articles)], cwd=REPO, check=True)
    return folder / "big"


def remove_segments(index_folder: Path) -> list[Path]:
    segments = [p for p in (index_folder / "chroma").iterdir() if p.is_dir()]
    for segment in segments:
        shutil.rmtree(segment)
    return segments


@pytest.fixture(scope="module")
def big_template(tmp_path_factory):
    return build_big_index(tmp_path_factory.mktemp("health-big"))


def _open_big(folder: Path) -> SentenceIndex:
    settings = Settings().with_overrides(index_dir=folder.parent, index_name=folder.name)
    return SentenceIndex.open(settings, HashEmbedder(), damaged_ok=True)


def _nearest(index: SentenceIndex, question: str) -> list[float]:
    """The top similarities (the hash embedder ties many sentences, so ids among equals may differ)."""
    from assistant.schema import SearchFilters

    index.nearest(index.encode_question(question), 5, SearchFilters())  # raises on a known-unsearchable store
    return [round(score, 4) for _, score in index.vectors.query(index.encode_question(question), 5, SearchFilters())]


QUESTIONS = ["Castleford bridge repairs council", "harbour dredging residents attended", "water rates vote clerk"]


def test_removed_segment_folder_is_found_and_the_collection_rebuilt(big_template, tmp_path):
    folder = tmp_path / "big"
    shutil.copytree(big_template, folder)
    index = _open_big(folder)
    assert index.problems == []
    before = [_nearest(index, q) for q in QUESTIONS]
    index.close()

    broken = tmp_path / "broken" / "big"
    shutil.copytree(big_template, broken)  # a path this process's Chroma has not opened
    assert remove_segments(broken)
    index = _open_big(broken)
    assert {p.kind for p in index.problems} == {health.VECTORS_UNSEARCHABLE}
    assert index.problems[0].path == str(broken / "chroma")
    from assistant.errors import StoreDamagedError

    with pytest.raises(StoreDamagedError):  # never a silent answer from the fraction Chroma replayed
        _nearest(index, QUESTIONS[0])
    report = index.check()
    assert health.VECTORS_UNSEARCHABLE in report.kinds() and report.probe != "ok"
    repaired = index.repair_store(progress=False)
    assert repaired.collection_rebuilt and repaired.reembedded == 3600
    assert repaired.after.ok and index.problems == []
    assert [_nearest(index, q) for q in QUESTIONS] == before
    assert index.repair_store(progress=False).actions == []
    index.close()


def test_interrupted_collection_rebuild_is_finished_by_the_next_repair(big_template, tmp_path, monkeypatch):
    from assistant.store import repair
    from assistant.store.vectors import VectorIndex

    broken = tmp_path / "broken" / "big"
    shutil.copytree(big_template, broken)
    remove_segments(broken)
    index = _open_big(broken)
    monkeypatch.setattr(repair, "REEMBED_BATCH", 500)
    real_add, calls = VectorIndex.add, []

    def add_then_die(self, records):
        if len(calls) == 2:
            raise KeyboardInterrupt  # as a kill part-way through re-embedding
        calls.append(len(records.ids))
        return real_add(self, records)

    monkeypatch.setattr(VectorIndex, "add", add_then_die)
    with pytest.raises(KeyboardInterrupt):
        index.repair_store(progress=False)
    monkeypatch.setattr(VectorIndex, "add", real_add)
    index.close()

    index = _open_big(broken)
    report = index.check()  # the tokens still match: vectors are the damaged side, never the catalog
    assert report.kinds() == {health.MISSING_VECTORS} and report.missing_vectors == 3600 - sum(calls)
    repaired = index.repair_store(progress=False)
    assert not repaired.catalog_rebuilt and repaired.reembedded == 3600 - sum(calls) and repaired.after.ok
    assert index.counts() == {"articles": 400, "sentences": 3600, "vectors": 3600}
    index.close()


def test_interrupted_catalog_rebuild_is_finished_by_the_next_repair(demo_copy, monkeypatch):
    import os

    from assistant.store import repair

    folder, before, open_ = demo_copy
    (folder / "catalog.sqlite").write_bytes(b"not a database at all" * 300)
    real_replace, moves = os.replace, []

    def replace_then_die(source, target):
        if str(source).endswith(REBUILD_SUFFIX):
            raise KeyboardInterrupt  # killed after the damaged file went aside, before the new one went in
        moves.append(target)
        return real_replace(source, target)

    monkeypatch.setattr(repair.os, "replace", replace_then_die)
    with open_() as assistant, pytest.raises(KeyboardInterrupt):
        assistant.repair()
    monkeypatch.setattr(repair.os, "replace", real_replace)
    assert moves and (folder / f"catalog.sqlite{REBUILD_SUFFIX}").exists()
    repaired = _check_then_repair(open_, health.CATALOG_OUT_OF_STEP, before)
    assert repaired.catalog_rebuilt
    kept = [p for p in folder.iterdir() if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 2  # the user's file and the empty one the interrupted run left, neither overwritten
    assert Path(moves[-1]).read_bytes().startswith(b"not a database")  # the user's file, kept as it was
