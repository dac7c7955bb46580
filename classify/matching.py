"""Keyword matching for rules: accents optional where the text LOST them, never across
different accents ('họp' matches 'hop' read without marks, but not 'hộp' or 'hợp')."""

from __future__ import annotations

import re

from vntext.normalise import fold, search_key

__all__ = ["find_keyword", "find_pattern", "normalise"]

LOST_MARKS = 0.85  # confidence factor when the text matched only without its accents


def normalise(text: str) -> str:
    """Search key with punctuation turned into spaces and spaces collapsed."""
    return " ".join(re.sub(r"[^\w\s]", " ", search_key(text)).split())


def _compatible(span: str, needle: str) -> bool:
    """Every character equal, or the text's one is the keyword's with its marks lost."""
    return all(a == b or a == fold(b) for a, b in zip(span, needle, strict=True))


def find_keyword(keyword: str, text: str) -> tuple[str, float, int] | None:
    """(matched text, confidence factor, offset in `normalise(text)`) of `keyword` in `text`,
    word-bounded."""
    hay = normalise(text)
    needle = normalise(keyword)
    if not needle:
        return None
    exact = re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", hay)
    if exact:
        return exact.group(0), 1.0, exact.start()
    folded_hay = fold(hay)
    for match in re.finditer(rf"(?<!\w){re.escape(fold(needle))}(?!\w)", folded_hay):
        span = hay[match.start() : match.end()]
        if _compatible(span, needle):
            return span, LOST_MARKS, match.start()
    return None


def find_pattern(pattern: str, text: str) -> tuple[str, int] | None:
    """A regular expression over the folded lower-case text; the matched text and offset."""
    hay = fold(normalise(text))
    match = re.search(pattern, hay)
    return (match.group(0), match.start()) if match else None
