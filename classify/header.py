"""The header of page 1: issuer (top left), motto (top right), Số/ký hiệu, place and date,
the công văn 'V/v' abstract, and where the title begins.

Lines are recognised by their content, not their order, so both reading orders work: the
ground truth's row-by-row interleaving of the two columns and Tesseract's column by column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from classify.dates import PlaceDate, parse_date_line
from classify.doctypes import TOP_TITLES, DocType, by_title
from classify.fuzzy import ACCENTS_ONLY, ACCEPT
from classify.gazetteer import match_place
from classify.layout import Line, body_width, far_below, full_width
from classify.marks import find_marks
from classify.norm import is_upper_line, key, starts_lower
from classify.notation import Notation, parse_number_line
from classify.orgname import clean_header_line, initials, merge_lines

__all__ = ["Header", "read_header", "is_motto", "is_body_start"]

_NATIONAL = "CONG HOA XA HOI CHU NGHIA VIET NAM"
# A copy's or a draft's label above the header ('BẢN SAO', 'DỰ THẢO'): no part of the issuer.
_NOT_BODIES = {"BAN SAO", "BAN SAO Y", "SAO Y BAN CHINH", "BAN CHINH", "DU THAO"}
_MOTTO = "DOC LAP TU DO HANH PHUC"
_PARTY_MOTTO = "DANG CONG SAN VIET NAM"  # a Party committee's document carries it instead
_MOTTO_PARTS = ("XA HOI CHU NGHIA", "CONG HOA XA", "DOC LAP", "HANH PHUC", "CONG SAN VIET")
_BODY_START = re.compile(
    r"^[^A-Z]{0,3}(CAN CU|KINH GUI|DONG KINH GUI|THUC HIEN|XET |THEO |HOM NAY|DIEU \d|"
    r"NOI NHAN|TRONG |NHAM |VAO HOI|THANH PHAN|\d+\s*[.)]|[IVX]+\s*\.)"
)
# 'V/v', and the engine's 'V/V', 'V/', 'V/y', 'V v' (the slash lost); or the spelled-out 'Về việc'.
_VV = re.compile(r"^[^A-Z]{0,3}V\s*[/|]\s*[VY]?(?=[\s:.]|$)|^[^A-Z]{0,3}VE VIEC\b|^[^A-Z]{0,3}V V\s(?=\w)")
_MAX_HEADER_LINES = 24
# A piece of a số/ký hiệu line ('/QĐĐ-UBND', '1&33/UBNID-VP'): never part of the issuer's name.
_NOTATION_PIECE = re.compile(r"/\s*[A-ZĐ]{1,6}\s*-|\d\s*/")
# The Số label alone, its number and notation read as separate lines (a hand's number between).
_LABEL_ONLY = re.compile(r"^\W{0,4}S\s?[O068QE]\s*[:;.,]?\s*$")
# A line opening with the Số label (its colon, or digits after it), however the rest was read
# ('SỐ: UIĐT', 'SỐ 1293 BC-UBND' with the slash lost): never a line of the issuer's name
# ('SỞ NỘI VỤ' folds to the same letters, but words follow it, not a colon or a number).
_LABELLED = re.compile(r"^\W{0,4}S\s?[O0Q]\s*(?:[:;]|[.,]?\s*\d|$)")
# The place and date of issue split in two by a day written in by hand between them: 'Quảng
# Bình, ngày' and 'tháng 9 năm 2022' read as two lines, in either order.
_DATE_HEAD = re.compile(r",?\s*NGA[YV]?\W*$")
_DATE_TAIL = re.compile(r"^\W{0,2}TH[A-Z]NG\s")


@dataclass
class Header:
    issuer_lines: list[Line] = field(default_factory=list)
    number: tuple[Notation, Line] | None = None
    place_date: tuple[PlaceDate, Line] | None = None
    vv_lines: list[Line] = field(default_factory=list)
    title: tuple[DocType, str, Line] | None = None  # type, rest of the title line, line
    # the place of issue alone, when the date line was read too badly for its date ('Bình
    # Phước. ngày 09 tháng S năm 20019'): as read, when it is a known place's name
    place_only: tuple[str, Line] | None = None
    end: int = 0  # index (in page-1 lines) of the first line after the header and title


def is_motto(text: str) -> bool:
    """National title or motto line, or the Party's 'ĐẢNG CỘNG SẢN VIỆT NAM', OCR slips allowed."""
    folded = " ".join(re.sub(r"[^A-Z ]", " ", key(text)).split())
    if not folded:
        return False
    if any(part in folded for part in _MOTTO_PARTS):
        return True
    return max(SequenceMatcher(None, folded, x).ratio() for x in (_NATIONAL, _MOTTO, _PARTY_MOTTO)) >= 0.75


def is_body_start(text: str) -> bool:
    return bool(_BODY_START.match(key(text)))


def is_vv(text: str) -> bool:
    return bool(_VV.match(key(text)))


