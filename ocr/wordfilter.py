"""Which recognised words are text: noise tokens, specks read as letters and lines of them dropped,
doubled vowel marks repaired.

Tesseract reads what it is given: toner specks become `* + . R h` tokens, a rule line `—_`, a
signature `ẽ:..Ỏẳằ`. Three kinds of evidence tell them from text, none tied to a wording:
- shape: a token that is no Vietnamese syllable, number or notation, read with low confidence;
- size: letters are as tall as the page's letters; a speck read as "R" is a fraction of that
  (the reference is the median height of the page's confident syllables, so any type size or
  resolution works);
- company: a line with no word that stands on its own (a syllable of two letters or more, a
  number, a notation, a longer word read with confidence) is a line of specks.
Words whose boxes mostly cover one another, one's letters part of the other's, are one word
read twice; the surer one stays.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass
from itertools import groupby

from schemas import Word
from vntext.syllables import VOWELS, is_syllable, split_tone, token_kind

__all__ = ["FilteredWords", "filter_words", "is_noise_word", "reference_height", "repair_doubled_vowel"]

# Noise words: below this confidence, a token that is no syllable (and no number or notation)
# is dropped.
_NOISE_CONFIDENCE = 40.0
# Symbols that stand alone in Vietnamese administrative text (a dash in a list or in the motto,
# the closing "./.", an ellipsis); any other symbol-only token must be read with this confidence.
_PUNCTUATION = {"-", "–", "—", ".", ",", ";", ":", "(", ")", "/.", "./.", "...", "…", '"', "“", "”"}
_SURE_SYMBOL = 85.0
# A token of letters or digits lower than this share of the page's letter height is a speck.
_MIN_HEIGHT_SHARE = 0.4
# Confident syllables needed to measure the page's letter height.
_MIN_REFERENCE_WORDS = 3
# A word standing on its own: as tall as this share of the page's letters, and a syllable of two
# letters or more (however unsure: a real line read badly is still the line), a number or
# notation read at least _SOLID_OTHER sure, or a longer word read _SOLID_WORD sure.
_SOLID_HEIGHT_SHARE = 0.6
_SOLID_OTHER = 50.0
_SOLID_WORD = 70.0
# Words covering this share of the smaller one's box: one word read twice.
_DUPLICATE_OVERLAP = 0.6
# A số/ký hiệu as one word: up to 8 characters (the number, however misread: '7ó0'), a slash,
# and a code of capitals with its hyphenated parts ('7ó0/BC-UBND', '184ó/UBND-KHTC'); or a
# Party document's '12-NQ/TU'. The engine is unsure of such a word (digits glued to a code no
# dictionary knows) however well it reads; the reader of the metadata judges the number.
_NOTATION = re.compile(
    r"^[^\s/]{1,8}/[A-ZĐ][A-ZĐa-z0-9]{0,9}(?:[-/][A-ZĐ][A-ZĐa-z0-9]{0,9})+[.,;:]?$"
    r"|^[^\s/-]{1,6}-[A-ZĐ][A-Za-zĐ]{0,3}/[A-ZĐ][A-ZĐ0-9]{0,5}[.,;:]?$"
)


@dataclass(frozen=True)
class FilteredWords:
    words: list[Word]  # kept, in reading order
    dropped: int  # tokens dropped as noise
    repaired: list[str]  # "Truyêền>Truyền"


def is_noise_word(word: Word) -> bool:
    """A word that is most likely not text: symbols only, or an unreadable token, read with low
    confidence (never a syllable, a number or a notation, nor a word shaped like a số/ký hiệu
    whose number the engine misread)."""
    text = word.text.strip()
    if _NOTATION.match(text) and any(c.isdigit() for c in text.split("/")[0]):
        return False
    if not any(c.isalnum() for c in text):
        if text in _PUNCTUATION:
            return False
        return word.confidence < _SURE_SYMBOL
    return word.confidence < _NOISE_CONFIDENCE and token_kind(text) == "invalid"


def reference_height(words: list[Word]) -> float | None:
    """Median box height of the confident syllables of two letters or more (None: too few)."""
    heights = [
        w.box.height
        for w in words
        if w.confidence >= 70 and len(_core(w.text)) >= 2 and token_kind(w.text) == "syllable"
    ]
    return float(statistics.median(heights)) if len(heights) >= _MIN_REFERENCE_WORDS else None


def repair_doubled_vowel(token: str) -> str:
    """'Truyêền' -> 'Truyền': a vowel read twice, once bare and once with its marks, becomes the
    marked one when that makes a syllable (and the token was none). Else the token unchanged."""
    if token_kind(token) != "invalid":
        return token
    letters = list(token)
    for index in range(len(letters) - 1):
        first, second = letters[index], letters[index + 1]
        if not (_vowel(first) and _vowel(second)) or _bare(first) != _bare(second):
            continue
        for drop in (index, index + 1):
            candidate = "".join(letters[:drop] + letters[drop + 1 :])
            if token_kind(candidate) == "syllable" and is_syllable(_core(candidate)):
                return candidate
    return token


def filter_words(words: list[Word]) -> FilteredWords:
    """The words that are text, doubled vowels repaired (pure; reading order kept)."""
    height = reference_height(words)
    kept: list[Word] = []
    repaired: list[str] = []
    for word in words:
        if is_noise_word(word) or _speck(word, height):
            continue
        fixed = repair_doubled_vowel(word.text)
        if fixed != word.text:
            repaired.append(f"{word.text}>{fixed}")
            word = word.model_copy(update={"text": fixed})
        kept.append(word)
    kept = _without_duplicates(kept)
    lines = []
    for _, group in groupby(kept, key=lambda w: (w.block, w.line)):
        line = list(group)
        if any(_solid(w, height) for w in line):
            lines.extend(line)
    return FilteredWords(lines, len(words) - len(lines), repaired)


def _core(text: str) -> str:
    return text.strip(".,;:!?()[]{}\"'“”‘’«»…*/-–—")


def _bare(char: str) -> str:
    return unicodedata.normalize("NFD", char.lower())[0]


def _vowel(char: str) -> bool:
    return split_tone(char)[0][:1] in VOWELS


def _speck(word: Word, height: float | None) -> bool:
    if height is None or not any(c.isalnum() for c in word.text):
        return False
    return word.box.height < _MIN_HEIGHT_SHARE * height


def _solid(word: Word, height: float | None) -> bool:
    if height is not None and word.box.height < _SOLID_HEIGHT_SHARE * height:
        return False
    core = _core(word.text)
    kind = _kind(word.text)
    if kind == "syllable":
        return len(core) >= 2 or word.confidence >= _SURE_SYMBOL
    if kind == "other" and core:
        digits = any(c.isdigit() for c in core)
        return word.confidence >= _SOLID_OTHER and (digits or len(core) >= 2)
    return len(core) >= 3 and word.confidence >= _SOLID_WORD  # a foreign word, a name: Lênin


def _kind(text: str) -> str:
    """`token_kind`, words run together at a comma judged one by one ("CVP,PCVP;": other)."""
    parts = [part for part in text.split(",") if part.strip(".;:")]
    if len(parts) < 2:
        return token_kind(text)
    kinds = {token_kind(part) for part in parts}
    if "invalid" in kinds:
        return "invalid"
    return "syllable" if kinds == {"syllable"} else "other"


def _without_duplicates(words: list[Word]) -> list[Word]:
    """Of two words on one line whose boxes mostly cover each other, the surer one."""
    out: list[Word] = []
    for word in words:
        previous = out[-1] if out else None
        twice = previous is not None and previous.line == word.line and _same_letters(previous, word)
        if twice and _overlap(previous, word) >= _DUPLICATE_OVERLAP:
            if word.confidence > previous.confidence:
                out[-1] = word
            continue
        out.append(word)
    return out


def _same_letters(a: Word, b: Word) -> bool:
    """The shorter word's letters (folded) are part of the longer one's: "P" in "PHÚC"."""
    short, long = sorted((_letters(a.text), _letters(b.text)), key=len)
    return bool(short) and short in long


def _letters(text: str) -> str:
    return "".join(_bare(c) for c in text if c.isalnum())


def _overlap(a: Word, b: Word) -> float:
    left, right = max(a.box.left, b.box.left), min(a.box.left + a.box.width, b.box.left + b.box.width)
    top, bottom = max(a.box.top, b.box.top), min(a.box.top + a.box.height, b.box.top + b.box.height)
    if right <= left or bottom <= top:
        return 0.0
    smaller = min(a.box.width * a.box.height, b.box.width * b.box.height)
    return (right - left) * (bottom - top) / max(smaller, 1)
