"""Search keys for whole page texts, computed fast enough for indexing and snippets.

vntext.normalise defines the keys. fold() works one character at a time, so a cached per-character
table gives the same result as calling it, at a dictionary lookup per character.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vntext.normalise import fold, search_key

__all__ = ["folded_view", "page_keys"]


class _CharTable(dict[int, str]):
    """A str.translate table that computes each character's mapping once, on first use."""

    def __init__(self, rule: Callable[[str], str]) -> None:
        super().__init__()
        self._rule = rule

    def __missing__(self, code: int) -> str:
        value = self[code] = self._rule(chr(code))
        return value


class _CodeMap:
    """A one-character-to-one-character map of whole strings, applied as an array of code points
    (~20 us a 2,000-character page where str.translate takes ~100-180 us); a character met for
    the first time is mapped by `rule`, which must give exactly one character."""

    def __init__(self, rule: Callable[[str], str]) -> None:
        self._rule = rule
        self._lookup = np.arange(0x110000, dtype=np.uint32)  # code point -> its image, once known
        self._known = np.zeros(0x110000, dtype=bool)

    def __call__(self, text: str) -> str:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        unknown = ~self._known[codes]
        if unknown.any():
            for code in np.unique(codes[unknown]):
                self._lookup[code] = ord(self._rule(chr(code)))
                self._known[code] = True
        return self._lookup[codes].tobytes().decode("utf-32-le", "surrogatepass")


# fold() maps each character to exactly one (vntext.normalise._fold_char)
_FOLD = _CodeMap(fold)
# One character out per character in, even where lower() would add one ("İ" -> "i̇").
_LOWER_FOLD = _CharTable(lambda char: fold(char.lower())[0])
_FOLDED_VIEW = _CodeMap(lambda char: _LOWER_FOLD[ord(char)])


def page_keys(text: str) -> tuple[str, str]:
    """(exact, folded) keys of NFC `text`: search_key(text) and folded_key(text)."""
    exact = search_key(text)
    return exact, _FOLD(exact)


def folded_view(text: str) -> str:
    """The folded key of NFC `text` with exactly one character per character of `text`.

    Tone placement does not matter once tones are folded away, so this equals folded_key(text)
    wherever lower case keeps the length; offsets found in it are offsets in `text`. A character
    is folded by the same rule as `_LOWER_FOLD`."""
    return _FOLDED_VIEW(text)
