"""OCR-tolerant string helpers: folded upper-case keys, digit repair, frame stripping.

`key()` is length-preserving (one character in, one out), so a span found in the key is the
same span in the original text: match on the key, read the value from the original.
"""

from __future__ import annotations

import re

from vntext.normalise import fold, nfc

# Characters an OCR engine reads for digits inside a run that must be numeric.
_DIGIT_LOOKALIKES = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "!": "1", "i": "1", "S": "5", "B": "8"}
)
# ... and for letters inside a run that must be alphabetic (a type abbreviation).
_LETTER_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "|": "I", "8": "B", "5": "S", "6": "G"})
_SPACES = re.compile(r"\s+")
# Box borders, rules and stray punctuation around a stamp or a mark.
_FRAME = " \t|[](){}<>_=~*.,:;'\"`“”‘’«»-–—¬^°•+/\\"
# What fills a field of a printed form left for a hand ('Số: ……/KH', 'ngày …… tháng').
BLANK = " \t.…_·,:;-"


def clean(text: str) -> str:
    """NFC with runs of white space collapsed to one space."""
    return _SPACES.sub(" ", nfc(text)).strip()


def key(text: str) -> str:
    """Folded upper-case form of `text`, same length: 'Số: 15/QĐ' -> 'SO: 15/QD'."""
    folded = fold(nfc(text))
    return "".join(c.upper() if len(c.upper()) == 1 else c for c in folded)


def compact_key(text: str) -> str:
    """Folded upper case with everything but letters and digits removed: 'V/v:' -> 'VV'."""
    return re.sub(r"[^A-Z0-9]", "", key(text))


def strip_frame(text: str) -> str:
    """Remove box borders and stray punctuation around a stamp: '| MẬT |' -> 'MẬT'."""
    return text.strip(_FRAME)


def as_digits(text: str) -> str:
    """Repair digit look-alikes in a run that must be a number: 'l2O' -> '120'."""
    return text.translate(_DIGIT_LOOKALIKES)


def as_letters(text: str) -> str:
    """Repair letter look-alikes in a run that must be letters: 'Q0' -> 'QO'."""
    return text.translate(_LETTER_LOOKALIKES)


def letters(text: str) -> str:
    return "".join(c for c in text if c.isalpha())


def is_upper_line(text: str, *, minimum: int = 3) -> bool:
    """True when the line has at least `minimum` letters and (nearly) all are capitals."""
    chars = letters(text)
    if len(chars) < minimum:
        return False
    upper = sum(1 for c in chars if c.isupper())
    return upper / len(chars) >= 0.85


def starts_lower(text: str) -> bool:
    chars = letters(text[:3])
    return bool(chars) and chars[0].islower()


def split_words(text: str) -> tuple[str, ...]:
    """A word list written as one string (compact reference tables)."""
    return tuple(text.split())
