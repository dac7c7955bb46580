"""Is a new record a re-scan of an earlier one? A pure decision over two fingerprints.

Two scans of one paper share their text (up to OCR noise) AND look alike. Pages on the same
letterhead look alike too, and two letters with the same boilerplate share some text, so
neither signal decides alone where both exist:

- text-rich pair (both texts have MIN_SHINGLES word bigrams or more): near-duplicate when the
  bigram Jaccard is at least MIN_TEXT and the first-page pHash distance at most MAX_IMAGE_WITH_TEXT
  (a loose bound: unrelated pages are ~128/256 apart, re-scans measured up to ~75);
- otherwise (a photo, a blank form, a page OCR could not read): only a very close image match
  (pHash <= MAX_IMAGE_ALONE and dHash <= MAX_DHASH_ALONE) on pages that are not blank;
- in both cases, two different document numbers/notations, or two different dates, read on
  both records mean two documents (a form letter sent under several numbers), never a re-scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dedup.fingerprint import Fingerprint
from dedup.imagehash import PHASH_BITS, hamming
from dedup.texthash import estimate_jaccard

__all__ = ["DEFAULT_THRESHOLDS", "Comparison", "DuplicateMatch", "Thresholds", "compare", "decide"]

Basis = Literal["text+image", "image"]


@dataclass(frozen=True)
class Thresholds:
    min_shingles: int = 20
    min_text: float = 0.5
    max_image_with_text: int = 96  # of PHASH_BITS
    max_image_alone: int = 24  # of PHASH_BITS
    max_dhash_alone: int = 8  # of 64 dHash bits
    min_ink: float = 0.002  # a page darker than this is not blank


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Comparison:
    text: float | None  # estimated Jaccard of word bigrams; None when either text is too short
    image: int  # pHash distance of the first pages
    dhash: int
    blank: bool  # either first page is blank
    conflict: str | None  # why the two are different documents whatever they look like


@dataclass(frozen=True)
class DuplicateMatch:
    """The earlier record a new one is a near-duplicate of, and the evidence."""

    record_id: str
    basis: Basis
    text: float | None
    image: int

    @property
    def reason(self) -> str:
        text = f"text similarity {self.text:.2f}, " if self.text is not None else "no usable text, "
        return (
            f"near-duplicate of record {self.record_id} ({text}"
            f"first-page image distance {self.image}/{PHASH_BITS}): possibly the same paper "
            "scanned again; keep one or confirm both"
        )


def _conflict(a: Fingerprint, b: Fingerprint) -> str | None:
    if a.code and b.code and a.code != b.code:
        return f"different numbers/notations ({a.code} vs {b.code})"
    if a.date and b.date and a.date != b.date:
        return f"different dates ({a.date} vs {b.date})"
    return None


def compare(new: Fingerprint, old: Fingerprint, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Comparison:
    rich = min(new.shingles, old.shingles) >= thresholds.min_shingles
    return Comparison(
        text=estimate_jaccard(new.minhash, old.minhash) if rich else None,
        image=hamming(new.phash_int, old.phash_int),
        dhash=hamming(new.dhash_int, old.dhash_int),
        blank=min(new.ink, old.ink) < thresholds.min_ink,
        conflict=_conflict(new, old),
    )


def decide(c: Comparison, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Basis | None:
    """The basis on which the pair is a near-duplicate, or None."""
    if c.conflict:
        return None
    if c.text is not None:
        close = c.text >= thresholds.min_text and c.image <= thresholds.max_image_with_text
        return "text+image" if close else None
    close = c.image <= thresholds.max_image_alone and c.dhash <= thresholds.max_dhash_alone
    return "image" if close and not c.blank else None