def _is_issuer_candidate(line: Line) -> bool:
    if line.side == "right" or is_motto(line.text) or _NOTATION_PIECE.search(line.text):
        return False
    if _LABELLED.match(key(line.text)):
        return False
    cleaned = clean_header_line(line.text)
    if key(cleaned) in _NOT_BODIES:
        return False
    return is_upper_line(cleaned) and not find_marks([line]) and by_title(cleaned) is None


def _left_of_motto(line: Line) -> Line:
    """The issuer part of a row the engine merged with the motto column ('UBND TỈNH X CỘNG
    HÒA XÃ HỘI ...' -> 'UBND TỈNH X'); the line itself when nothing was merged."""
    folded = key(line.text)
    cuts = [
        folded.find(x) for x in ("CONG HOA", "ONG HOA XA", "DOC LAP", "DANG CONG SAN") if folded.find(x) > 0
    ]
    if not cuts:
        return line
    cut = min(cuts)
    # the motto may have lost its first letter or two ('-ĐỘNG HÒA', 'ỘNG HÒA'): back up to
    # the start of the word
    while cut > 0 and line.text[cut - 1] not in " \t":
        cut -= 1
    return Line(
        text=line.text[:cut].strip(),
        page=line.page,
        index=line.index,
        box=None,
        page_width=line.page_width,
        confidence=line.confidence,
    )


def read_header(lines: list[Line]) -> Header:
    """Read the header from the lines of page 1."""
    header = Header()
    width = body_width(lines)
    limit = min(len(lines), _MAX_HEADER_LINES)
    number_at: int | None = None
    for i in range(limit):
        line = lines[i]
        if header.number is None:
            text = _with_pieces(lines, i, limit)
            notation = parse_number_line(text)
            if notation and text != line.text:
                # the number stood off the label's line: written in by hand, never taken as read
                notation = replace(notation, number=None, number_span=None, number_read=notation.number)
            if notation:
                header.number = (notation, line)
                number_at = i
                _date_on_same_line(header, line)
                continue
        if header.place_date is None and not is_body_start(line.text):
            found = parse_date_line(_with_date_tail(lines, i, limit))
            if found and found.place:
                found = replace(found, place=_hyphenated(found.place, line.text))
            if found and not _in_running_text(line.text):
                header.place_date = (found, line)
                continue
        if header.title is None:
            title = by_title(line.text)
            # a title opens the page only as a list's does; below the place and date, it is one
            top = title and title[0].name in TOP_TITLES
            early = number_at is None and i < 2 and header.place_date is None and not top
            if title and line.side != "left" and not early:
                header.title = (title[0], title[1], line)
                header.end = i + 1
                if header.place_date is None and title[0].name in TOP_TITLES:
                    _date_under_title(header, lines[i + 1 : i + 3])
                break
        if is_body_start(line.text) or (full_width(line, lines, width) and not is_motto(line.text) and i > 2):
            header.end = i
            break
    else:
        header.end = limit
    zone = lines[: header.end]
    stop = number_at if number_at is not None else len(zone)
    left = [_left_of_motto(x) for x in zone]
    header.issuer_lines = [x for x in left[:stop] if _is_issuer_candidate(x)]
    if not header.issuer_lines and number_at is not None:
        header.issuer_lines = [x for x in left[number_at + 1 :] if _is_issuer_candidate(x)][:3]
    header.vv_lines = _vv_lines(zone, width)
    if header.place_date is None:
        header.place_only = _place_alone(zone)
    if header.number is not None and header.number[0].slash_lost and not _own_code(header):
        header.number = None  # 'SỐ 1293 BC-UBND' with a code not the issuer's: read too badly
    return header


_PLACE_LINE = re.compile(r"^\W{0,3}(?P<place>[A-Z][A-Z -]{1,40}?)\s*[,.]\s*NGA[YV]\b")


def _place_alone(zone: list[Line]) -> tuple[str, Line] | None:
    """'Bình Phước. ngày 09 tháng S năm 20019' -> 'Bình Phước': the place before 'ngày' on a
    header line whose date did not parse, when it names a known place (gazetteer; several
    units of one name, or names differing only by accents, will do: the reader spells it
    within the issuer's province)."""
    for line in zone:
        match = _PLACE_LINE.match(key(line.text))
        if not match or is_motto(line.text) or _in_running_text(line.text):
            continue
        raw = line.text[match.start("place") : match.end("place")].strip(" -")
        if not all(w[:1].isupper() or w == "-" for w in raw.split()):
            continue
        found = match_place(raw)
        if found.name is not None and found.confidence >= ACCEPT or found.reason == ACCENTS_ONLY:
            return raw, line  # spelled canonically by the reader, within the issuer's province
    return None


