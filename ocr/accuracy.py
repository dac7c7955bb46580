"""Accuracy of recognised text against ground truth: CER, WER, bag-of-words recall, order-free CER.

Pure functions. Texts are compared after NFC and with every whitespace run as one space.
Levenshtein distances are bit-parallel (Myers/Hyyrö), so whole pages compare in milliseconds.

The order-free CER is a simplified "flexible character accuracy" (Clausner, Pletschacher and
Antonacopoulos, 2020): each ground-truth line, longest first, is matched to its best fuzzy
occurrence anywhere in the recognised text, which is then used up; the characters left over count
as insertions. It does not penalise an engine that reads two side-by-side columns one after the
other while the ground truth interleaves them row by row.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Hashable, Sequence

from vntext.normalise import fold

__all__ = [
    "best_match",
    "bow_recall",
    "cer",
    "cer_folded",
    "levenshtein",
    "normalise_spaces",
    "order_free_cer",
    "wer",
]

_USED = "\x00"  # marks recognised characters already matched to a ground-truth line


def normalise_spaces(text: str) -> str:
    """NFC, every run of whitespace (line breaks included) as one space, no space at the ends."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _masks(pattern: Sequence[Hashable]) -> dict[Hashable, int]:
    masks: dict[Hashable, int] = {}
    for index, item in enumerate(pattern):
        masks[item] = masks.get(item, 0) | (1 << index)
    return masks


def levenshtein(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Edit distance (insert, delete, substitute) between two strings or two token lists."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    full = (1 << len(a)) - 1
    last = 1 << (len(a) - 1)
    masks = _masks(a)
    plus, minus, score = full, 0, len(a)
    for item in b:
        eq = masks.get(item, 0)
        xv = eq | minus
        xh = (((eq & plus) + plus) ^ plus) | eq
        hp = minus | ~(xh | plus)
        hm = plus & xh
        if hp & last:
            score += 1
        elif hm & last:
            score -= 1
        hp = (hp << 1) | 1
        hm = hm << 1
        plus = (hm | ~(xv | hp)) & full
        minus = (hp & xv) & full
    return score


def _best_end(pattern: str, text: str) -> tuple[int, int]:
    """(distance, end): the least edit distance of `pattern` to a substring of `text` ending at
    `end` (exclusive); the first such end. Myers' search: a match may start anywhere."""
    full = (1 << len(pattern)) - 1
    last = 1 << (len(pattern) - 1)
    masks = _masks(pattern)
    plus, minus, score = full, 0, len(pattern)
    best, best_end = score, 0
    for index, char in enumerate(text):
        eq = masks.get(char, 0)
        xv = eq | minus
        xh = (((eq & plus) + plus) ^ plus) | eq
        hp = minus | ~(xh | plus)
        hm = plus & xh
        if hp & last:
            score += 1
        elif hm & last:
            score -= 1
        hp = hp << 1  # no carry in: starting anywhere in the text is free
        hm = hm << 1
        plus = (hm | ~(xv | hp)) & full
        minus = (hp & xv) & full
        if score < best:
            best, best_end = score, index + 1
    return best, best_end


def best_match(pattern: str, text: str) -> tuple[int, int, int]:
    """(distance, start, end) of the substring of `text` closest to `pattern` by edit distance."""
    if not pattern:
        return 0, 0, 0
    if not text:
        return len(pattern), 0, 0
    distance, end = _best_end(pattern, text)
    if end == 0:
        return distance, 0, 0
    _, reversed_end = _best_end(pattern[::-1], text[:end][::-1])
    return distance, end - reversed_end, end


def cer(recognised: str, truth: str) -> float:
    """Character error rate: edit distance over the length of the truth (spaces normalised)."""
    truth = normalise_spaces(truth)
    return levenshtein(normalise_spaces(recognised), truth) / max(len(truth), 1)


def cer_folded(recognised: str, truth: str) -> float:
    """CER with every diacritic removed on both sides (đ -> d): errors of letters only."""
    return cer(fold(normalise_spaces(recognised)), fold(normalise_spaces(truth)))


def wer(recognised: str, truth: str) -> float:
    """Word error rate: token edit distance over the number of truth tokens."""
    truth_tokens = normalise_spaces(truth).split()
    return levenshtein(normalise_spaces(recognised).split(), truth_tokens) / max(len(truth_tokens), 1)


def bow_recall(recognised: str, truth: str) -> float:
    """Share of the truth's tokens (as a multiset) found among the recognised tokens; order-free."""
    truth_bag = Counter(normalise_spaces(truth).split())
    found = Counter(normalise_spaces(recognised).split())
    total = sum(truth_bag.values())
    return sum((truth_bag & found).values()) / total if total else 1.0


def order_free_cer(recognised: str, truth: str) -> float:
    """CER that ignores the order of the truth's lines (see the module docstring)."""
    lines = [normalise_spaces(line) for line in truth.splitlines()]
    lines = sorted((line for line in lines if line), key=len, reverse=True)
    available = "\n".join(normalise_spaces(line) for line in recognised.splitlines())
    errors = 0
    for line in lines:
        distance, start, end = best_match(line, available)
        errors += min(distance, len(line))
        if distance < len(line):
            available = available[:start] + _USED * (end - start) + available[end:]
    errors += sum(1 for char in available if char != _USED and not char.isspace())
    return errors / max(sum(len(line) for line in lines), 1)
