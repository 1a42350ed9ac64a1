"""The question-answering systems an evaluation compares, behind one small interface.

- `AssistantSystem`: this project (hybrid retrieval, sentence scoring, cited answer);
- `LlamaIndexDefaultSystem`: the obvious alternative — llama-index's `VectorStoreIndex`
  over default `SentenceSplitter` chunks in Chroma, top-k retriever, answer = top chunk;
- `BM25System`: lexical retrieval alone (SQLite FTS5 BM25 over our sentences),
  answer = top sentence.

All use the same embedding model. Each returns what the metrics need: the answer
text, the cited units, the ranked units retrieval produced, and whether it refused.
"""

from __future__ import annotations

import hashlib
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from assistant.dates import NO_LIMIT
from assistant.retrieval.question import analyse, validate_question
from assistant.schema import Article, Citation, SearchFilters, SentenceRow

if TYPE_CHECKING:
    import chromadb
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from assistant.assistant import Assistant
    from assistant.models.embedder import Embedder

RANK_DEPTH = 30  # ranked units kept per question (recall@k reads the top 10 of them)


@dataclass(frozen=True)
class Unit:
    """A retrieved or cited piece of text and the article it belongs to.

    `copies`: other copies of the same story (syndicated, re-published) folded into this
    article, so the story is cited once (retrieval/copies.py); the metrics count a unit
    as from the gold article when the gold article is its own or one of these.
    """

    article_id: str
    text: str
    copies: tuple[str, ...] = ()

    def is_from(self, article_id: str | None) -> bool:
        """From this article, or from a copy of it folded into this unit's article."""
        return article_id is not None and (article_id == self.article_id or article_id in self.copies)


@dataclass
class SystemOutput:
    """One system's reply to one question."""

    text: str
    cited: list[Unit]
    ranked: list[Unit]
    short_answer: str | None = None
    refused: bool = False
    top_score: float = 0.0
    seconds: float | None = None  # answering alone, less what evaluation looked up after (None: all of it)


@dataclass
class BuildStats:
    """What building a system's index cost (reused = nothing needed writing)."""

    units: int = 0
    seconds: float = 0.0
    reused: bool = False
    unit_name: str = "sentences"
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.units / self.seconds if self.seconds > 0 and not self.reused else 0.0


class QASystem(ABC):
    """Public `answer()` validates the question; each system fills `_answer()` and may `build()`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.build_stats = BuildStats()

    def build(self, documents: Sequence[Article], progress: bool = False) -> BuildStats:
        """Index the documents (idempotent); the default has nothing of its own to build."""
        return self.build_stats

    def answer(self, question: str, history: Sequence[str] = (), filters: SearchFilters | None = None) -> SystemOutput:
        validate_question(question)
        return self._answer(question, list(history), filters or SearchFilters())

    @abstractmethod
    def _answer(self, question: str, history: list[str], filters: SearchFilters) -> SystemOutput:
        """Answer one (validated) question."""


class AssistantSystem(QASystem):
    """This project's assistant, as users get it from `Assistant.ask`."""

    def __init__(self, assistant: Assistant, name: str = "ours", timeless: bool = False) -> None:
        super().__init__(name)
        self.assistant = assistant
        self.timeless = timeless  # asks every question with no as-of day, as before dates counted

    def build(self, documents: Sequence[Article], progress: bool = False) -> BuildStats:
        report = self.assistant.ingest(list(documents), progress=progress) if documents else None
        written = report.sentences_indexed if report else 0
        self.build_stats = BuildStats(
            units=written or self.assistant.counts()["sentences"],
            seconds=report.seconds if report else 0.0,
            reused=written == 0,
        )
        return self.build_stats

    def _answer(self, question: str, history: list[str], filters: SearchFilters) -> SystemOutput:
        # The runner puts the question's as-of day in the filters (None: asked with no time limit).
        as_of = NO_LIMIT if self.timeless or not filters.as_of else filters.as_of
        started = time.perf_counter()
        answer, passages = self.assistant.ask_ranked(
            question, history=history, filters=replace(filters, as_of=None), k=RANK_DEPTH, as_of=as_of
        )
        seconds = time.perf_counter() - started
        top = answer.citations[0].score if answer.citations else (passages[0].score if passages else 0.0)
        folded = self._folded_copies([p.article_id for p in passages], answer.as_of)

        def cited(c: Citation) -> Unit:
            listed = [a["article_id"] for a in c.also_reported_by]
            return Unit(c.article_id, c.sentence, tuple(dict.fromkeys([*listed, *folded.get(c.article_id, ())])))

        return SystemOutput(
            text=answer.text,
            cited=[cited(c) for c in answer.citations],
            ranked=[Unit(p.article_id, p.sentence, folded.get(p.article_id, ())) for p in passages],
            short_answer=answer.short_answer,
            refused=answer.refused,
            top_score=top,
            seconds=seconds,
        )

    def _folded_copies(self, article_ids: Sequence[str], as_of: str | None) -> dict[str, tuple[str, ...]]:
        """The copies of each ranked article's story that folding leaves out of the ranking (its
        passages stand for them), less those dated after the as-of day: those are never candidates,
        and a citation never lists them."""
        index = self.assistant.index
        found = {a: index.copies_of(a) for a in dict.fromkeys(article_ids)}
        others = {c for copies in found.values() for c in copies}
        if as_of and others:
            dates = {a: brief[1] for a, brief in index.briefs(others).items()}
            others = {c for c in others if c in dates and not (dates[c] and dates[c][:10] > as_of[:10])}
        return {a: tuple(c for c in copies if c in others) for a, copies in found.items() if copies}


