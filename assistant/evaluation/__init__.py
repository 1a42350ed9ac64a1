"""Evaluation: datasets, SQuAD-style metrics, and the runner that scores an assistant on them."""

from assistant.evaluation.datasets import QADataset, QAItem, load_dataset, load_qa, load_realtimeqa, load_squad
from assistant.evaluation.metrics import answer_hit, exact_match, f1_score, normalise_answer
from assistant.evaluation.runner import EvalSummary, ItemResult, evaluate, history_for, summarise

__all__ = [
    "EvalSummary",
    "ItemResult",
    "QADataset",
    "QAItem",
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
    "summarise",
]
