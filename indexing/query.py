"""Free-text query parsing shared by every index backend (pure, no I/O).

Bare words are ANDed; text in "double quotes" is a phrase. Everything a user types is reduced to
word tokens (letters and digits, as SQLite FTS5's unicode61 tokenizer cuts them), so operators and
special characters of a search engine (AND, OR, NEAR, *, ^, :, parentheses, -) are plain text and
never reach the engine as syntax. Each part carries its exact key (NFC, lower case, one tone-mark
convention) and its folded key (no diacritics, đ -> d), as vntext.normalise builds them for the index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vntext.normalise import fold, nfc, search_key

__all__ = ["ParsedQuery", "QueryPart", "parse_query", "token_spans", "word_spans"]

# A token starts with a letter, digit or private-use character and may go on with combining marks
# (unicode61 keeps a diacritic inside a token but not at its start). `[^\W_]` is letters + digits.
_PRIVATE_USE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_COMBINING = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_TOKEN = re.compile(rf"(?:[^\W_]|[{_PRIVATE_USE}])(?:[^\W_]|[{_PRIVATE_USE}{_COMBINING}])*")
# Typographic double quotes count as quotes: phones and word processors type them.
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"'})


@dataclass(frozen=True)
class QueryPart:
    """One bare word or one quoted phrase. Its tokens must appear next to each other, in order.

    A bare word can hold several tokens ("QĐ-UBND" -> qđ, ubnd); it then matches like a phrase.
    """

    text: str  # as typed (NFC)
    exact: tuple[str, ...]  # tokens of the exact search key
    folded: tuple[str, ...]  # the same tokens with every diacritic folded
    phrase: bool  # typed in double quotes


@dataclass(frozen=True)
class ParsedQuery:
    """The parts of a query in the order typed, without repeats. No parts: match everything."""

    parts: tuple[QueryPart, ...] = ()

    @property
    def terms(self) -> tuple[QueryPart, ...]:
        return tuple(part for part in self.parts if not part.phrase)

    @property
    def phrases(self) -> tuple[QueryPart, ...]:
        return tuple(part for part in self.parts if part.phrase)

    @property
    def is_empty(self) -> bool:
        return not self.parts


def token_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every word token in `text`, cut the way FTS5 unicode61 cuts it."""
    return [match.span() for match in _TOKEN.finditer(text)]


# What goes on a token after its first character, and the usual separators (decided without it).
_GOES_ON = re.compile(rf"[^\W_]|[{_PRIVATE_USE}{_COMBINING}]")
_MARK = re.compile(rf"[{_COMBINING}]")
_SEPARATORS = frozenset(" \n\t\r.,;:!?-/()[]\"'")


def _continues(char: str) -> bool:
    if char in _SEPARATORS:
        return False
    return char.isalnum() or _GOES_ON.match(char) is not None


def word_spans(text: str, word: str) -> list[tuple[int, int]] | None:
    """(start, end) of every token of `text` that is exactly `word` (one token), as
    `token_spans` cuts it, found by substring search (much faster than cutting the whole text);
    None where a combining mark stands right before an occurrence (only cutting can tell)."""
    spans, at, size = [], text.find(word), len(word)
    while at >= 0:
        end = at + size
        whole = True
        if at > 0:
            before = text[at - 1]
            if before not in _SEPARATORS and (before.isalnum() or _GOES_ON.match(before)):
                if _MARK.match(before):
                    return None
                whole = False
        if whole and (end == len(text) or not _continues(text[end])):
            spans.append((at, end))
        at = text.find(word, end if whole else at + 1)
    return spans


def tokens_after(text: str, at: int, count: int) -> list[tuple[int, int]]:
    """(start, end) of the next `count` tokens from `at` (the end of a token), or fewer."""
    found = []
    for match in _TOKEN.finditer(text, at):
        found.append(match.span())
        if len(found) == count:
            break
    return found


def _part(text: str, phrase: bool) -> QueryPart | None:
    key = search_key(text)
    exact = tuple(key[start:end] for start, end in token_spans(key))
    if not exact:
        return None
    return QueryPart(text=text, exact=exact, folded=tuple(fold(t) for t in exact), phrase=phrase)


def _segments(q: str) -> list[tuple[str, bool]]:
    """Split on double quotes: (text, quoted). An unbalanced last quote is ignored."""
    pieces = q.translate(_QUOTES).split('"')
    balanced = len(pieces) % 2 == 1
    return [
        (piece, index % 2 == 1 and (balanced or index < len(pieces) - 1))
        for index, piece in enumerate(pieces)
    ]


def parse_query(q: str) -> ParsedQuery:
    """Parse free text: bare words are ANDed, "double quotes" make a phrase."""
    parts: list[QueryPart] = []
    for segment, quoted in _segments(nfc(q)):
        texts = [segment.strip()] if quoted else segment.split()
        for text in texts:
            part = _part(text, phrase=quoted)
            if part is not None and all(p.exact != part.exact for p in parts):
                parts.append(part)
    return ParsedQuery(tuple(parts))
