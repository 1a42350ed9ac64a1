"""How a (question, sentence) pair becomes model input; training and inference share this code.

The second segment is the candidate sentence, then `[SEP]` and its article's title (readers
that were trained with it, `title_in_input` in their config), then `[SEP]` and its neighbours
for context. In news the entity is often named only in the headline ("Japan narrowly escapes
recession" above "The economy grew 0.1%"). The sentence comes first so that answer spans,
which may only fall inside it, start at character 0 of the segment, and truncation cuts the
neighbours before the title.
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
    title: str = ""  # the article's headline; read only by readers trained with it


def second_segment(item: ReaderInput, sep_token: str) -> str:
    parts = [item.sentence, *(part for part in (item.title.strip(), item.context) if part)]
    return f" {sep_token} ".join(parts)


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
