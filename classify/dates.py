"""Place and date of issue ('Vĩnh Phúc, ngày 29 tháng 6 năm 2018') and numeric dates.

Matching runs on the folded key, so 'ngay'/'thang'/'nam' without marks and 'ngảy'-style
slips still match; digit look-alikes (O, l, I) inside the numbers are repaired.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from classify.norm import BLANK, as_digits, key

__all__ = ["PlaceDate", "parse_date_line", "parse_numeric_date", "valid_date", "NUMERIC_DATE"]

_N = r"[0-9OILD|!]"
# The day may be blank or dotted for a hand to fill in ('ngày …… tháng 5'), or written by
# hand and read as letters; digits may be split by a space ('2 6', '20 19') or glued to the
# label ('26tháng').
_DATE_LINE = re.compile(
    rf"(?:^|[\s,.;:])(?P<place>[A-Z][^,\d]{{1,60}}?)\s*[,.]?\s*NGA[YV]\s*"
    rf"(?P<d>.{{0,10}}?)\s*"
    rf"TH[A-Z]NG\s*(?P<m>{_N}(?:\s?{_N})?)\s*NA(?:M|RN)\s*(?P<y>{_N}(?:\s?{_N}){{3,4}})(?!\d)"
)
NUMERIC_DATE = re.compile(r"(?<![\d/])(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?![\d/])")


@dataclass(frozen=True)
class PlaceDate:
    place: str | None
    date: dt.date | None  # None when the day is blank or not digits: see `partial`
    evidence: str
    repaired: bool  # digits were repaired or the comma after the place is missing
    year: int = 0
    month: int = 0
    day_span: tuple[int, int] | None = None  # where the day stands in the line read
    day_read: str | None = None  # what stood in the day's place, when not a day
    by_shape: bool = False  # a day or month taken from the glyphs' shapes alone (second reading)

    @property
    def partial(self) -> str:
        """'2019-05': what the printed form says when the day is missing."""
        return f"{self.year:04d}-{self.month:02d}"


def valid_date(year: int, month: int, day: int) -> dt.date | None:
    if not 1900 <= year <= 2100:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _number(text: str, match: re.Match[str], group: str) -> tuple[str, str]:
    if match.group(group) is None:
        return "", ""
    raw = text[match.start(group) : match.end(group)]
    digits = _digits(raw)
    if group == "y" and len(digits.replace(" ", "")) == 5:
        digits = _one_year(digits.replace(" ", ""))
    return raw, digits


def _digits(raw: str) -> str:
    """Digit look-alikes repaired; '' when an S or B stands in it (5 or 8, 8 or 3 alike: not a
    digit to trust)."""
    return "" if re.search(r"[SsBb]", raw) else as_digits(raw)


def _one_year(digits: str) -> str:
    """'20019' -> '2019': a digit read twice, when undoing it gives exactly one plausible year."""
    years = {digits[:i] + digits[i + 1 :] for i in range(4) if digits[i] == digits[i + 1]}
    years = {y for y in years if 1900 <= int(y) <= 2100}
    return years.pop() if len(years) == 1 else ""


def parse_date_line(text: str) -> PlaceDate | None:
    """The '<Place>, ngày D tháng M năm Y' line of the header; None when absent or invalid."""
    folded = key(text)
    match = _DATE_LINE.search(folded)
    if not match:
        return None
    raws = [_number(text, match, g) for g in ("d", "m", "y")]
    day = raws[0][0].strip(BLANK)
    # an O in the day ('O7') may be a printed 0 or a hand's round stroke: read again from the scan
    # (classify.date_reading), never taken from the first reading's letters
    raws[0] = (day, "" if re.search(r"[Oo]", day) else _digits(day))
    if re.search(r"[^\W\d_]{3}", raws[0][0]):
        return None  # words between 'ngày' and 'tháng': running text, not the date line
    digits = [d.replace(" ", "") for _, d in raws]
    if not all(d.isdigit() for d in digits[1:]):
        return None
    if len(digits[0]) > 2 or (raws[0][0] and not digits[0]):
        digits[0] = "x"  # a hand's strokes ('\\5', 'o') or an unsure letter ('0S'): never guessed
    month, year = int(digits[1]), int(digits[2])
    if valid_date(year, month, 1) is None:
        return None
    # a day the month does not have ('31 tháng 2', 'o' read as 0) is a misreading: the printed
    # month and year still stand, the day is left for a person
    date = valid_date(year, month, int(digits[0])) if digits[0].isdigit() else None
    place_raw = text[match.start("place") : match.end("place")]
    place = _clean_place(place_raw)
    comma = "," in text[match.end("place") : match.start("d")]
    labels = all(word in text for word in ("ngày", "tháng", "năm"))  # read with their accents
    repaired = any(r != d for r, d in raws) or not comma or not labels
    day_raw = raws[0][0]
    day_at = text.find(day_raw, match.start("d")) if day_raw else -1
    return PlaceDate(
        place=place,
        date=date,
        evidence=text.strip(),
        repaired=repaired,
        year=year,
        month=month,
        day_span=(day_at, day_at + len(day_raw)) if day_raw else None,
        day_read=day_raw if day_raw and date is None else None,
    )


def _clean_place(raw: str) -> str | None:
    """The place name: the capitalised words just before ', ngày' (drops a merged notation).

    'Thành phố Hồ Chí Minh' keeps its lower-case 'phố'; words in capitals belong to the
    other header column when Tesseract merged the row, and are dropped.
    """
    raw_words = raw.strip(" ,.;:-").split()
    words = [w.strip(",.;:") for w in raw_words]
    kept: list[str] = []
    for i in range(len(words) - 1, -1, -1):
        word = words[i]
        if not word or any(c.isdigit() or c in "/:" for c in word):
            break
        if kept and raw_words[i].endswith(".") and key(word) not in _ABBREVIATED:
            break  # 'An. Nghệ An': a sentence or a merged column ends at the dot
        if word[:1].isupper() or i > 0 and key(f"{words[i - 1]} {word}") in _PREFIXES:
            kept.append(word)
        else:
            break
        if len(kept) == 8:
            break
    kept.reverse()
    while len(kept) > 1 and _all_caps(kept[0]) and not _all_caps(kept[-1]):
        kept.pop(0)
    return " ".join(kept) or None


_PREFIXES = {"THANH PHO", "THI XA", "THI TRAN"}
_ABBREVIATED = {"TP", "TX", "TT"}  # 'TP. Hồ Chí Minh'


def _all_caps(word: str) -> bool:
    chars = [c for c in word if c.isalpha()]
    return len(chars) > 1 and all(c.isupper() for c in chars)


def parse_numeric_date(text: str) -> dt.date | None:
    """'14/02/1968', '9.5.1979', '25-4-2019' -> date; None when not a valid date."""
    match = NUMERIC_DATE.search(text)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    return valid_date(year, month, day)
