"""A second reading of the day and month of the date of issue, when the first read letters.

Tesseract reads a printed '15' as '1S' or a '5' as 'S' on a noisy page: S stands for 5 on some
pages and 8 on others, so the first reading is never guessed from (the day is left empty and
the date kept as its month and year). `date_gap` finds the header's place-and-date line
('Bắc Ninh, ngày 1S tháng 01 năm 2019') whose day or month holds such letters, and the words
to read again; the application reads each again limited to digits, black-and-white and grey.
`resolve` takes the digits only when both readings agree, are sure, and each digit is one the
letter read first can stand for (S: 5 or 8, T: 1 or 7, O: 0 ...): a '3' read where the first
reading saw 'S' is refused. Where the engine stays unsure (italic digits of a photocopy often
read '06' for '08'), the glyphs' shapes decide (`ocr.region.shape_digits`: an 8's loops, a 5's
open side, a 7's bar); `combine` takes either, none when they disagree. `DateReading` carries
the line with the digits put in to the extractor, which parses it as it parses any date line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from classify.dates import parse_date_line
from classify.layout import Line, original_box, upright_frame
from classify.norm import key
from schemas import Metadata, Page

__all__ = [
    "DateGap",
    "DateReading",
    "DateTarget",
    "LOOKALIKES",
    "combine",
    "date_gap",
    "engine_disagrees",
    "fill",
    "fits",
    "gap_box",
    "resolve",
    "target_box",
    "with_year_checked",
]

# What a letter read where a digit is printed may stand for (printed digits, not a hand's).
LOOKALIKES = {
    "S": "58",
    "s": "58",
    "§": "58",
    "$": "58",
    "T": "17",
    "O": "0",
    "o": "0",
    "D": "0",
    "l": "1",
    "L": "1",
    "]": "1",
    "[": "1",
    "!": "1",
    "I": "1",
    "i": "1",
    "|": "1",
    "Ì": "1",
    "B": "83",
    "Z": "2",
    "z": "2",
    "G": "6",
    "g": "9",
    "q": "9",
}
# Both readings at least this sure (engine confidence 0-1) for the digits to be taken.
MIN_CONFIDENCE = 0.75
# Where the header's place-and-date line may stand on the first page.
_HEADER_LINES = 15
_LOOSE_LINE = re.compile(
    r"(?P<place>\w[^,\d]{1,60}?)\s*[,.]\s*NGA[YV]\s+(?P<d>\S{1,2})\s+TH[A-Z]NG\s+(?P<m>\S{1,2})\s+"
    r"NA(?:M|RN)\s+(?P<y>\d{4,5}|(?=\S*\d)[\dSTBOIL]{4})(?![\dA-Z])"
)


# A month the first reading lost ('Hà Nội, ngày 24 tháng năm 2021'): a printed day, then nothing
# between 'tháng' and 'năm' (a word the word filter dropped as noise, '0Ì' or '§').
_NO_MONTH = re.compile(
    r"(?P<place>\w[^,\d]{1,60}?)\s*[,.]\s*NGA[YV]\s+(?P<d>\d{1,2})\s+TH[A-Z]NG\s+(?P<n>NA(?:M|RN))\s+"
    r"(?P<y>\d{4})(?![\dA-Z])"
)


@dataclass(frozen=True)
class DateTarget:
    """A day or month read as letters: its slot ('day', 'month'), the text and where it is."""

    slot: str
    read: str  # '' for a month lost: the digits go in at `start` (`fill`)
    start: int
    end: int


@dataclass(frozen=True)
class DateGap:
    """The header's date line (page, line index, text, upright box) and what to read again."""

    page: int
    index: int
    text: str
    box: tuple[int, int, int, int] | None
    targets: tuple[DateTarget, ...]


@dataclass(frozen=True)
class DateReading:
    """The date line with the re-read digits put in (only those resolved); `by_shape`: the slots
    whose digits the glyphs' shapes alone gave (the engine's own second reading gave none)."""

    page: int
    index: int
    text: str
    by_shape: tuple[str, ...] = ()


