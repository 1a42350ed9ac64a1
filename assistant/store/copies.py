"""Which indexed articles are copies of one story: MinHash LSH bands kept in the catalog.

Each article's signature (ingest/minhash.py) is cut into BANDS bands of ROWS values;
each band is hashed to one 64-bit bucket, stored as a row (bucket, article) beside the
signature itself, in the same SQLite transaction as the article rows (store/catalog.py).
Articles sharing a bucket are candidates; a candidate is a copy when the estimated
Jaccard similarity of the two signatures exceeds COPY_JACCARD. With 32 bands of 4
values a pair at Jaccard 0.5 is a candidate with probability 0.87, at 0.6 with 0.99.

Why bands in SQLite rather than datasketch's in-memory MinHashLSH: nothing to build
when an index opens (MinHashLSH takes 2.6-3.7 s to build from 11,000 stored
signatures, paid by every CLI command that asks: `python bench/near_duplicates.py`),
no second copy to keep in step with a catalog that repair may rebuild or that another
process (a Chroma server's sync) may change, and a lookup is one indexed query.
The banding is MinHashLSH's (same bands, verified the same way); `in_memory_lsh` builds
that index from stored signatures, for comparisons.
"""

from __future__ import annotations

import numpy as np

from assistant.ingest.minhash import NUM_PERM, SCHEME, SEED, signature_values

BANDS, ROWS = 32, 4
assert BANDS * ROWS == NUM_PERM
_EMPTY = np.uint32(0xFFFFFFFF)  # every value of an empty text's signature: never a copy of anything
# One odd 64-bit multiplier per value of a band, and one offset per band: bucket = sum(v_i * m_i) + band offset.
_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93], dtype=np.uint64
)
_OFFSETS = (np.arange(BANDS, dtype=np.uint64) + np.uint64(1)) * np.uint64(0xFF51AFD7ED558CCD)


def band_buckets(blob: bytes) -> list[int]:
    """The signature's BANDS buckets as signed 64-bit integers (SQLite's INTEGER); none for an empty text."""
    values = signature_values(blob)
    if bool(np.all(values == _EMPTY)):
        return []
    bands = values.reshape(BANDS, ROWS).astype(np.uint64)
    with np.errstate(over="ignore"):
        mixed = (bands * _MULTIPLIERS).sum(axis=1, dtype=np.uint64) + _OFFSETS  # wraps modulo 2^64
        mixed ^= mixed >> np.uint64(29)
    return [int(x) for x in mixed.view(np.int64)]


def in_memory_lsh(signatures: dict[str, bytes]):
    """datasketch's MinHashLSH over stored signatures, with the same banding (the alternative measured in bench)."""
    from datasketch import LeanMinHash, MinHashLSH

    lsh = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))
    with lsh.insertion_session() as session:
        for article_id, blob in signatures.items():
            session.insert(article_id, LeanMinHash(seed=SEED, hashvalues=signature_values(blob), scheme=SCHEME))
    return lsh
