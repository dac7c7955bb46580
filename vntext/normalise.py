"""Vietnamese text hygiene: NFC, one tone-mark convention for search keys, diacritic folding.

The search keys (`canonical_tones`, `fold`, `search_key`, `folded_key`) map an NFC string to a
string of the SAME length (one character in, one character out), so offsets found in a search key
are offsets in the original text too. The index relies on that to highlight matches of a folded
query in the original text.

The OCR hygiene functions (`fix_foreign_letters`, `join_hyphenated_lines`, `clean_ocr_text`) may
change the length: they repair what an engine read (letters Vietnamese never uses, words broken
at a line end).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

from vntext.syllables import is_syllable

__all__ = [
    "canonical_tones",
    "clean_ocr_text",
    "fix_foreign_letters",
    "fold",
    "folded_key",
    "foreign_letters",
    "join_hyphenated_lines",
    "nfc",
    "search_key",
]

# The five tone marks; the other Vietnamese marks (circumflex, breve, horn) belong to the vowel.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_EXTRA_FOLDS = {"đ": "d", "Đ": "D"}

# Open syllables ending in oa / oe / uy, where the tone is written on either vowel
# (hòa / hoà, khỏe / khoẻ, thủy / thuỷ). Not after "q" (qu is a consonant), not when a
# consonant follows (hoàn, thuyền: the mark's place is fixed there). _OPEN_SYLLABLE (below)
# finds them.


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


def _toned_forms(letter: str) -> str:
    """A regex character class body: `letter` in both cases, bare or with any tone mark.

    Every precomposed character whose toneless form is a Latin vowel lies in Latin-1 Supplement,
    Latin Extended-A/B or Latin Extended Additional (tests check the whole of Unicode)."""
    codes = [*range(0xC0, 0x300), *range(0x1E00, 0x1F00)]
    forms = {letter.lower(), letter.upper()}
    forms.update(chr(code) for code in codes if _toneless(chr(code)).lower() == letter)
    return "".join(sorted(forms))


# An open oa/oe/uy syllable, found in the text itself (no toneless copy of the text is made):
# each vowel of the pair matches its bare and toned forms. A letter and its toneless form are
# alike for \w and [^\W\d_], so the syllables are the matches of
# (?<![\wq])([^\W\d_]*?)(o[ae]|uy)(?!\w) on the text with its tone marks removed. They are found
# from their end: two vowels that end a word (_WORD_END: the classes hold both cases of every
# form, so no IGNORECASE is needed; the scan then runs in C at ~20 us a page instead of ~160), the
# pair checked, then the letters before it, the onset, which must start a word.
_O, _A, _E, _U, _Y = (_toned_forms(v) for v in "oaeuy")
_WORD_END = re.compile(rf"[{_O}{_U}][{_A}{_E}{_Y}](?!\w)")
_FIRST_OF = {**dict.fromkeys(_O, frozenset(_A + _E)), **dict.fromkeys(_U, frozenset(_Y))}


def _letter(char: str) -> bool:
    r"""[^\W\d_] as the re module reads it: alphanumeric, not a decimal digit (nor "_")."""
    return char.isalnum() and not char.isdecimal()


def _open_syllables(text: str) -> Iterator[tuple[int, int, int]]:
    """(start, start of the vowel pair, end) of each open oa/oe/uy syllable of `text`."""
    for match in _WORD_END.finditer(text):
        split, end = match.span()
        if text[split + 1] not in _FIRST_OF.get(text[split], ()):
            continue  # o+y, u+a, u+e: not a pair
        start = split
        while start and _letter(text[start - 1]):
            start -= 1
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue  # the word begins with a digit or "_": not a syllable (\w before it)
        yield start, split, end


def canonical_tones(text: str) -> str:
    """Put the tone of open oa/oe/uy syllables on the first vowel: hoà -> hòa, thuỷ -> thủy."""
    text = nfc(text)
    out: list[str] | None = None
    for start, split, end in _open_syllables(text):
        rewritten = _tone_on_first(text[start:split], text[split:end])
        if rewritten != text[start:end]:
            out = out or list(text)
            out[start:end] = rewritten
    return text if out is None else "".join(out)


def _fold_char(char: str) -> str:
    if char in _EXTRA_FOLDS:
        return _EXTRA_FOLDS[char]
    decomposed = unicodedata.normalize("NFD", char)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped if len(stripped) == 1 else char


class _FoldTable(dict[int, str]):
    """A `str.translate` table that folds each character the first time it is seen."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Remove every diacritic, đ->d: 'Đảng ủy Vĩnh Phúc' -> 'Dang uy Vinh Phuc'. Same length."""
    return text.translate(_FOLD_TABLE)


def search_key(text: str) -> str:
    """The exact-form search key: NFC, lower case, one tone-mark convention."""
    return canonical_tones(nfc(text)).lower()


def key_or_none(value: str | None) -> str | None:
    """The search key of a field value; None for a missing or empty one."""
    return search_key(value.strip()) if value else None


def folded_key(text: str) -> str:
    """The accent-insensitive search key: the search key with every diacritic folded."""
    return fold(search_key(text))


# --- OCR hygiene ---------------------------------------------------------------------------------

