"""Split article text into sentences that keep exact character offsets.

Each line is treated as a paragraph (news text puts one paragraph per line), and
syntok segments sentences inside it: it handles abbreviations (U.S., Dr.), decimal
numbers and curly quotes, and reports token offsets we can map back exactly.
"""

from __future__ import annotations

import re

import syntok.segmenter as segmenter

from assistant.schema import Sentence

_LINE = re.compile(r"[^\n]+")
_HAS_WORD = re.compile(r"\w")


def split_sentences(text: str) -> list[Sentence]:
    """Return the sentences of `text`; `text[s.start:s.end] == s.text` for each."""
    sentences: list[Sentence] = []
    for line in _LINE.finditer(text):
        if not line.group().strip():
            continue
        base = line.start()
        for paragraph in segmenter.analyze(line.group()):
            for tokens in paragraph:
                tokens = list(tokens)
                if not tokens:
                    continue
                start = base + tokens[0].offset
                end = base + tokens[-1].offset + len(tokens[-1].value)
                piece = text[start:end]
                if _HAS_WORD.search(piece):
                    sentences.append(Sentence(len(sentences), start, end, piece))
    return sentences


def sentence_window(sentences: list[Sentence], index: int, size: int) -> str:
    """The sentence with up to `size` neighbours on each side: the context we embed."""
    lo, hi = max(0, index - size), min(len(sentences), index + size + 1)
    return " ".join(s.text for s in sentences[lo:hi])
