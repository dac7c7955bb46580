"""Text fingerprints: word-bigram shingles of the accent-folded text, and their MinHash.

OCR of two scans of one paper differs in diacritics, a few letters and line breaks; folding
(vntext.normalise.folded_key: no diacritics, đ->d, lower case, one tone convention) and word tokens
absorb most of that. The Jaccard similarity of the bigram sets is estimated from 128 MinHash
values (standard error ~0.04), so a record's text is summarised in a fixed 1 KiB whatever its
length, and candidates are found by LSH bands (rows of the signature hashed together).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

import numpy as np

from vntext.normalise import folded_key

__all__ = [
    "BANDS",
    "NUM_HASHES",
    "estimate_jaccard",
    "lsh_bands",
    "minhash",
    "shingles",
    "tokens",
]

NUM_HASHES = 128
BANDS = 32  # 32 bands of 4 rows: a pair with Jaccard 0.5 shares a band with p ~0.87, 0.7 ~0.9998
SHINGLE_WORDS = 2
_SEED = 20240611  # fixed forever: signatures are persisted and compared across runs
_WORD = re.compile(r"\w+")
_SALTS = np.random.default_rng(_SEED).integers(0, 1 << 63, NUM_HASHES, dtype=np.uint64)


def tokens(text: str) -> list[str]:
    """Folded word tokens; one-letter tokens (OCR debris, stray marks) are dropped, digits kept."""
    return [w for w in _WORD.findall(folded_key(text)) if len(w) > 1 or w.isdigit()]


def _hash32(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little")


def shingles(words: Sequence[str], size: int = SHINGLE_WORDS) -> set[int]:
    """32-bit hashes of every run of `size` consecutive words (one shingle for a short text)."""
    if not words:
        return set()
    last = max(1, len(words) - size + 1)
    return {_hash32(" ".join(words[i : i + size])) for i in range(last)}


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of uint64 that scatters nearby inputs (wrapping)."""
    z = values + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def minhash(hashes: Iterable[int]) -> list[int]:
    """For each of NUM_HASHES salted mixes of the shingle hashes, the minimum (63-bit ints);
    [] for no shingles."""
    values = np.fromiter(hashes, dtype=np.uint64)
    if values.size == 0:
        return []
    with np.errstate(over="ignore"):
        mixed = _mix(values[None, :] ^ _SALTS[:, None])
    return [int(v) for v in mixed.min(axis=1) >> np.uint64(1)]


def estimate_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """Share of equal MinHash values: an estimate of the Jaccard similarity of the two sets."""
    if not a or not b:
        return 0.0
    if len(a) != len(b):
        raise ValueError(f"MinHash signatures of different lengths: {len(a)} and {len(b)}")
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def lsh_bands(signature: Sequence[int], bands: int = BANDS) -> list[int]:
    """One signed 63-bit value per band (its rows hashed together); [] for an empty signature."""
    if not signature:
        return []
    rows = len(signature) // bands
    out = []
    for band in range(bands):
        chunk = ",".join(str(v) for v in signature[band * rows : (band + 1) * rows])
        digest = hashlib.blake2b(chunk.encode(), digest_size=8).digest()
        out.append(int.from_bytes(digest, "little", signed=True) >> 1)
    return out