def date_gap(doc: list[list[Line]]) -> DateGap | None:
    """The first page's place-and-date line when its day, month or year ('201S') was read as
    letters that may stand for digits; None when the date was read (no second reading needed)."""
    first = doc[0] if doc else []
    for line in first[:_HEADER_LINES]:
        match = _LOOSE_LINE.search(key(line.text))
        lost = _NO_MONTH.search(key(line.text)) if not match else None
        if lost and line.text[lost.start("place")].isupper() and parse_date_line(line.text) is None:
            target = DateTarget("month", "", lost.start("n"), lost.start("n"))
            return DateGap(line.page, line.index, line.text, line.box, (target,))
        if not match or not line.text[match.start("place")].isupper():
            continue
        found = parse_date_line(line.text)
        if found is not None and found.date is not None:
            return None
        targets = tuple(
            DateTarget(slot, line.text[match.start(g) : match.end(g)], match.start(g), match.end(g))
            for slot, g in (("day", "d"), ("month", "m"), ("year", "y"))
            if _unsure(line.text[match.start(g) : match.end(g)])
        )
        return DateGap(line.page, line.index, line.text, line.box, targets) if targets else None
    return None


def _unsure(read: str) -> bool:
    """Digits and look-alike letters only, at least one letter."""
    return any(c in LOOKALIKES for c in read) and all(c.isdigit() or c in LOOKALIKES for c in read)


def resolve(read: str, readings: list[tuple[str, float]]) -> str | None:
    """The digits for `read` when two readings agree, each at least MIN_CONFIDENCE sure, and
    every digit is what the first reading's character can stand for; None otherwise. For a
    month lost (`read` ''), the digits must be a month (1-12, '05' or '5')."""
    if len(readings) < 2:
        return None
    texts = {text for text, _ in readings}
    if len(texts) != 1 or any(conf < MIN_CONFIDENCE for _, conf in readings):
        return None
    digits = texts.pop()
    if read == "":
        return digits if _a_month(digits) else None
    return digits if fits(read, digits) else None


def _a_month(digits: str) -> bool:
    return 1 <= len(digits) <= 2 and digits.isdigit() and 1 <= int(digits) <= 12


def fits(read: str, digits: str) -> bool:
    """`digits` has `read`'s length, keeps its digits and puts in each letter's place a digit
    that letter can stand for."""
    if len(digits) != len(read) or not digits.isdigit():
        return False
    return all(
        r == d if r.isdigit() else d in LOOKALIKES.get(r, "") for r, d in zip(read, digits, strict=True)
    )


def combine(read: str, engine: str | None, shape: str | None) -> str | None:
    """The digits for `read` from the engine's second reading (`resolve`) and from the glyphs'
    shapes (`ocr.region.shape_digits`): either, when the other gives nothing; none when they
    disagree or the shape's digits do not fit the letters read."""
    if shape is not None and not fits(read, shape):
        shape = None
    if engine is not None and shape is not None and engine != shape:
        return None
    return engine or shape


def engine_disagrees(read: str, shape: str, readings: Iterable[tuple[str, float]]) -> bool:
    """Whether the engine's own readings of `read`, however unsure or short ('8' for '1S'),
    show for one of its letters a digit the letter may stand for other than the one the
    glyphs' shapes gave (an 8 whose loops the print left open looks like a 5 to the shapes):
    then neither is taken."""
    for text, _ in readings:
        digits = "".join(c for c in text if c.isdigit())
        for i, char in enumerate(read):
            if char.isdigit():
                continue
            choices = set(LOOKALIKES.get(char, "")) - {shape[i]}
            # the engine's digit for this letter: in its place, or wherever it stands in a
            # reading that lost a digit
            seen = {digits[i]} if len(digits) == len(read) else set(digits)
            if seen & choices:
                return True
    return False


def fill(gap: DateGap, digits: dict[str, str], by_shape: Iterable[str] = ()) -> DateReading | None:
    """The line with the resolved digits in place of the letters; None when none resolved.
    `by_shape`: the slots whose digits the glyphs' shapes alone gave."""
    text = gap.text
    for target in sorted(gap.targets, key=lambda t: -t.start):
        if target.slot in digits:
            put = digits[target.slot] + (" " if target.read == "" else "")  # a month lost: put in
            text = text[: target.start] + put + text[target.end :]
    if text == gap.text:
        return None
    return DateReading(gap.page, gap.index, text, tuple(slot for slot in by_shape if slot in digits))


