"""A second reading of the secrecy and urgency stamps, when the first reading lacks them.

Decree 30 puts the độ mật and độ khẩn stamps under the number and notation, in the left
column (ô 10a, 10b): a red box the whole-page reading often drops on a photocopy (its letters
in dots, its frame touching them) or skips beside a pen stroke. `mark_gap` says where to
look: from the 'Số:' line (or, without one, the issuer's last line) down to the first line
that crosses the left column below it, as wide as the left column, with the lines the first
reading read surely there (the 'V/v' abstract) to be left out; none when both marks were
read. The application reads what ink is left there again (application/mark_reading.py) and
`marks_read` takes a mark from a row of it only when the whole row reads as one
(classify.marks.stamp_level: the engine's confusions of capitals, nothing else). A mark
taken is stored below the review threshold with a reason for a person (`with_marks`): a
false MẬT only restricts access until someone looks, a missed one is a state secret open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from classify.extract import find_document_marks
from classify.header import read_header
from classify.layout import Line, original_box, upright_frame
from classify.marks import SECRECY_LEVELS, URGENCY_LEVELS, find_marks, skeleton, stamp_level
from classify.norm import key
from schemas import Metadata, Page

__all__ = [
    "MARK_CONFIDENCE",
    "MarkFound",
    "MarkGap",
    "MarkReading",
    "mark_gap",
    "marks_read",
    "with_marks",
]

# A mark read again whose letters are the mark's own ('MẬT'), and one read through the
# engine's confusions ('NIẬT', 'M.T'): both below 0.8, so that classify.decide asks a person
# to confirm the mark (the record is not_accessible meanwhile).
MARK_CONFIDENCE = 0.75
_LOOSE_CONFIDENCE = 0.65
_DEEPEST = 16  # letter heights below the anchor line at most
_SHALLOWEST = 2
_SURE_LINE = 0.8  # a line read at least this surely is left out of the second reading
_UNSURE_ISSUER = 0.5  # an issuer line read less surely than this does not anchor the region
_TOP_BLOCK = 0.4  # without a header read: the top of the page down to this share of its height at most
_REREAD_VI = "chỉ đọc được khi đọc lại vùng dưới số, ký hiệu: cần kiểm tra trên bản giấy"
_REVIEW_VI = {
    "secrecy": "Dấu độ mật “{value}” " + _REREAD_VI,
    "urgency": "Dấu độ khẩn “{value}” " + _REREAD_VI,
}


@dataclass(frozen=True)
class MarkGap:
    """Where the stamps may stand on page `page`: `box` upright (as `Line.box`), `box_scanned`
    and `turn` in the page as scanned, the height of the anchor line's letters (px, as scanned),
    the boxes (as scanned) of lines read surely there, the marks the first reading lacks, and
    the scan's skew (the region is levelled before its frame is taken out)."""

    page: int
    box: tuple[int, int, int, int]
    box_scanned: tuple[int, int, int, int]
    turn: int
    letter_height: float
    known: tuple[tuple[int, int, int, int], ...]
    missing: tuple[str, ...]
    skew: float = 0.0  # degrees counter-clockwise of the scan's text lines (Page.skew)


@dataclass(frozen=True)
class MarkFound:
    kind: str  # secrecy, urgency
    value: str  # canonical: 'MẬT', 'THƯỢNG KHẨN'
    evidence: str  # the row as read again
    confidence: float


@dataclass(frozen=True)
class MarkReading:
    """What the second reading of page `page`'s stamp region gave: each row of ink read
    (text, confidence 0-1) and the marks taken from them."""

    page: int
    rows: tuple[tuple[str, float], ...]
    marks: tuple[MarkFound, ...]


def mark_gap(pages: list[Page], doc: list[list[Line]]) -> MarkGap | None:
    """The stamp region of page 1 when the first reading lacks its secrecy or urgency mark;
    None when both were read, or no line anchors the region (no number, no issuer)."""
    if not pages or not doc or not doc[0]:
        return None
    found = {m.kind for m in find_document_marks(doc)}
    missing = tuple(k for k in ("secrecy", "urgency") if k not in found)
    if not missing:
        return None
    page = pages[0]
    lines = doc[0]
    header = read_header(lines)
    # an issuer line read unsurely may be the stamp itself taken for one ('[TL YẾT? MÃI]'):
    # the region starts above it, so that it is read again
    issuers = [x for x in header.issuer_lines if x.confidence is None or x.confidence >= _UNSURE_ISSUER]
    anchor = header.number[1] if header.number else (issuers[-1] if issuers else None)
    turn, width, height = upright_frame(page)
    if anchor is None or anchor.box is None:
        return _top_gap(page, lines, missing, turn, width, height)
    letter = _letter_height(page, anchor, turn, width, height)
    x0, _, x1, y1 = anchor.box
    left = [x for x in lines[: header.end + 3] if x.box and x.side == "left"]
    lx0 = min([x.box[0] for x in left if x.box] + [x0])
    lx1 = max([x.box[2] for x in left if x.box] + [x1])
    bottom = y1 + _DEEPEST * letter
    for line in lines:  # down to the first line across the left column (the title, the body)
        # (a line level with the stamps is the stamp merged with the right column's text)
        if line.box is None or line is anchor or line.box[1] < y1 + letter or line.side == "left":
            continue
        if line.box[0] < lx1 and line.box[2] > lx0:
            bottom = min(bottom, line.box[1])
            break
    bottom = max(bottom, y1 + _SHALLOWEST * letter)
    box = (round(lx0 - letter), round(y1 - letter / 3), round(lx1 + letter), round(bottom))
    scanned = original_box(box, turn, width, height)
    # what the first reading read there is not read again: the anchor, a mark it has, running text
    known = [
        original_box(line.box, turn, width, height)
        for line in lines
        if line.box
        and line.box[0] < box[2]
        and line.box[2] > box[0]
        and line.box[1] < box[3]
        and line.box[3] > box[1]
        and (line is anchor or find_marks([line]) or _sure_words(line))
    ]
    return MarkGap(page.number, box, scanned, turn, letter, tuple(known), missing, page.skew)


