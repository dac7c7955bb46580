"""The incoming-document stamp (dấu 'ĐẾN'): 'ĐẾN  Số: 345  Ngày: 12/5/2021  Chuyển: ...'.

The stamp's lines are often split by the engine ('CÔNG VĂN ĐẾN' / 'Số: 345' / 'Ngày: 12/5');
the number and date are searched in the few lines after the 'ĐẾN' line. A year missing from
the stamp (written by hand, not read) is taken from the document date when that makes the
arrival fall on or after the issue.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from classify.dates import valid_date
from classify.layout import Line
from classify.norm import as_digits, key

__all__ = ["Incoming", "read_incoming"]

_DEN = re.compile(r"(?:^|[^A-Z])DEN\b\s*[:.]?")
_NUMBER = re.compile(r"\bS\s?[O06]\s*(?:DEN)?\s*[:.;]?\s*(?P<n>[0-9OILS|]{1,7})(?![0-9/])")
_DATE = re.compile(
    r"\bNGAY\s*[:.;]?\s*(?P<d>[0-9OIL|]{1,2})\s*[/.-]\s*(?P<m>[0-9OIL|]{1,2})"
    r"(?:\s*[/.-]\s*(?P<y>[0-9OIL|]{2,4}))?"
)
_WINDOW = 4


@dataclass(frozen=True)
class Incoming:
    number: str | None
    date: dt.date | None
    page: int
    evidence: str
    confidence: float


def read_incoming(lines: list[Line], issued: dt.date | None = None) -> Incoming | None:
    for i, line in enumerate(lines):
        folded = key(line.text)
        if not _DEN.search(folded) or not _is_stamp_head(folded):
            continue
        window = lines[i : i + _WINDOW]
        text = " ".join(x.text for x in window)
        joined = key(text)
        head = _DEN.search(joined)
        tail = joined[head.end() :] if head else joined
        offset = len(joined) - len(tail)
        number = date = None
        num = _NUMBER.search(tail) or re.match(r"\s*[:.;]?\s*(?P<n>[0-9OILS|]{1,7})(?![0-9/])", tail)
        if num:
            number = as_digits(text[offset + num.start("n") : offset + num.end("n")])
        found = _DATE.search(tail)
        if found:
            date = _date(text, offset, found, issued)
        if number is None and date is None:
            continue
        confidence = line.weight(0.9 if number and date else 0.7)
        return Incoming(
            number=number, date=date, page=line.page, evidence=text.strip(), confidence=confidence
        )
    return None


def _is_stamp_head(folded: str) -> bool:
    """'ĐẾN', 'CÔNG VĂN ĐẾN', 'VĂN BẢN ĐẾN', 'ĐẾN Số: ...' — not 'đến ngày' in running text."""
    words = re.sub(r"[^A-Z0-9 ]", " ", folded).split()
    if "DEN" not in words:
        return False
    at = words.index("DEN")
    before = words[:at]
    after = words[at + 1 : at + 2]
    if before[-1:] == ["SO"]:
        return True  # 'Số đến: 345'
    return (not before or before[-2:] in (["CONG", "VAN"], ["VAN", "BAN"])) and (
        not after or after[0] in ("SO", "S0", "S6", "NGAY")
    )


def _date(text: str, offset: int, match: re.Match[str], issued: dt.date | None) -> dt.date | None:
    def digits(group: str) -> str | None:
        if match.group(group) is None:
            return None
        return as_digits(text[offset + match.start(group) : offset + match.end(group)])

    day, month, year = digits("d"), digits("m"), digits("y")
    if not (day and month and day.isdigit() and month.isdigit()):
        return None
    if year and year.isdigit():
        value = int(year) + (2000 if len(year) == 2 else 0)
        return valid_date(value, int(month), int(day))
    if issued is None:
        return None
    guess = valid_date(issued.year, int(month), int(day))
    if guess and guess < issued:
        guess = valid_date(issued.year + 1, int(month), int(day))
    return guess
