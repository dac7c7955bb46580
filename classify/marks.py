"""Stamped marks: secrecy (MẬT / TỐI MẬT / TUYỆT MẬT), urgency (KHẨN / THƯỢNG KHẨN / HỎA TỐC),
circulation (LƯU HÀNH NỘI BỘ, XEM XONG TRẢ LẠI, TÀI LIỆU THU HỒI, DỰ THẢO) and 'GIẢI MẬT'.

A mark is a stamp: a line of its own, in capitals, possibly framed ('| MẬT |'); an urgency
stamp read with other accents than its own is a word ('KHĂN'), while a secrecy stamp is
taken on its letters alone (a false 'MẬT' only restricts access). A mark word
inside a line of other capitals is still reported, with a lower confidence, when it stands
apart from words that make it ordinary vocabulary ('BÍ MẬT', 'BẢO MẬT', 'ĐỘ MẬT').

A stamp read through noise comes back with its letters broken in the engine's usual ways: an
M in pieces ('NIẬT', 'IVIAT', 'XIAI'), a T without its bar ('MẬI', '1ÔI MẬT'), a letter lost
to a dot ('M.T'), a vowel doubled with its marks ('KHĂẮN'). `stamp_level` matches a short
line of its own against the mark forms on a skeleton where only those confusions cost
nothing (`skeleton`); any other letter differs. It is used where a stamp stands (a
standalone line at the top of page 1, the region under the number read again): an ordinary
word there ('MỘT', 'ĐẤT', 'MẶT TRẬN') never becomes a mark, and an urgency word keeps its
accent check ('HÒA LỘC' is no 'HỎA TỐC').
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from classify.layout import Line
from classify.norm import key, strip_frame

__all__ = ["Mark", "accents_fit", "find_marks", "skeleton", "stamp_level", "SECRECY_LEVELS", "URGENCY_LEVELS"]

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
        return _stamp_place_mark(line, core)
    # A stamp is printed in capitals; a mixed-case reading of one still counts, less surely.
    base = 0.8 if any(c.isalpha() and c.islower() for c in core) else 0.97
    folded = " ".join(re.sub(r"[^A-Z ]", " ", key(core)).split())
    for kind, table in _TABLES:
        if folded in table:
            if kind == "urgency" and not accents_fit(core, table[folded]):
                return None  # other accents: 'KHĂN' (a wrapped 'KHÓ KHĂN') is not 'KHẨN'
            return Mark(kind, table[folded], line.page, line.text, line.weight(base), True)
    return _stamp_place_mark(line, core)


# Where a stamp stands read through noise: the first lines of a page (the header, ô 10a/10b
# under the number), a short line of its own, on the left half or across the middle.
_STAMP_LINES = 20
_STAMP_CHARS = 24
LOOSE_CONFIDENCE = 0.7  # a mark read through the confusions of `skeleton`: below 0.8, confirmed by a person


def _stamp_place_mark(line: Line, core: str) -> Mark | None:
    """A mark read with its letters broken ('NIẬT', '1ÔI MẬT'), on an OCR line (word boxes)
    where stamps stand; None elsewhere and for plain text (ground truth, typed text)."""
    if line.box is None or line.index >= _STAMP_LINES or line.side == "right" or len(core) > _STAMP_CHARS:
        return None
    found = stamp_level(core)
    if found is None:
        return None
    kind, value = found
    if kind == "urgency" and not accents_fit(core, value):
        return None
    return Mark(kind, value, line.page, line.text, line.weight(LOOSE_CONFIDENCE), True)


# What the engine reads for the capitals of a stamp, on the folded key: a letter without its
# bar or a stroke ('T' as I, 1, l, !, |), an M in pieces ('NI', 'IVI', 'XI'), 0 for O.
_ONE_STROKE = str.maketrans({"T": "I", "L": "I", "J": "I", "1": "I", "!": "I", "|": "I", "0": "O"})
_PIECES = (("IVI", "M"), ("NI", "M"), ("XI", "M"), ("VI", "M"))
_LOST = "?"  # a letter read as a dot or a comma
_LOST_MARKS = re.compile(r"(?<=[A-Z])[.,·…/]+(?=[A-Z])")


def skeleton(text: str) -> str:
    """The letters of a stamp line with the engine's confusions of its capitals made equal:
    folded, T/I/L/1/!/| as I, an M in pieces as M, a letter lost to a dot as '?', a vowel read
    twice ('KHĂẮN') once, spaces and frame characters dropped. 'TỐI MẬT' -> 'IOIMAI'."""
    folded = key(strip_frame(text))
    folded = _LOST_MARKS.sub(_LOST, folded)
    folded = re.sub(r"[^A-Z?]", "", folded.translate(_ONE_STROKE))
    for pieces, letter in _PIECES:
        folded = folded.replace(pieces, letter)
    return re.sub(r"([A-Z])\1+", r"\1", folded)


def _forms() -> list[tuple[Kind, str, str]]:
    return [
        (kind, skeleton(folded), canonical)
        for kind, table in (("secrecy", SECRECY_LEVELS), ("urgency", URGENCY_LEVELS))
        for folded, canonical in table.items()
    ]


_FORMS = _forms()


def stamp_level(text: str) -> tuple[Kind, str] | None:
    """The secrecy or urgency mark a short stamp line reads as through the engine's confusions
    of capitals (`skeleton`): equal, or one letter lost or added for a mark of 6 letters or
    more ('HO TỐC'); a letter read as a dot stands for any one letter. None when no mark or
    two marks fit equally."""
    read = skeleton(text)
    if len(read.replace(_LOST, "")) < 2 or read.count(_LOST) > 1:
        return None
    # a frame's side read as a stroke glued to the word ('IMẬT', 'MẬTI'): dropped, once a side
    reads = {read, read.removeprefix("I"), read.removesuffix("I"), read.removeprefix("I").removesuffix("I")}
    best: list[tuple[int, Kind, str]] = []
    for kind, form, canonical in _FORMS:
        allowed = 1 if len(form) >= 6 else 0
        distance = min(_distance(r, form) for r in reads if r)
        if distance <= allowed:
            best.append((distance, kind, canonical))
    if not best:
        return _first_word_damaged(text)
    best.sort(key=lambda x: x[0])
    if len(best) > 1 and best[1][0] == best[0][0]:
        return None
    return best[0][1], best[0][2]


_LEVEL_WORDS = (("TUYỆT MẬT", skeleton("TUYỆT")), ("TỐI MẬT", skeleton("TỐI")))
_FIRST_WORD_LETTERS = 7


def _first_word_damaged(text: str) -> tuple[Kind, str] | None:
    """A two-word secrecy stamp whose first word came back broken and its 'MẬT' whole ('TUY ïE
    MẬT', 'TUYÍ#Ir MẬT'): the level its first word is nearest to (edits at most half its
    letters, strictly nearer than the other); none when it is near neither ('TIN MẬT'). The
    'MẬT' read letter for letter with its accents; never after a word that makes it ordinary
    vocabulary ('BÍ MẬT', 'BẢO MẬT', 'ĐỘ MẬT')."""
    core = strip_frame(unicodedata.normalize("NFC", text)).strip()
    if not core.upper().endswith("MẬT") or not core.endswith(("MẬT", "Mật")):
        return None
    prefix = core[:-3].strip()
    letters = sum(c.isalnum() for c in prefix)
    if not 2 <= letters <= _FIRST_WORD_LETTERS or any(w.isalpha() and w.islower() for w in prefix.split()):
        return None  # no first word, or a word of running text ('nội dung mật')
    if key(prefix).split() and key(prefix).split()[-1] in _SECRECY_PRECEDERS | {"TOP", "MOT"}:
        return None
    read = skeleton(prefix)
    near = sorted((_distance(read, form), level, form) for level, form in _LEVEL_WORDS)
    if near[0][0] <= len(near[0][2]) // 2 and near[0][0] < near[1][0]:
        return "secrecy", near[0][1]
    return None  # another word ('TIN MẬT'): no stamp


def _distance(read: str, form: str) -> int:
    """Edit distance where the read's '?' (a letter lost to a dot) matches any one letter."""
    previous = list(range(len(form) + 1))
    for i, a in enumerate(read, 1):
        current = [i]
        for j, b in enumerate(form, 1):
            same = a in (b, _LOST)
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (0 if same else 1)))
        previous = current
    return previous[-1]


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
    return accents_fit(raw, "KHẨN")


def accents_fit(read: str, want: str) -> bool:
    """Each letter of `read` is the one of `want` or it with marks LOST ('KHÂN', 'KHAN' fit
    'KHẨN'), never with other marks ('KHĂN'). Letters are compared where both are letters;
    a letter read as another ('THƯƠNG NHÂN': N for K, a stamp read through noise) is left to
    the match that allowed it."""
    a = [c for c in read.upper() if c.isalpha()]
    b = [c for c in want.upper() if c.isalpha()]
    if len(a) != len(b):
        return True  # not aligned letter by letter: the folded match decides
    for x, y in zip(a, b, strict=True):
        mx, my = unicodedata.normalize("NFD", x), unicodedata.normalize("NFD", y)
        if mx[0] == my[0] and not set(mx[1:]) <= set(my[1:]):
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