class LexicalStore(Protocol):
    """What the BM25 baseline needs: scored BM25 hits and their rows (our catalog has both)."""

    def search(self, terms: list[str], limit: int, filters: SearchFilters) -> list[tuple[str, int, float]]: ...
    def sentences(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], SentenceRow]: ...


class BM25System(QASystem):
    """BM25 alone over the same sentences (our FTS5 index): no vectors, no scoring on top."""

    def __init__(self, catalog: LexicalStore, name: str = "bm25") -> None:
        super().__init__(name)
        self.catalog = catalog
        self.build_stats = BuildStats(reused=True, note="the FTS5 index of ours")

    def _answer(self, question: str, history: list[str], filters: SearchFilters) -> SystemOutput:
        hits = self.catalog.search(list(analyse(question).stems), RANK_DEPTH, filters)
        rows = self.catalog.sentences([(article_id, index) for article_id, index, _ in hits])
        ranked = [Unit(a, rows[(a, i)].text) for a, i, _ in hits if (a, i) in rows]
        if not ranked:
            return SystemOutput(text="", cited=[], ranked=[], refused=True)
        return SystemOutput(text=ranked[0].text, cited=ranked[:1], ranked=ranked, top_score=hits[0][2])


class LlamaIndexDefaultSystem(QASystem):
    """llama-index out of the box: default chunks, Chroma, top-k retriever, answer = top chunk.

    The store persists under `folder`; a marker holding a digest of the documents
    lets a later run reuse it instead of embedding everything again.
    """

    def __init__(self, embedder: Embedder, folder: Path, top_k: int = 10, name: str = "llama-index") -> None:
        super().__init__(name)
        self.embedder = embedder
        self.folder = Path(folder)
        self.top_k = top_k
        self._index: VectorStoreIndex | None = None

    def _store(self) -> tuple[chromadb.Collection, ChromaVectorStore]:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from llama_index.vector_stores.chroma import ChromaVectorStore

        client = chromadb.PersistentClient(path=str(self.folder), settings=ChromaSettings(anonymized_telemetry=False))
        collection = client.get_or_create_collection("chunks", embedding_function=None)
        return collection, ChromaVectorStore(chroma_collection=collection)

    def build(self, documents: Sequence[Article], progress: bool = False) -> BuildStats:
        from llama_index.core import Document, StorageContext, VectorStoreIndex

        self.folder.mkdir(parents=True, exist_ok=True)
        marker = self.folder / "built.json"
        digest = _digest(documents)
        collection, store = self._store()
        embed_model = self.embedder.llama_embedding
        saved = json.loads(marker.read_text()) if marker.exists() else {}
        if saved.get("digest") == digest and collection.count() == saved.get("chunks"):
            self._index = VectorStoreIndex.from_vector_store(store, embed_model=embed_model)
            self.build_stats = BuildStats(
                units=saved["chunks"], seconds=saved["seconds"], reused=True, unit_name="chunks"
            )
            return self.build_stats
        if collection.count():  # documents changed: start again rather than mix versions
            collection.delete(ids=collection.get(include=[])["ids"])
        docs = [Document(text=a.text, id_=a.id, metadata={"title": a.title}) for a in documents]
        started = time.perf_counter()
        self._index = VectorStoreIndex.from_documents(
            docs,
            storage_context=StorageContext.from_defaults(vector_store=store),
            embed_model=embed_model,
            show_progress=progress,
        )
        seconds = time.perf_counter() - started
        chunks = collection.count()
        marker.write_text(json.dumps({"digest": digest, "chunks": chunks, "seconds": seconds}))
        self.build_stats = BuildStats(units=chunks, seconds=seconds, unit_name="chunks")
        return self.build_stats

    def _answer(self, question: str, history: list[str], filters: SearchFilters) -> SystemOutput:
        from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters

        if self._index is None:
            raise RuntimeError("build() the llama-index baseline before asking it questions")
        metadata_filters = None
        if filters.article_ids:
            metadata_filters = MetadataFilters(
                filters=[MetadataFilter(key="document_id", value=list(filters.article_ids), operator=FilterOperator.IN)]
            )
        retriever = self._index.as_retriever(similarity_top_k=self.top_k, filters=metadata_filters)
        nodes = retriever.retrieve(question)
        ranked = [Unit(str(n.node.ref_doc_id), n.node.get_content()) for n in nodes]
        if not ranked:
            return SystemOutput(text="", cited=[], ranked=[], refused=True)
        return SystemOutput(text=ranked[0].text, cited=ranked[:1], ranked=ranked, top_score=float(nodes[0].score or 0))


