"""MinHash signatures of articles, for finding copies of one story (syndicated wire copy, a re-published update).

An article's text is lowercased and cut into words; its shingles are the runs of
SHINGLE_WORDS consecutive words. Two articles whose shingle sets overlap by more than
COPY_JACCARD (Jaccard similarity) tell the same story. A MinHash signature (NUM_PERM
32-bit values, datasketch's default "affine32" scheme) estimates that overlap from 512
bytes per article: the share of equal values is the estimated Jaccard similarity.
Signatures are computed when an article is split into sentences (ingest's preparing
stage, off the encoder's path) and kept in the catalog (store/catalog.py).
"""

from __future__ import annotations

import re

import numpy as np
from datasketch import MinHash

SHINGLE_WORDS = 5
NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
COPY_JACCARD = 0.5  # estimated Jaccard similarity above which two articles are copies of one story
SIGNATURE_BYTES = NUM_PERM * 4

_WORD = re.compile(r"\w+")
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)  # its permutations, made once


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The distinct runs of `size` consecutive lowercased words (a shorter text: all its words, once)."""
    words = _WORD.findall(text.lower())
    if not words:
        return set()
    return {" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    """The exact Jaccard similarity of two shingle sets (0 for two empty ones)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def minhash(text: str) -> MinHash:
    """The MinHash of a text's shingles."""
    sketch = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_TEMPLATE.permutations, scheme=SCHEME)
    sketch.update_batch([s.encode("utf-8") for s in shingles(text)])
    return sketch


def signature(text: str) -> bytes:
    """The stored form of a text's MinHash: NUM_PERM little-endian uint32 values."""
    return np.asarray(minhash(text).hashvalues, dtype="<u4").tobytes()


def signature_values(blob: bytes) -> np.ndarray:
    """A stored signature's hash values (ValueError for a blob of the wrong size)."""
    if len(blob) != SIGNATURE_BYTES:
        raise ValueError(f"a signature has {SIGNATURE_BYTES} bytes, this one {len(blob)}")
    return np.frombuffer(blob, dtype="<u4")


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The share of equal MinHash values: an unbiased estimate of the shingle sets' Jaccard similarity."""
    return float(np.count_nonzero(a == b)) / len(a)
