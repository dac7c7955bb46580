"""A second reading of the số (the number of 'Số: 760/BC-UBND') when the first was refused only
because the engine was unsure of it.

Tesseract gives a low confidence (0.18-0.46) to a number glued to its ký hiệu however well it
reads it, and classify.extract leaves such a number empty: a hand's digits come out unsure too
(classify.handwriting.hand_filled). A glyph read beside the digit it stands for ('2488§',
'796ó': one digit read twice) is left empty as well. `number_gap` finds such a Số line on page
1. Only a printed number is read again: its digits glued to the ký hiệu in one word
('7ó0/BC-UBND'), as a typed number is. A number written by hand into the blank of 'Số:
…/QĐ-UBND' stands apart from the slash (and is often taller, or no digits at all): it is never
read again, never guessed (tuning split: all 16 hand-filled numbers stand apart).

The application reads the line again from the scan (colour dropped: a hand's blue ink goes
pale), and `judge` weighs each reading: the two readings AGREE when the second parses as a Số
line with the same ký hiệu, a number the first reading can stand for, glued to it, and the
engine is at least MIN_CONFIDENCE sure of that word; they DISAGREE when it gives another number
(the number stays empty, for a person: the extractor's review reason); anything else tells
nothing and the next preparation of the image is tried. `agreed` is what the extractor asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from classify.handwriting import MIN_CONFIDENCE as FIRST_FLOOR
from classify.handwriting import hand_filled
from classify.header import read_header
from classify.layout import Line
from classify.norm import compact_key
from classify.notation import GLYPH_DIGITS, Notation, parse_number_line
from classify.orgname import clean_header_line, initials, merge_lines

__all__ = [
    "LOST",
    "LOST_MIN_CONFIDENCE",
    "LOST_SINGLE_CONFIDENCE",
    "LostNumberGap",
    "MIN_CONFIDENCE",
    "NumberGap",
    "NumberReading",
    "agreed",
    "candidates",
    "judge",
    "judge_lost",
    "lost_number_gap",
    "number_gap",
    "resolve",
]

# The engine's confidence (0-1) in the number's word of the second reading for the readings
# to agree. Tuning split (500 pages): right numbers read again at 0.86-0.92; a number read
# wrong the first time (3330 for 2220, 009 for 999) was read again as another number.
MIN_CONFIDENCE = 0.85

# A Số line the first reading lost, read from the header's left column: a single reading is
# taken only this sure, and with the issuer's own code in its ký hiệu.
LOST_SINGLE_CONFIDENCE = 0.9
# ... and two readings that agree, each at least this sure. Tuning split, every Số line taken as
# lost (251 documents): agreeing readings of the right number at 0.70-0.93; the one agreeing on a
# wrong number (3320 for 2220) at 0.48.
LOST_MIN_CONFIDENCE = 0.8
# NumberReading.index of a number read from a Số line the first reading did not give.
LOST = -1
_LOST_LINES = 4  # line heights under the issuer's name read again

Verdict = Literal["agree", "disagree", "unsure"]
Words = Sequence[tuple[str, float]]  # one line of the engine's words: text, confidence 0-1


@dataclass(frozen=True)
class NumberGap:
    """The Số line of page 1 whose number was left empty as unsure: where it is (page, line
    index, upright box), its text, the numbers the first reading may stand for, the ký hiệu."""

    page: int
    index: int
    text: str
    box: tuple[int, int, int, int]
    numbers: tuple[str, ...]
    notation: str


@dataclass(frozen=True)
class NumberReading:
    """The number both readings give, the Số line as read again and the engine's confidence
    (0-1) in the number's word there."""

    page: int
    index: int
    number: str
    text: str
    confidence: float


@dataclass(frozen=True)
class LostNumberGap:
    """Page 1 with no Số line read: the header's left column under the issuer's name (page,
    upright box), where Decree 30 puts 'Số: …/…', and the issuer's initials ('UBND', 'STC')."""

    page: int
    box: tuple[int, int, int, int]
    expected: tuple[str, ...]
    height: int  # the issuer lines' height (px): the letters' scale