def _digest(documents: Sequence[Article]) -> str:
    hasher = hashlib.sha256()
    for article in documents:
        hasher.update(article.id.encode())
        hasher.update(hashlib.sha256(article.text.encode()).digest())
    return hasher.hexdigest()


def _llama_index(assistant: Assistant) -> QASystem:
    return LlamaIndexDefaultSystem(assistant.embedder, assistant.settings.index_path / "baseline-llama-index")


# name -> how to make that system over an assistant (the baselines share its model and index folder)
SYSTEMS: dict[str, Callable[[Assistant], QASystem]] = {
    "ours": AssistantSystem,
    "heuristic": lambda assistant: AssistantSystem(assistant.with_answerer("heuristic"), name="heuristic"),
    # ours with every question asked with no as-of day (`--as-of none`), beside ours in one report
    "ours-no-as-of": lambda assistant: AssistantSystem(assistant, name="ours-no-as-of", timeless=True),
    "llama-index": _llama_index,
    "bm25": lambda assistant: BM25System(assistant.index.catalog),  # the FTS5 index ours searches
}
SYSTEM_NAMES = tuple(SYSTEMS)
DEFAULT_SYSTEMS = ("ours", "llama-index", "bm25")


def check_systems(names: Sequence[str]) -> None:
    """Refuse unknown or missing system names before anything heavy is loaded."""
    unknown = sorted(set(names) - set(SYSTEMS)) or ([] if names else ["(none)"])
    if unknown:
        raise ValueError(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")


def make_systems(names: Sequence[str], assistant: Assistant) -> list[QASystem]:
    check_systems(names)
    return [SYSTEMS[name](assistant) for name in dict.fromkeys(names)]