def _top_gap(
    page: Page, lines: list[Line], missing: tuple[str, ...], turn: int, width: int, height: int
) -> MarkGap | None:
    """The top-left block of the page when the first reading read no header line at all (no
    number, no issuer: a dark photocopy's top lost in its grey): from the top of the page down
    to the first line read, across the left half; its letters as tall as the page's words."""
    across, down = (height, width) if turn % 2 else (width, height)
    boxed = [x for x in lines if x.box]
    words = [w for w in page.words if sum(c.isalnum() for c in w.text) >= 2]
    heights = sorted((w.box.width if turn % 2 else w.box.height) for w in words)
    if not heights:
        return None
    letter = float(heights[len(heights) // 2])
    bottom = min([x.box[1] for x in boxed if x.box] + [round(_TOP_BLOCK * down)])
    if bottom < _SHALLOWEST * 2 * letter:  # the first line read stands at the top: nothing lost above it
        return None
    box = (0, 0, round(across / 2), bottom)
    scanned = original_box(box, turn, width, height)
    known = [
        original_box(x.box, turn, width, height)
        for x in boxed
        if x.box and x.box[0] < box[2] and x.box[1] < box[3] and (find_marks([x]) or _sure_words(x))
    ]
    return MarkGap(page.number, box, scanned, turn, letter, tuple(known), missing, page.skew)


def _letter_height(page: Page, anchor: Line, turn: int, width: int, height: int) -> float:
    """The height of the anchor line's letters as scanned (across the text on a page turned a
    quarter): its shortest word of two letters or more ('Số:'), as the box of a long word on
    a skewed page is taller than its letters."""
    x0, y0, x1, y1 = original_box(anchor.box, turn, width, height)  # type: ignore[arg-type]
    heights = [
        (w.box.width if turn % 2 else w.box.height)
        for w in page.words
        if sum(c.isalnum() for c in w.text) >= 2
        and x0 <= w.box.left + w.box.width / 2 <= x1
        and y0 <= w.box.top + w.box.height / 2 <= y1
    ]
    if heights:
        return float(min(heights))
    bx0, by0, bx1, by1 = anchor.box  # type: ignore[misc]
    return float(by1 - by0)


def _sure_words(line: Line) -> bool:
    """A line of running text read surely ('V/v báo cáo kết quả'): lower-case letters, no
    word of three capitals (where a stamp merged into it could hide)."""
    if line.confidence is None or line.confidence < _SURE_LINE:
        return False
    if not any(c.islower() for c in line.text):
        return False
    return not any(sum(c.isalpha() for c in w) >= 3 and w.isupper() for w in line.text.split())


def marks_read(
    rows: Iterable[tuple[str, float]], missing: Iterable[str] = ("secrecy", "urgency")
) -> list[MarkFound]:
    """The marks of the kinds `missing` that rows read again show, a row read whole as one
    mark (`classify.marks.stamp_level`); 'HÒA LỘC' (a place) is no 'HỎA TỐC'. The highest
    level of each kind."""
    wanted = set(missing)
    found: dict[str, MarkFound] = {}
    for text, _ in rows:
        level = stamp_level(text)
        if level is None or level[0] not in wanted:
            continue
        kind, value = level
        if value.startswith("HỎA TỐC") and not _hoa_toc(text):
            continue
        exact = skeleton(text) == skeleton(value) and text.strip(" |[]()").upper() == value
        confidence = MARK_CONFIDENCE if exact else _LOOSE_CONFIDENCE
        mark = MarkFound(kind, value, text, confidence)
        order = list((SECRECY_LEVELS if kind == "secrecy" else URGENCY_LEVELS).values())
        held = found.get(kind)
        if held is None or order.index(value) < order.index(held.value):
            found[kind] = mark
    return [found[k] for k in ("secrecy", "urgency") if k in found]


def _hoa_toc(text: str) -> bool:
    """'HỎA TỐC' read with any accents ('HÓA TÔC': the engine's slips), never 'HÒA LỘC' (a
    place: its L is read as an L)."""
    return "L" not in key(text)


def with_marks(metadata: Metadata, reading: MarkReading | None) -> Metadata:
    """The metadata with the marks read again put in where the first reading had none of
    their kind, each below the review threshold, with a reason for a person."""
    if reading is None or not reading.marks:
        return metadata
    update: dict[str, object] = {}
    confidence = dict(metadata.confidence)
    review = list(metadata.review)
    for mark in reading.marks:
        if getattr(metadata, mark.kind):
            continue
        update[mark.kind] = mark.value
        confidence[mark.kind] = mark.confidence
        review.append(_REVIEW_VI[mark.kind].format(value=mark.value))
    if not update:
        return metadata
    return metadata.model_copy(update={**update, "confidence": confidence, "review": review})
