"""The document naming itself: '(Kèm theo Quyết định số 2410/QĐ-VP ngày 30 tháng 10 năm 2016)'
under the heading of its appendix repeats its type, số/ký hiệu and date in print: a second,
independent reading of the number on another page than the header (classify.extract uses it to
confirm a number the header gives unsurely; it does not fill a lost header from it: its own digits
are read no better, e.g. a 2018 header's appendix read as 'năm 2016' on the tuning split).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from classify.dates import PlaceDate, parse_date_line
from classify.doctypes import by_title
from classify.layout import Line
from classify.norm import key
from classify.notation import Notation, parse_number_line

__all__ = ["SelfReference", "find_self_reference"]

# On the folded key (same offsets as the text): 'KEM THEO <TYPE> SO <number/notation> NGAY ...'
_REFERENCE = re.compile(
    r"KEM THEO\s+(?P<type>[A-Z]+(?:\s+[A-Z]+){0,3}?)\s+SO\s+(?P<number>\S+(?:\s?[/-]\s?\S+)*?)\s+"
    r"(?P<date>NGAY\s.{0,24}?NAM\s*\d{4})"
)


@dataclass(frozen=True)
class SelfReference:
    doc_type: str | None
    notation: Notation | None
    date: PlaceDate | None
    line: Line


def find_self_reference(pages: list[list[Line]]) -> SelfReference | None:
    """The first '(Kèm theo <type> số N/KH ngày …)' line of the document (a line and the next
    joined, for one wrapped in two), read; None when there is none."""
    for lines in pages:
        for i, line in enumerate(lines):
            if "KEM THEO" not in key(line.text):
                continue  # the reference starts on its own line ('(Kèm theo …' / '… năm 2016)')
            for text in (line.text, f"{line.text} {lines[i + 1].text}" if i + 1 < len(lines) else ""):
                found = _read(text, line) if text else None
                if found:
                    return found
    return None


def _read(text: str, line: Line) -> SelfReference | None:
    match = _REFERENCE.search(key(text))
    if not match:
        return None
    type_text = text[match.start("type") : match.end("type")]
    titled = by_title(type_text.upper())
    number = parse_number_line("Số: " + text[match.start("number") : match.end("number")])
    date = parse_date_line("Nơi, " + text[match.start("date") : match.end("date")])
    if number is None and date is None:
        return None
    return SelfReference(titled[0].name if titled else None, number, date, line)
