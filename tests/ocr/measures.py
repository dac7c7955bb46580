"""Text accuracy measures for OCR tests: edit distance and character error rate."""

from __future__ import annotations

import unicodedata

__all__ = ["cer", "levenshtein", "normalise_spaces"]


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insert, delete, substitute), bit-parallel (Myers/Hyyrö): fast on pages."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    full = (1 << len(a)) - 1
    last = 1 << (len(a) - 1)
    masks: dict[str, int] = {}
    for index, char in enumerate(a):
        masks[char] = masks.get(char, 0) | (1 << index)
    plus, minus, score = full, 0, len(a)
    for char in b:
        eq = masks.get(char, 0)
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


def normalise_spaces(text: str) -> str:
    """NFC, every run of whitespace (line breaks included) as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def cer(recognised: str, truth: str) -> float:
    """Character error rate of `recognised` against `truth`, whitespace runs counted as one space."""
    truth = normalise_spaces(truth)
    return levenshtein(normalise_spaces(recognised), truth) / max(len(truth), 1)
