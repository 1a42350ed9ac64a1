"""Evaluation: datasets, SQuAD-style metrics, the systems compared, the runner, and the report."""

from assistant.evaluation.datasets import QADataset, QAItem, load_dataset, load_qa, load_realtimeqa, load_squad, spread
from assistant.evaluation.metrics import answer_hit, exact_match, f1_score, normalise_answer
from assistant.evaluation.results import EvalRun, EvalSummary, ItemResult, summarise
from assistant.evaluation.runner import evaluate, history_for, reader_filters, run_evaluation
from assistant.evaluation.systems import AssistantSystem, BM25System, LlamaIndexDefaultSystem, QASystem

__all__ = [
    "AssistantSystem",
    "BM25System",
    "EvalRun",
    "EvalSummary",
    "ItemResult",
    "LlamaIndexDefaultSystem",
    "QADataset",
    "QAItem",
    "QASystem",
    "answer_hit",
    "evaluate",
    "exact_match",
    "f1_score",
    "history_for",
    "load_dataset",
    "load_qa",
    "load_realtimeqa",
    "load_squad",
    "normalise_answer",
    "reader_filters",
    "run_evaluation",
    "spread",
    "summarise",
]