def lost_number_gap(doc: list[list[Line]]) -> LostNumberGap | None:
    """The region under the issuer's name on page 1 when the first reading gave no Số line at
    all (and an issuer); None otherwise."""
    first = doc[0] if doc else []
    header = read_header(first)
    if header.number is not None or not header.issuer_lines:
        return None
    boxes = [x.box for x in header.issuer_lines if x.box is not None]
    if not boxes:
        return None
    tall = sorted(b[3] - b[1] for b in boxes)[len(boxes) // 2]
    top = max(b[3] for b in boxes)
    box = (min(b[0] for b in boxes) - tall, top, max(b[2] for b in boxes) + tall, top + _LOST_LINES * tall)
    merged = merge_lines([clean_header_line(x.text) for x in header.issuer_lines])
    expected = tuple(compact_key(code) for code in (initials(x) for x in merged if x) if code)
    return LostNumberGap(header.issuer_lines[0].page, box, expected, tall)


def judge_lost(gap: LostNumberGap, readings: Sequence[Words]) -> NumberReading | None:
    """The number of a Số line the first reading lost, from the readings of the left column:
    two readings giving the same number and ký hiệu, each sure of the number glued to it; or one
    alone at LOST_SINGLE_CONFIDENCE whose ký hiệu holds the issuer's own code. None when any
    two readings give different numbers (for a person), or none is sure."""
    sure = [found for found in (_sure_line(words, LOST_MIN_CONFIDENCE) for words in readings) if found]
    if len({(n.number, compact_key(n.notation)) for n, _, _ in sure}) != 1:
        return None
    notation, text, confidence = min(sure, key=lambda x: x[2])
    if len(sure) < 2:
        codes = {compact_key(part) for part in notation.notation.replace("/", "-").split("-")}
        if confidence < LOST_SINGLE_CONFIDENCE or not codes & set(gap.expected):
            return None
    return NumberReading(gap.page, LOST, notation.number or "", text, confidence)


def _sure_line(words: Words, floor: float) -> tuple[Notation, str, float] | None:
    """A reading's Số line with its number glued to the ký hiệu and the engine at least `floor`
    sure of that word: the notation, the line and that confidence; None otherwise."""
    words = [(text.strip(), conf) for text, conf in words if text.strip()]
    text = " ".join(t for t, _ in words)
    found = parse_number_line(text)
    if found is None or found.number is None or found.number_span is None or found.repaired:
        return None
    start, end = found.number_span
    offsets = _offsets(words)
    held = [conf for (_, conf), (a, b) in zip(words, offsets, strict=True) if a < end and start < b]
    glued = end < len(text) and text[end] in "/-" and any(a < end < b for a, b in offsets)
    if not held or not glued or min(held) < floor:
        return None
    return found, text, round(min(held), 3)


def number_gap(doc: list[list[Line]]) -> NumberGap | None:
    """The first page's Số line when its printed number was refused as unsure (its confidence
    under classify.handwriting.MIN_CONFIDENCE, or a glyph beside the digit it stands for); None
    otherwise: nothing to read again."""
    first = doc[0] if doc else []
    found = read_header(first).number
    if found is None:
        return None
    notation, line = found
    numbers = candidates(notation, line)
    if not numbers or line.box is None:
        return None
    if notation.number is not None:
        why = hand_filled(line, notation.number_span, FIRST_FLOOR)
        if why is None or not why.startswith("engine confidence"):
            return None  # taken as read
    return NumberGap(line.page, line.index, line.text, line.box, numbers, notation.notation)


def candidates(notation: Notation, line: Line) -> tuple[str, ...]:
    """The numbers a printed number read on `line` may be: the number read ('760' from
    '7ó0'), or, for a glyph beside the digit it stands for, that digit once or twice ('2488§':
    2488 or 24888). None for a number that may be a hand's (not glued to its ký hiệu in one
    word) or was read from other lines (classify.header joins them: a hand's)."""
    span = notation.number_span
    if span is None or not line.words or not _glued(line, span, notation):
        return ()
    if notation.number is not None:
        return (notation.number,)
    return _doubled(notation.number_read or "")


def judge(gap: NumberGap, words: Words) -> tuple[Verdict, NumberReading | None]:
    """What one second reading of the Số line (its words in order) says of the first."""
    words = [(text.strip(), conf) for text, conf in words if text.strip()]
    text = " ".join(t for t, _ in words)
    again = parse_number_line(text)
    if again is None or again.number is None or again.number_span is None:
        return "unsure", None
    if again.number not in gap.numbers:
        return "disagree", None  # another number: which is right is for a person to say
    if compact_key(again.notation.replace("Ð", "Đ")) != compact_key(gap.notation.replace("Ð", "Đ")):
        return "unsure", None  # another ký hiệu: not the same line read, or read too badly
    start, end = again.number_span
    offsets = _offsets(words)
    held = [conf for (_, conf), (a, b) in zip(words, offsets, strict=True) if a < end and start < b]
    glued = end < len(text) and text[end] in "/-" and any(a < end < b for a, b in offsets)
    if not held or not glued or min(held) < MIN_CONFIDENCE:
        return "unsure", None
    return "agree", NumberReading(gap.page, gap.index, again.number, text, round(min(held), 3))


def resolve(gap: NumberGap, readings: Sequence[Words]) -> NumberReading | None:
    """The number the second readings (in the order made) give: the first that agrees with the
    first reading, unless one before it disagreed; None otherwise."""
    for words in readings:
        verdict, reading = judge(gap, words)
        if verdict != "unsure":
            return reading
    return None


def agreed(reading: NumberReading | None, notation: Notation, line: Line) -> str | None:
    """The number of `reading` when it is a second reading of this Số `line` that agrees with
    the number first read on it (None otherwise): what the extractor stores instead of leaving
    the number empty for its confidence."""
    if reading is None or reading.page != line.page or reading.index != line.index:
        return None
    return reading.number if reading.number in candidates(notation, line) else None


def _glued(line: Line, span: tuple[int, int], notation: Notation) -> bool:
    """The number's characters and the separator after them stand in one word of the engine
    ('760/BC-UBND', '12-NQ/TU'), as a typed number does; a hand's stands apart ('653 /QĐ-UBND')."""
    start, end = span
    token = line.token_at(start)
    if token is None or line.token_at(end - 1) is not token or end >= len(line.text):
        return False
    separator = "-" if notation.form == "party" else "/"
    return line.text[end] == separator and line.token_at(end) is token


def _doubled(read: str) -> tuple[str, ...]:
    """'2488§' -> ('2488', '24888'): a glyph beside the digit it stands for is that digit read
    twice or a digit of its own; () when anything else is no digit."""
    found = [i for i, c in enumerate(read) if c in GLYPH_DIGITS]
    if len(found) != 1:
        return ()
    i = found[0]
    digit = GLYPH_DIGITS[read[i]]
    if digit not in read[max(0, i - 1) : i] + read[i + 1 : i + 2]:
        return ()
    once, twice = read[:i] + read[i + 1 :], read[:i] + digit + read[i + 1 :]
    if not once.isdigit():
        return ()
    return (once, twice)


def _offsets(words: Words) -> list[tuple[int, int]]:
    """Where each word stands in the words joined by one space."""
    spans, pos = [], 0
    for text, _ in words:
        spans.append((pos, pos + len(text)))
        pos += len(text) + 1
    return spans
