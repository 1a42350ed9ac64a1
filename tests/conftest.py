"""Shared fixtures: one real embedding model per test session, real on-disk indexes.

Isolation: derived model files (ONNX forms) go to test-artifacts/model-cache in the
checkout, never the user's ~/.cache; a test that leaves llama-index's global LLM changed
fails. Under CI=true, a test skipped because Chromium or ../shared is missing fails the
run instead: CI must exercise the browser and the real data.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"  # seeds/ and data/ (data/ may be moved: config.shared_data)
os.environ.setdefault("ASSISTANT_CACHE_DIR", str(REPO / "test-artifacts" / "model-cache"))

from assistant.config import DEMO_CORPUS, SAMPLES_DIR, Settings  # noqa: E402 (after the cache folder is chosen)

MISSING_PREREQUISITES = ("chromium", "../shared", "SQuAD dev not found")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI", "").lower() != "true" or not report.skipped:
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if any(marker in reason for marker in MISSING_PREREQUISITES):
        report.outcome = "failed"
        report.longrepr = f"CI=true: a missing prerequisite fails the run instead of skipping it: {reason}"


@pytest.fixture(autouse=True)
def llama_index_globals_untouched() -> Iterator[None]:
    """Nothing may set llama-index's process-wide LLM (Settings.llm) behind a test's back."""
    settings = sys.modules.get("llama_index.core.settings")
    before = settings.Settings._llm if settings else None
    yield
    settings = sys.modules.get("llama_index.core.settings")
    if settings is not None:
        after = settings.Settings._llm
        settings.Settings._llm = before
        assert after is before, "llama-index's global Settings.llm was changed by this test"


@pytest.fixture(scope="session")
def embedder():
    from assistant.models.embedder import get_embedder

    return get_embedder(Settings().resolved_model_path())


@pytest.fixture
def make_assistant(tmp_path: Path, embedder) -> Callable[..., object]:
    """Open a fresh Assistant on a temporary on-disk index (same model for all)."""
    from assistant import Assistant

    def _make(name: str = "test", **overrides: object):
        return Assistant.open(index=name, index_dir=tmp_path / "indexes", embedder=embedder, **overrides)

    return _make


@pytest.fixture(scope="session")
def demo_assistant(tmp_path_factory: pytest.TempPathFactory, embedder):
    """The demo corpus indexed once for every read-only question test."""
    from assistant import Assistant

    assistant = Assistant.open(index="demo", index_dir=tmp_path_factory.mktemp("demo"), embedder=embedder)
    assistant.ingest([DEMO_CORPUS])
    return assistant


@pytest.fixture(scope="session")
def geneva_record() -> dict:
    with DEMO_CORPUS.open(encoding="utf-8") as handle:
        return next(json.loads(line) for line in handle if '"geneva-peace-talks"' in line)


def synthetic_articles(count: int, seed: int = 7) -> list[dict]:
    """Invented articles (random but reproducible) for load and crash tests."""
    rng = random.Random(seed)
    towns = ["Arlow", "Brenmoor", "Castleford", "Dunmere", "Eastwick", "Fallon", "Glenrock", "Harwich"]
    topics = ["bridge repairs", "school budget", "harbour dredging", "library hours", "bus routes", "water rates"]
    people = ["Mara Quill", "Owen Pratt", "Lena Ford", "Ravi Shah", "Tom Okoye", "Ines Duarte"]
    articles = []
    for n in range(count):
        town, topic = rng.choice(towns), rng.choice(topics)
        sentences = [
            f"The {town} council met on day {n} to debate {topic}.",
            f"Councillor {rng.choice(people)} said the plan would cost {rng.randint(2, 90)} million dollars.",
            f"About {rng.randint(10, 900)} residents attended the meeting in {town}.",
            f"Officials expect work on the {topic} to start within {rng.randint(2, 11)} months.",
            f"Critics argued that the {topic} plan ignored {rng.choice(towns)} and its neighbours.",
            f"A vote is scheduled for week {rng.randint(1, 52)}, according to the clerk.",
            f"Local business owners said the decision would affect {rng.randint(3, 70)} shops.",
            f"The mayor, {rng.choice(people)}, promised a public report on the {topic}.",
            f"Record number {n} closes with a note on {rng.choice(topics)} in {town}.",
        ]
        articles.append(
            {
                "id": f"synthetic-{n:05d}",
                "title": f"{town} weighs {topic} ({n})",
                "text": " ".join(sentences),
                "source": rng.choice(["Town Crier", "Valley Post"]),
                "date": f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            }
        )
    return articles


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory, embedder):
    """The real app over its own copy of the demo corpus (tests may add and delete articles)."""
    yield from serve_demo_copy(tmp_path_factory, embedder, "web")


def serve_demo_copy(tmp_path_factory: pytest.TempPathFactory, embedder, name: str) -> Iterator:
    """For a fixture: the real app on a free loopback port over a fresh index `name` holding the demo corpus."""
    from assistant import Assistant
    from tests.live_server import start_server

    assistant = Assistant.open(index=name, index_dir=tmp_path_factory.mktemp(name), embedder=embedder)
    assistant.ingest([DEMO_CORPUS])
    server = start_server(assistant)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` server on a free loopback port, for the module's tests."""
    from tests.live_server import start_chroma

    process, url = start_chroma(tmp_path_factory.mktemp("chroma-server"))
    yield url
    process.terminate()
    process.wait(timeout=30)


DATED_STORY = SAMPLES_DIR / "dated_story_articles.jsonl"


def open_demo_and_dated_story(tmp_path_factory: pytest.TempPathFactory, embedder, name: str) -> Iterator:
    """For a fixture: an index of the demo corpus plus the dated story (the corpus eval/time_qa.jsonl asks)."""
    from assistant import Assistant

    assistant = Assistant.open(index=name, index_dir=tmp_path_factory.mktemp(name), embedder=embedder)
    assistant.ingest([DEMO_CORPUS, DATED_STORY])
    yield assistant
    assistant.close()