def _own_code(header: Header) -> bool:
    """The codes after the type in a notation read without its slash are the issuer's own
    initials ('BC-UBND' under 'ỦY BAN NHÂN DÂN / HUYỆN VŨ THƯ'), exactly."""
    merged = merge_lines([clean_header_line(x.text) for x in header.issuer_lines])
    expected = {initials(x) for x in merged if x}
    codes = header.number[0].notation.split("-")[1:] if header.number else []
    return bool(codes) and codes[0] in expected


def _with_pieces(lines: list[Line], i: int, limit: int) -> str:
    """A 'Số:' line read alone joined with the pieces of its number and notation that follow
    on the same side ('Số:' / 'ô 27o Ọ' / '/QĐĐ-UBND'); any other line as it is."""
    text = lines[i].text
    if not _LABEL_ONLY.match(key(text)):
        return text
    before = lines[i - 1] if i > 0 else None
    if before is not None and before.side == lines[i].side and re.match(r"^\s*/\s*[A-ZĐ]", before.text):
        return f"{text.rstrip()} {before.text.strip()}"  # '/QĐĐ-UBND' read above its label
    pieces = [text]
    for line in lines[i + 1 : min(limit, i + 5)]:
        if line.side == "right" or is_motto(line.text):
            continue
        if is_vv(line.text) or is_body_start(line.text) or by_title(line.text):
            break  # the abstract or the title: the number and notation were not read at all
        pieces.append(line.text)
        if "/" in line.text:
            return " ".join(pieces)
    return text


def _hyphenated(place: str, text: str) -> str:
    """'Vũng Tàu' read from 'Bà Rịa - Vũng Tàu, ngày ...': the whole hyphenated name, when the
    words before the hyphen make with it the exact name of a known unit."""
    at = text.find(place)
    match = re.search(r"((?:[A-ZĐÀ-Ỹ][^\s,.;:\d]*\s+){1,3})-\s*$", text[:at]) if at > 0 else None
    if match is None:
        return place
    whole = f"{' '.join(match.group(1).split())} - {place}"
    found = match_place(whole)
    return whole if found.name is not None and found.distance == 0 else place


def _with_date_tail(lines: list[Line], i: int, limit: int) -> str:
    """'Quảng Bình, ngày' joined with the 'tháng 9 năm 2022' read as a line of its own just
    above or below it (the day between them written by hand: left empty, never read from the
    pieces); any other line as it is."""
    text = lines[i].text
    folded = key(text)
    if not _DATE_HEAD.search(folded) or not re.match(r"^\W{0,3}[A-Z]", folded):
        return text
    head = text.rstrip()
    if key(head).endswith("NGA"):
        head += "y"  # 'Nghệ An, ngà': the word cut where the hand's day begins
    for j in (i + 1, i - 1, i + 2, i - 2):
        if 0 <= j < limit and _DATE_TAIL.match(key(lines[j].text)) and lines[j].side == lines[i].side:
            return f"{head} {lines[j].text.strip()}"
    return text


def _in_running_text(text: str) -> bool:
    """'… cuộc họp ngày 28 tháng 7 năm 2018, đến': a date cited in a sentence (a word in lower
    case right before 'ngày', no comma between), not the place and date of issue ('Hà Nội, ngày
    …', 'ngày …' alone with its place lost, a hand's strokes in front: 'ô 27o Ọ ân Phú, ngày')."""
    at = key(text).find("NGAY")
    before = text[: max(at, 0)].rstrip()
    words = before.split()
    if not words or before.endswith((",", ".")):
        return False
    last = words[-1]
    return len(last) >= 2 and last.isalpha() and last.islower() and starts_lower(last)


def _date_under_title(header: Header, lines: list[Line]) -> None:
    """A list's '(Tính đến ngày 23 tháng 4 năm 2020)' under its title: its date."""
    for line in lines:
        found = parse_date_line(line.text)
        if found and not is_body_start(line.text):
            header.place_date = (found, line)
            return


def _date_on_same_line(header: Header, line: Line) -> None:
    """Tesseract may merge 'Số: ...' and the date into one line (same row, two columns)."""
    found = parse_date_line(line.text)
    if found and header.place_date is None:
        header.place_date = (found, line)


def _vv_lines(zone: list[Line], width: int) -> list[Line]:
    """The công văn abstract: the 'V/v ...' line and the short lines that continue it."""
    start = next((i for i, x in enumerate(zone) if is_vv(x.text)), None)
    if start is None:
        return []
    picked = [zone[start]]
    for line in zone[start + 1 :]:
        text = line.text
        if is_motto(text) or parse_date_line(text) or find_marks([line]) or line.side == "right":
            continue
        if is_body_start(text) or is_upper_line(text) or full_width(line, zone, width):
            break
        if far_below(line, picked[-1]):
            break
        ended = picked[-1].text.rstrip().endswith((".", ";"))
        if ended and not (picked[-1].text.rstrip().endswith(".") and starts_lower(text)) or len(picked) >= 4:
            break  # (a dot before a line in lower case is a comma misread: 'phòng.' / 'chống …')
        picked.append(line)
    return picked
