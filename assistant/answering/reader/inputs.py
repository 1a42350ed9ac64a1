"""How a (question, sentence) pair becomes model input; training and inference share this code.

The second segment is the candidate sentence, then `[SEP]`, then its neighbours for context.
Answer spans may only fall inside the sentence itself, so a citation and its short answer agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_TOKENS = 80  # question + sentence + as much context as fits


@dataclass(frozen=True)
class ReaderInput:
    """One candidate: the question, the sentence, and the text around it."""

    question: str
    sentence: str
    context: str = ""


def second_segment(item: ReaderInput, sep_token: str) -> str:
    return f"{item.sentence} {sep_token} {item.context}".strip() if item.context else item.sentence


def encode(tokenizer: Any, items: Sequence[ReaderInput], max_tokens: int = MAX_TOKENS) -> Any:
    """Tokenize a batch (padded to its longest row), keeping character offsets for span mapping."""
    return tokenizer(
        [i.question for i in items],
        [second_segment(i, tokenizer.sep_token) for i in items],
        truncation="only_second",
        max_length=max_tokens,
        padding=True,
        return_offsets_mapping=True,
        return_tensors="pt",
    )


def sentence_token_mask(encoding: Any, row: int, sentence_chars: int) -> list[bool]:
    """Which token positions lie inside the sentence (not the question, not the context)."""
    offsets = encoding["offset_mapping"][row].tolist()
    return [
        sequence == 1 and end > start and end <= sentence_chars
        for sequence, (start, end) in zip(encoding.sequence_ids(row), offsets, strict=True)
    ]


def char_span_to_tokens(encoding: Any, row: int, start_char: int, end_char: int) -> tuple[int, int] | None:
    """Token positions of an answer given by character offsets in the sentence; None if cut off."""
    start = end = None
    offsets = encoding["offset_mapping"][row].tolist()
    for position, (sequence, (a, b)) in enumerate(zip(encoding.sequence_ids(row), offsets, strict=True)):
        if sequence != 1 or b <= a:
            continue
        if start is None and b > start_char:
            start = position
        if a < end_char:
            end = position
    if start is None or end is None or end < start:
        return None
    last_char = offsets[end][1]
    return (start, end) if last_char >= end_char else None