_VOWEL_MARKS = {"\u0302", "\u0306", "\u031b"}  # circumflex (â ê ô), breve (ă), horn (ơ ư)
_MARKED_BASES = {"\u0302": "aeo", "\u0306": "a", "\u031b": "ou"}
_VOWEL_BASES = set("aeiouyAEIOUY")
# Marks Vietnamese never writes -> the Vietnamese mark that looks most alike on that base
# ("" drops the mark). Diaeresis and caron read for a circumflex, a ring for a breve, a cedilla or
# ogonek for the dot below, a double acute for an acute.
_MARK_FIXES: dict[str, dict[str, str]] = {
    "\u0308": {"aeo": "\u0302"},
    "\u030c": {"aeo": "\u0302"},
    "\u030a": {"a": "\u0306"},
    "\u0327": {"aeiouy": "\u0323"},
    "\u0328": {"aeiouy": "\u0323"},
    "\u030b": {"aeiouy": "\u0301"},
    "\u0304": {},
    "\u0307": {},
    "\u0311": {},
}
# Letters without a decomposition that stand for a Vietnamese one.
_LETTER_FIXES = {"ð": "đ", "Ð": "Đ", "ø": "ơ", "Ø": "Ơ", "ı": "i", "ł": "l", "Ł": "L"}


def _clusters(text: str) -> list[str]:
    """NFD grapheme clusters: a base character and the combining marks after it."""
    clusters: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if clusters and unicodedata.combining(char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _is_vietnamese_letter(cluster: str) -> bool:
    base, marks = cluster[0], cluster[1:]
    if not marks:
        return True
    vowel_marks = [m for m in marks if m in _VOWEL_MARKS]
    tones = [m for m in marks if m in _TONES]
    if len(vowel_marks) + len(tones) != len(marks) or len(vowel_marks) > 1 or len(tones) > 1:
        return False
    if vowel_marks and base.lower() not in _MARKED_BASES[vowel_marks[0]]:
        return False
    return not tones or base in _VOWEL_BASES


def _fix_cluster(cluster: str) -> str:
    base, marks = cluster[0], cluster[1:]
    if base in _LETTER_FIXES:
        return _LETTER_FIXES[base] + marks
    kept = []
    for mark in marks:
        if mark in _MARK_FIXES:
            fixes = _MARK_FIXES[mark]
            mark = next((new for bases, new in fixes.items() if base.lower() in bases), "")
        if mark and _is_vietnamese_letter(base + "".join(kept) + mark):
            kept.append(mark)
    return base + "".join(kept)


def foreign_letters(text: str) -> list[str]:
    """The letters in `text` that Vietnamese never writes (ö, ï, ñ, å, ð, ...), in order."""
    found = []
    for cluster in _clusters(text):
        if not cluster[0].isalpha():
            continue
        if cluster[0] in _LETTER_FIXES or not _is_vietnamese_letter(cluster):
            found.append(unicodedata.normalize("NFC", cluster))
        elif not cluster[0].isascii() and cluster[0] not in "đĐ":
            found.append(unicodedata.normalize("NFC", cluster))  # ß, æ, Cyrillic, Greek, ...
    return found


def fix_foreign_letters(text: str) -> tuple[str, list[str]]:
    """Replace letters Vietnamese never writes by the closest Vietnamese letter (ö -> ô, å -> ă,
    ï -> i, ñ -> n, ð -> đ); letters with no close one (ß, æ) are kept and listed.

    Returns the NFC text and what was found, as "ö>ô" for a replacement or "ß" for a letter kept.
    """
    out, notes = [], []
    for cluster in _clusters(text):
        if cluster[0].isalpha() and (cluster[0] in _LETTER_FIXES or not _is_vietnamese_letter(cluster)):
            fixed = _fix_cluster(cluster)
            notes.append(f"{nfc(cluster)}>{nfc(fixed)}")
            cluster = fixed
        elif cluster[0].isalpha() and not cluster[0].isascii() and cluster[0] not in "đĐ":
            notes.append(nfc(cluster))
        out.append(cluster)
    return nfc("".join(out)), notes


_LINE_END_HYPHEN = re.compile(r"(\w+)-\n[ \t]*(\w+)")


def _join(match: re.Match[str]) -> str:
    left, right = match.group(1), match.group(2)
    whole = is_syllable(left + right) and not (is_syllable(left) and is_syllable(right))
    if right[0].isalpha() and whole:
        return left + right  # one syllable broken by the hyphenation: nghi-|ệp
    return f"{left}-{right}"  # a hyphenated word or notation broken at its hyphen: Xô-|viết, QĐ-|UBND


def join_hyphenated_lines(text: str) -> str:
    """Join words hyphenated at a line end. The hyphen stays when it belongs to the word
    (Xô-viết, 2154/QĐ-UBND) and goes when it split one syllable. A dash after a space is text."""
    return _LINE_END_HYPHEN.sub(_join, text)


def clean_ocr_text(text: str) -> tuple[str, list[str]]:
    """NFC, foreign letters replaced, hyphenated line ends joined; with the notes of
    `fix_foreign_letters`."""
    fixed, notes = fix_foreign_letters(nfc(text))
    return join_hyphenated_lines(fixed), notes
