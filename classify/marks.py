"""Stamped marks: secrecy (MẬT / TỐI MẬT / TUYỆT MẬT), urgency (KHẨN / THƯỢNG KHẨN / HỎA TỐC),
circulation (LƯU HÀNH NỘI BỘ, XEM XONG TRẢ LẠI, TÀI LIỆU THU HỒI, DỰ THẢO) and 'GIẢI MẬT'.

A mark is a stamp: a line of its own, in capitals, possibly framed ('| MẬT |'); an urgency
stamp read with other accents than its own is a word ('KHĂN'), while a secrecy stamp is
taken on its letters alone (a false 'MẬT' only restricts access). A mark word
inside a line of other capitals is still reported, with a lower confidence, when it stands
apart from words that make it ordinary vocabulary ('BÍ MẬT', 'BẢO MẬT', 'ĐỘ MẬT').
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from classify.layout import Line
from classify.norm import key, strip_frame

__all__ = ["Mark", "find_marks", "SECRECY_LEVELS", "URGENCY_LEVELS"]

Kind = Literal["secrecy", "urgency", "circulation", "declassified"]

# Folded form -> canonical printed form. Longest first: "TOI MAT" before "MAT".
SECRECY_LEVELS = {"TUYET MAT": "TUYỆT MẬT", "TOI MAT": "TỐI MẬT", "MAT": "MẬT"}
URGENCY_LEVELS = {
    "HOA TOC HEN GIO": "HỎA TỐC HẸN GIỜ",
    "HOA TOC": "HỎA TỐC",
    "THUONG KHAN": "THƯỢNG KHẨN",
    "KHAN": "KHẨN",
}
_CIRCULATION = {
    "LUU HANH NOI BO": "LƯU HÀNH NỘI BỘ",
    "TAI LIEU NOI BO": "TÀI LIỆU NỘI BỘ",
    "XEM XONG TRA LAI": "XEM XONG TRẢ LẠI",
    "TAI LIEU THU HOI": "TÀI LIỆU THU HỒI",
    "CHI NGUOI CO TEN MOI DUOC BOC BI": "CHỈ NGƯỜI CÓ TÊN MỚI ĐƯỢC BÓC BÌ",
    "DU THAO": "DỰ THẢO",
}
_DECLASSIFIED = {"GIAI MAT": "GIẢI MẬT"}

_TABLES: tuple[tuple[Kind, dict[str, str]], ...] = (
    ("declassified", _DECLASSIFIED),
    ("circulation", _CIRCULATION),
    ("secrecy", SECRECY_LEVELS),
    ("urgency", URGENCY_LEVELS),
)
# Words that turn "MẬT" into ordinary vocabulary when they precede it.
_SECRECY_PRECEDERS = {"BI", "BAO", "GIAI", "DO", "MAT"}
_URGENCY_PRECEDERS = {"CAP", "KHAN"}


@dataclass(frozen=True)
class Mark:
    kind: Kind
    value: str  # canonical: "MẬT", "THƯỢNG KHẨN", "LƯU HÀNH NỘI BỘ"
    page: int
    evidence: str
    confidence: float
    standalone: bool


def _standalone(line: Line) -> Mark | None:
    core = strip_frame(line.text)
    if not core or sum(c.isalpha() for c in core) < 3:
        return None
    # A stamp is printed in capitals; a mixed-case reading of one still counts, less surely.
    base = 0.8 if any(c.isalpha() and c.islower() for c in core) else 0.97
    folded = " ".join(re.sub(r"[^A-Z ]", " ", key(core)).split())
    for kind, table in _TABLES:
        if folded in table:
            if kind == "urgency" and not _accents_fit(core, table[folded]):
                return None  # other accents: 'KHĂN' (a wrapped 'KHÓ KHĂN') is not 'KHẨN'
            return Mark(kind, table[folded], line.page, line.text, line.weight(base), True)
    return None


def _embedded(line: Line) -> list[Mark]:
    """Mark words inside a longer line of capitals (a merged header row)."""
    text = line.text
    tokens = [t for t in re.split(r"\s+", key(text)) if t]
    marks: list[Mark] = []
    raw_tokens = text.split()
    if len(raw_tokens) != len(tokens):
        return marks
    words = [re.sub(r"[^A-Z]", "", t) for t in tokens]
    for i, word in enumerate(words):
        raw = strip_frame(raw_tokens[i])
        if not raw or not raw.isupper():
            continue
        prev = words[i - 1] if i else ""
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word == "MAT" and prev not in _SECRECY_PRECEDERS and nxt not in {"TRAN", "KHAU"}:
            level = "TUYET MAT" if prev == "TUYET" else "TOI MAT" if prev == "TOI" else "MAT"
            marks.append(Mark("secrecy", SECRECY_LEVELS[level], line.page, text, line.weight(0.6), False))
        elif (
            word == "KHAN" and prev not in _URGENCY_PRECEDERS and nxt not in {"CAP", "TRUONG"} and _khan(raw)
        ):
            level = "THUONG KHAN" if prev == "THUONG" else "KHAN"
            marks.append(Mark("urgency", URGENCY_LEVELS[level], line.page, text, line.weight(0.6), False))
        elif word == "TOC" and prev == "HOA":
            marks.append(Mark("urgency", "HỎA TỐC", line.page, text, line.weight(0.6), False))
    return marks


def _khan(raw: str) -> bool:
    return _accents_fit(raw, "KHẨN")


def _accents_fit(read: str, want: str) -> bool:
    """Each letter of `read` is the one of `want` or it with marks LOST ('KHÂN', 'KHAN' fit
    'KHẨN'), never with other marks ('KHĂN'). Letters are compared where both are letters."""
    a = [c for c in read.upper() if c.isalpha()]
    b = [c for c in want.upper() if c.isalpha()]
    if len(a) != len(b):
        return True  # not aligned letter by letter: the folded match decides
    for x, y in zip(a, b, strict=True):
        mx, my = unicodedata.normalize("NFD", x), unicodedata.normalize("NFD", y)
        if mx[0] != my[0] or not set(mx[1:]) <= set(my[1:]):
            return False
    return True


def find_marks(lines: list[Line]) -> list[Mark]:
    """Every mark on these lines; stamps standing alone first, embedded mark words after."""
    found: list[Mark] = []
    for line in lines:
        mark = _standalone(line)
        if mark:
            found.append(mark)
        elif _caps_run(line.text):
            found.extend(_embedded(line))
    return found


def _caps_run(text: str) -> bool:
    """A line carrying at least one word of 3+ capitals (where a merged stamp could hide)."""
    return any(len(w) >= 3 and w.isupper() for w in text.split())


def strongest(marks: list[Mark], kind: Kind, order: dict[str, str]) -> Mark | None:
    """The highest level of `kind` among `marks` (TUYỆT MẬT over TỐI MẬT over MẬT)."""
    ranked = list(order.values())
    hits = [m for m in marks if m.kind == kind]
    if not hits:
        return None
    return min(hits, key=lambda m: (ranked.index(m.value) if m.value in ranked else 99, -m.confidence))
