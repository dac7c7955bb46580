"""Vietnamese text hygiene: NFC, one tone-mark convention for search keys, diacritic folding.

Every function here maps an NFC string to a string of the SAME length (one character in, one
character out), so offsets found in a search key are offsets in the original text too. The index
relies on that to highlight matches of a folded query in the original text.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["canonical_tones", "fold", "folded_key", "nfc", "search_key"]

# The five tone marks; the other Vietnamese marks (circumflex, breve, horn) belong to the vowel.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_EXTRA_FOLDS = {"đ": "d", "Đ": "D"}

# Open syllables ending in oa / oe / uy, where the tone is written on either vowel
# (hòa / hoà, khỏe / khoẻ, thủy / thuỷ). Not after "q" (qu is a consonant), not when a
# consonant follows (hoàn, thuyền: the mark's place is fixed there).
_OPEN_SYLLABLE = re.compile(r"(?<![\wq])([^\W\d_]*?)(o[ae]|uy)(?!\w)", re.IGNORECASE)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@functools.cache
def _split_tone(char: str) -> tuple[str, str]:
    """('ờ') -> ('ơ', grave): the letter without its tone, and the tone (or '')."""
    parts = unicodedata.normalize("NFD", char)
    tone = "".join(c for c in parts if c in _TONES)
    base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
    return base, tone


def _with_tone(base: str, tone: str) -> str:
    return unicodedata.normalize("NFC", base + tone)


def _tone_on_first(onset: str, pair: str) -> str:
    """Rewrite one open oa/oe/uy syllable with its tone on the first vowel."""
    if onset.lower().endswith("q") or onset.lower() == "g":
        return onset + pair
    base1, tone1 = _split_tone(pair[0])
    base2, tone2 = _split_tone(pair[1])
    if tone2 and not tone1:
        return onset + _with_tone(base1, tone2) + base2
    return onset + pair


@functools.cache
def _toneless(char: str) -> str:
    base = _split_tone(char)[0]
    return base if len(base) == 1 else char


def canonical_tones(text: str) -> str:
    """Put the tone of open oa/oe/uy syllables on the first vowel: hoà -> hòa, thuỷ -> thủy."""
    text = nfc(text)
    skeleton = "".join(_toneless(c) for c in text)  # find syllables without their tones
    out = list(text)
    for match in _OPEN_SYLLABLE.finditer(skeleton):
        start, end = match.span()
        split = start + len(match.group(1))
        out[start:end] = _tone_on_first(text[start:split], text[split:end])
    return "".join(out)


def _fold_char(char: str) -> str:
    if char in _EXTRA_FOLDS:
        return _EXTRA_FOLDS[char]
    decomposed = unicodedata.normalize("NFD", char)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped if len(stripped) == 1 else char


def fold(text: str) -> str:
    """Remove every diacritic, đ->d: 'Đảng ủy Vĩnh Phúc' -> 'Dang uy Vinh Phuc'. Same length."""
    return "".join(_fold_char(c) for c in text)


def search_key(text: str) -> str:
    """The exact-form search key: NFC, lower case, one tone-mark convention."""
    return canonical_tones(nfc(text)).lower()


def folded_key(text: str) -> str:
    """The accent-insensitive search key: the search key with every diacritic folded."""
    return fold(search_key(text))