def target_box(page: Page, gap: DateGap, target: DateTarget) -> tuple[tuple[int, int, int, int], int] | None:
    """The engine's word box of `target` in the page as scanned, and the page's turn; None when
    no word of that text lies in the line."""
    if gap.box is None:
        return None
    turn, width, height = upright_frame(page)
    x0, y0, x1, y1 = original_box(gap.box, turn, width, height)
    nth = gap.text[: target.start].split().count(target.read)  # 'ngày 0S tháng 0S'
    found = []
    for word in page.words:
        box = word.box
        cx, cy = box.left + box.width / 2, box.top + box.height / 2
        if word.text.strip() == target.read and x0 <= cx <= x1 and y0 <= cy <= y1:
            found.append((box.left, box.top, box.left + box.width, box.top + box.height))
    return (found[nth], turn) if nth < len(found) else None


def gap_box(page: Page, gap: DateGap, target: DateTarget) -> tuple[int, int, int, int] | None:
    """For a month lost (`target.read` ''), the blank between the words 'tháng' and 'năm' of the
    line in the page as scanned (upright pages only), its height the line's; None when those
    words are not found side by side."""
    if gap.box is None or target.read != "":
        return None
    turn, width, height = upright_frame(page)
    if turn % 4:
        return None
    x0, y0, x1, y1 = original_box(gap.box, turn, width, height)
    words = sorted(
        (
            w
            for w in page.words
            if x0 <= w.box.left + w.box.width / 2 <= x1 and y0 <= w.box.top + w.box.height / 2 <= y1
        ),
        key=lambda w: w.box.left,
    )
    for before, after in zip(words, words[1:], strict=False):
        if key(before.text).startswith("THANG") and key(after.text).startswith("NAM"):
            left, right = before.box.left + before.box.width, after.box.left
            top = min(before.box.top, after.box.top)
            bottom = max(before.box.top + before.box.height, after.box.top + after.box.height)
            return (left, top, right, bottom) if right - left > (bottom - top) * 0.5 else None
    return None


_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d\d)(?![\d]|[.,]\d)")
_OTHER_YEAR_VI = (
    "Năm ban hành đọc được là {read} nhưng văn bản nhắc đến năm {said} ({times} lần) và không nhắc "
    "đến năm {read}: để trống ngày ban hành, cần kiểm tra trên bản giấy"
)


def other_year(year: int, texts: Iterable[str]) -> tuple[int, int] | None:
    """The year the document speaks of when the date of issue's `year` was misread: `year`
    written nowhere but on the date line (once at most in `texts`), another year one digit
    apart written twice or more ('2016' read on the date line, '2018' in the body: a 6 for an
    8). None when the year read is written elsewhere too, or no such year is."""
    counts: dict[int, int] = {}
    for text in texts:
        for found in _YEAR.findall(text):
            counts[int(found)] = counts.get(int(found), 0) + 1
    if counts.get(year, 0) > 1:
        return None
    read = f"{year:04d}"
    near = [
        (said, times)
        for said, times in counts.items()
        if times >= 2 and sum(a != b for a, b in zip(f"{said:04d}", read, strict=True)) == 1
    ]
    return max(near, key=lambda x: x[1]) if len(near) == 1 else None


def with_year_checked(metadata: Metadata, pages: list[Page]) -> Metadata:
    """The metadata with its date of issue left empty, with a reason for a person, when its
    year looks misread (`other_year`): a wrong year stored is worse than none."""
    if metadata.date is None and not metadata.date_partial:
        return metadata
    year = metadata.date.year if metadata.date else int(str(metadata.date_partial)[:4])
    found = other_year(year, (p.text for p in pages))
    if found is None:
        return metadata
    said, times = found
    confidence = {**metadata.confidence, "date": 0.0}
    review = [*metadata.review, _OTHER_YEAR_VI.format(read=year, said=said, times=times)]
    update = {"date": None, "date_partial": None, "confidence": confidence, "review": review}
    return metadata.model_copy(update=update)
