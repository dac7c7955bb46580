"""Closest known name to a name read through OCR, with an edit-distance tolerance and a margin.

Names are compared on a compact folded key (no accents, no spaces, capitals): OCR's lost or
doubled marks ('Truyêền') and split or glued words ('Sởnội Vụ') cost nothing or one edit.
A name is accepted only when it is within the tolerance for its length AND clearly closer
than any other known name; otherwise nothing is returned and the caller keeps the text as
read. Never forces a match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

from classify.norm import compact_key
from vntext.normalise import nfc

__all__ = ["ACCENTS_ONLY", "FuzzyMatch", "Matcher", "ACCEPT"]

T = TypeVar("T")
ACCEPT = 0.7  # below this confidence a match is not used
ACCENTS_ONLY = "names differing only by accents"  # the reason when the read's marks decide nothing
# Confidence by edit distance on the folded key; a runner-up only one edit further costs more.
_BY_DISTANCE = {0: 1.0, 1: 0.9, 2: 0.78}
_NARROW_MARGIN = 0.1
_LOST_MARKS = 0.03  # same letters, different diacritics (folded equal)


def tolerance(folded: str) -> int:
    """Edits allowed for a name of this many letters: none for very short names."""
    if len(folded) < 5:
        return 0
    return 1 if len(folded) < 9 else 2


@dataclass(frozen=True)
class FuzzyMatch(Generic[T]):
    value: T | None  # the known name's payload; None when nothing was accepted
    name: str | None  # the known name
    distance: int | None  # edits on the folded key
    confidence: float
    reason: str | None = None  # why nothing was accepted (English, for logs)
    runner_up: str | None = None


class Matcher(Generic[T]):
    """Known names (display form) -> payload; `match(read)` finds the closest one."""

    def __init__(self, names: dict[str, T]):
        self._by_key: dict[str, list[tuple[str, T]]] = {}
        for name, value in names.items():
            self._by_key.setdefault(compact_key(name), []).append((nfc(name), value))
        self._keys = list(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def match(self, read: str, variants: tuple[str, ...] = ()) -> FuzzyMatch[T]:
        """The known name closest to `read` (or to one of its `variants`, each at +1 edit)."""
        folded = compact_key(read)
        if not folded:
            return FuzzyMatch(None, None, None, 0.0, "nothing to match")
        scored: dict[str, int] = {}
        for i, probe in enumerate((folded, *map(compact_key, variants))):
            extra = 0 if i == 0 else 1
            for cand, dist, _ in extract(probe, self._keys, scorer=Levenshtein.distance, limit=4):
                scored[cand] = min(scored.get(cand, 99), int(dist) + extra)
        if not scored:
            return FuzzyMatch(None, None, None, 0.0, "no known names")
        ranked = sorted(scored.items(), key=lambda kv: kv[1])
        best_key, best = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 99
        runner = self._by_key[ranked[1][0]][0][0] if len(ranked) > 1 else None
        if best > tolerance(best_key):
            return FuzzyMatch(
                None, None, best, 0.0, f"{best} edits from the nearest known name", runner_up=runner
            )
        if second <= best:
            return FuzzyMatch(None, None, best, 0.0, "two known names equally close", runner_up=runner)
        name, value, accents = self._by_accents(read, self._by_key[best_key])
        if name is None:
            return FuzzyMatch(None, None, best, 0.0, ACCENTS_ONLY, runner_up=runner)
        confidence = _BY_DISTANCE.get(best, 0.0) - (_NARROW_MARGIN if second == best + 1 else 0.0)
        if best == 0 and not accents:
            confidence -= _LOST_MARKS
        if confidence < ACCEPT:
            return FuzzyMatch(
                None, None, best, round(confidence, 3), "too close to another known name", runner
            )
        return FuzzyMatch(value, name, best, round(confidence, 3), runner_up=runner)

    @staticmethod
    def _by_accents(read: str, entries: list[tuple[str, T]]) -> tuple[str | None, T | None, bool]:
        """Among names sharing one folded key, the one written with the read's accents: exactly,
        or nearer by two marks or more. 'Quang Bùnh' is one mark from huyện Quang Bình and two
        from tỉnh Quảng Bình: a lost hook is as likely as a misread mark, so neither is taken."""
        if len(entries) == 1:
            name, value = entries[0]
            return name, value, _words(name) == _words(read)
        scores = sorted((Levenshtein.distance(_words(read), _words(n)), n, v) for n, v in entries)
        if scores[0][0] == scores[1][0] or scores[0][0] and scores[1][0] - scores[0][0] < 2:
            return None, None, False
        return scores[0][1], scores[0][2], scores[0][0] == 0


def _words(text: str) -> str:
    return re.sub(r"[\W_]", "", nfc(text).lower())
