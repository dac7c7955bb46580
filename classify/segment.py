"""Cut a dossier (hồ sơ) scan into its documents by reading its pages.

A document of the Decree 30/2020 layout opens with a header — issuing body top left, the
national motto top right ('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc'),
the Số/ký hiệu line, place and date, the type's title — and closes with its signature block and
'Nơi nhận'. Its later pages carry a page number ('2', '- 2 -', 'Trang 2/5') and go on with the
text; its appendices ('PHỤ LỤC', '(Kèm theo Quyết định số …)') follow it without a header of their
own; a blank separator sheet may stand between two documents, a blank back inside one.

Attachments are part of the document they come with, though they carry a header of their own: the
draft a tờ trình submits ('DỰ THẢO' at the top, its number and day blank) and a blank form ('Mẫu
số 02' at the top — a box the OCR often misses — and fields left to fill, 'Họ và tên: .....').
Their header weighs nothing toward a start; the document before naming them ('có dự thảo … kèm
theo') or submitting them (a tờ trình) makes them surer. A document with no header of its own —
a one-page list — opens with its title ('DANH SÁCH …', 'DANH MỤC …') at the top of the page.

A page read empty — blank, or its lettering unread or read as noise (the front seen through the
back of the sheet) — is the back of a sheet when its document's text runs across it: page
numbers n and n + 1 either side, a sentence taken up after it, the page before not closing its
document and the page after going on with it, or a document's ending before it and its appendix
after. After a document that has not shown its ending it may be that ending, unread: review.

Each page is weighed on those cues (the header reading of classify/header.py, the ending of
classify/signer.py and classify/recipients.py): every cue adds log-odds toward "this page starts
a document" or toward "it continues the one before", and names the text it saw. The sum gives
the page's role and a confidence; a role below `REVIEW_BELOW` goes to review (a person moves the
boundary), it is never silently taken as sure.

    from classify.segment import segment_dossier
    result = segment_dossier(pages)      # schemas.Page list, in scan order
    [d.pages for d in result.documents]  # [[1, 2], [3], [5, 6, 7]]   (4: a blank sheet)

A long scan need not keep its pages' words until it is cut: each page's cues are read as the
page is read (`page_cues`: what the cutting reads of a page, a few lines' text and no words) and
`segment_cues` cuts the scan from them; `segment_dossier(pages)` is the two in one.

Pure: pages (or their cues) in, `schemas.dossier.Segmentation` out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from classify.doctypes import TOP_TITLES
from classify.header import Header, is_motto, read_header
from classify.layout import Line, page_lines, unreadable
from classify.norm import is_upper_line, key, letters, starts_lower
from classify.notation import Notation
from classify.recipients import read_recipients
from classify.signer import read_signers
from schemas import Page
from schemas.dossier import BoundaryCue, CueName, DocumentSpan, PageSegment, Segmentation
from vntext.normalise import nfc

__all__ = [
    "REVIEW_BELOW",
    "PageCues",
    "document_pages",
    "page_cues",
    "read_page_cues",
    "segment_cues",
    "segment_dossier",
    "split_at",
]

# A role less sure than this goes to review.
REVIEW_BELOW = 0.8

# Log-odds of "starts a document" for a page that shows nothing either way: most pages of a
# dossier continue a document, and a start is only taken on evidence.
_PRIOR = -2.5
WEIGHTS: dict[CueName, float] = {
    "motto": 4.0,
    "number": 5.0,
    "issuer": 1.0,
    "title": 1.5,
    "place_date": 1.5,
    "page_number": -4.0,
    "first_page_number": 2.5,
    "appendix": -5.5,
    "attachment": -1.0,
    "unissued": -1.0,
    "form_fields": -1.0,
    "attached_to": -2.0,
    "list_title": 3.0,
    "continuation_text": -2.0,
    "previous_ended": 1.5,
    "previous_open": -1.5,
    "after_blank": 0.75,
}
_SEQUENCE_BONUS = -1.5  # a page number that follows the page before's: surer still
_APPENDIX_BONUS = -1.5  # an appendix naming the number of the document before it
_UNREAD_CONFIDENCE = 0.6  # a page partly unread is never sure: it goes to review
_BACK_CONFIDENCE = 0.9  # a page read empty that the text or the numbering runs across
_UNREAD_MIN = 40  # % of a page's lettering unread (ocr/quality.py's reason) that makes it unsure
_UNREAD_SHARE = re.compile(r"^(\d+)% of the lettering was not read")

_HEADER_CUES = ("motto", "number", "title")
_STRONG_CUES = (*_HEADER_CUES, "appendix", "attachment", "list_title")
_GARBLED_CONFIDENCE = 50  # mean word confidence below which an unread page's reading is noise
_OWN_HEADER_CUES = ("motto", "number", "issuer", "title", "place_date", "first_page_number", "list_title")
_HEADER_LINES = 12  # the header zone: the first lines of a page in reading order
_EDGE_LINES = 2  # a page number stands among the first (or last) lines
_MOTTO_MAX = 70  # a motto line is short (a merged issuer | motto row a little longer)
_BLANK_LETTERS = 12  # fewer readable letters than this: a blank sheet
_QUOTED_LINES = 3  # a page's first lines quoted by a blank-sheet cue (the last: 'previous_open')

_PAGE_NO = re.compile(r"^[\s\-–—_.·(]*(\d{1,3})[\s\-–—_.·)]*$")
_PAGE_OF = re.compile(r"^[\s\-–—_.]*(?:TRANG\s*)?(\d{1,3})\s*/\s*(\d{1,3})[\s\-–—_.]*$")
_PAGE_WORD = re.compile(r"^[\s\-–—_.]*TRANG\s*(?:SO\s*)?(\d{1,3})(?:\s*(?:/|TREN)\s*(\d{1,3}))?[\s\-–—_.]*$")
_APPENDIX = re.compile(r"^[^A-Z]{0,3}(PHU\s*LUC|PH\s*LUC|PHULUC)\b")
_ENCLOSED = re.compile(r"^[^A-Z]{0,3}\(?\s*(KEM\s*THEO|BAN\s*HANH\s*KEM\s*THEO)\b")
_DRAFT = re.compile(r"^[^A-Z]{0,3}(DU\s*THAO|BAN\s*DU\s*THAO)\b")
# 'Mẫu số 02', 'Biểu số 3', 'Mẫu 01/TK' boxed at the top of a form
_FORM_LABEL = re.compile(r"^[^A-Z]{0,3}(MAU|BIEU)\s*(SO\s*)?[0-9IVX]{1,3}\b")
# a field left to fill: 'Họ và tên: ........' (the dots may be lost in reading: 'Họ và tên:')
_FIELD = re.compile(r"^([^\W\d_][^:.]{1,30}):\s*[.…_\s]*$")
_NOT_FIELDS = ("SO", "NOI NHAN", "KINH GUI", "DONG KINH GUI", "CAN CU")
_FORM_FIELDS = 3  # this many empty fields one under the other: a blank form
# the date of a document not issued yet: 'Hải Dương, ngày    tháng    năm 2019'
_BLANK_DAY = re.compile(r"\bNGAY[\s.…_]*THANG[\s.…_]*NAM\s*\d{4}")
# a document with no header that opens with its title: a list or a table of its own
_LIST_TITLE = re.compile(
    r"^[^A-Z]{0,3}(DANH\s*SACH|DANH\s*MUC|BANG\s*KE|BANG\s*TONG\s*HOP|BANG\s*THONG\s*KE)\b"
)
# what a document says of an attachment it comes with ('có dự thảo Quyết định kèm theo', 'theo
# mẫu kèm theo', 'gửi kèm theo dự thảo', 'biểu mẫu kèm theo')
_NAMES_ATTACHMENT = re.compile(
    r"\b(DU\s*THAO|BIEU\s*MAU|MAU\s*SO|CAC\s*MAU|MAU\s*PHIEU)\b[^.;]{0,60}\bKEM\s*THEO\b"
    r"|\bMAU\s+KEM\s*THEO\b"
    r"|\bKEM\s*THEO\b[^.;]{0,40}\b(DU\s*THAO|BIEU\s*MAU|MAU\s*SO|CAC\s*MAU)\b"
)
# a document that submits a draft for approval: its attached draft follows it
_SUBMITS_DRAFT = ("Tờ trình",)
_END_OF_BODY = re.compile(r"\.?\s*/\s*\.\s*$")  # "./." (or "/." as read) closing the body
_REF_NUMBER = re.compile(r"(\d{1,6})\s*/\s*([0-9A-Z][0-9A-Z/\-]*)")


@dataclass
class PageCues:
    """What one page shows: blank or not, its header, page number, appendix and ending."""

    number: int
    lines: list[Line]
    blank: bool
    header: Header | None = None
    notation: str | None = None  # the số/ký hiệu read in the header ("15/QĐ-UBND")
    page_number: tuple[int, int | None, str] | None = None  # (n, of m, text)
    start: list[BoundaryCue] = field(default_factory=list)  # cues of the page itself
    ended: BoundaryCue | None = None  # the page closes its document (signature, Nơi nhận)
    body_closed: bool = False  # its running text ends with './.'
    unread: str | None = None  # the OCR saw lettering it could not read (why)
    garbled: bool = False  # ... and what it read is mostly noise (a page seen through the paper)
    enclosed_ref: str | None = None  # the number an appendix says it belongs to
    first_text: str = ""  # the first line of running text
    attachment: str | None = None  # "draft" ('DỰ THẢO') or "form" ('Mẫu số', empty fields)
    doc_type: str | None = None  # the type its title names ("Tờ trình"), on a first page
    names_attachment: str | None = None  # the line where it says an attachment comes with it


def segment_dossier(pages: list[Page], review_below: float = REVIEW_BELOW) -> Segmentation:
    """The documents of a dossier scan: each page's role with its confidence and cues."""
    return segment_cues([page_cues(page) for page in pages], review_below)


def segment_cues(cues: Sequence[PageCues], review_below: float = REVIEW_BELOW) -> Segmentation:
    """`segment_dossier` from each page's cues (`page_cues`), read as the pages were read."""
    views = sorted(cues, key=lambda view: view.number)
    backs = _backs(views)
    out: list[PageSegment] = []
    documents: list[DocumentSpan] = []
    previous: PageCues | None = None  # the last page with text
    blank_before = False
    numbers: dict[int, str] = {}  # document order -> its số/ký hiệu, for appendix references
    ended = False  # the open document has shown its ending (its appendices may follow)
    host: BoundaryCue | None = None  # what makes the open document one that comes with attachments
    for view in views:
        if view.blank or view.number in backs:
            confidence = 1.0 if not view.lines else 0.95
            cues = [BoundaryCue(cue="blank", weight=0.0, text=_sample(view.lines), page=view.number)]
            if view.number in backs:
                # the document's text runs on across it: the back of one of its sheets
                reason, sure = backs[view.number]
                cues.append(_cue("blank_back", reason, view.number))
                if not sure:
                    confidence = _BACK_CONFIDENCE
                if not view.blank:
                    # read as unread lettering (the front showing through, or a page of text the
                    # OCR could not read): blank, but not sure
                    cues.append(_cue("unreadable", view.unread or "", view.number))
                    confidence = _BACK_CONFIDENCE if sure else _UNREAD_CONFIDENCE
            elif previous is not None and not ended:
                # the document before has not ended (its text may close with './.', its signature
                # and 'Nơi nhận' overleaf): maybe a page of it the OCR did not read
                cues.append(_cue("previous_open", _sample(previous.lines[-1:]), previous.number))
                confidence = _UNREAD_CONFIDENCE
            review = confidence < review_below
            out.append(
                PageSegment(number=view.number, role="blank", confidence=confidence, review=review, cues=cues)
            )
            blank_before = previous is not None and view.number not in backs  # a back separates nothing
            continue
        if previous is None:
            cues = list(view.start)
            role, confidence = "start", 1.0  # nothing before it: the first document starts here
        else:
            cues = _context_cues(view, previous, blank_before, numbers.get(len(documents)), ended, host)
            score = _PRIOR + sum(c.weight for c in cues)
            p_start = 1 / (1 + math.exp(-score))
            role = "start" if p_start >= 0.5 else "continuation"
            confidence = round(max(p_start, 1 - p_start), 4)
            if view.attachment and host is None and (blank_before or _only_unissued(view)):
                # an attachment behind a separator sheet, or known only by its blank number and day,
                # its document not naming it: a person decides
                confidence = min(confidence, _UNREAD_CONFIDENCE)
            if view.unread is not None and not any(c.cue in _HEADER_CUES for c in cues):
                # what could not be read may hold a header
                cues.append(_cue("unreadable", view.unread, view.number))
                confidence = min(confidence, _UNREAD_CONFIDENCE)
        review = confidence < review_below
        if role == "start":
            documents.append(
                DocumentSpan(order=len(documents) + 1, pages=[], confidence=confidence, review=review)
            )
            if view.notation:
                numbers[len(documents)] = view.notation
            ended = False
            host = _host(view)
        elif view.notation and len(documents) not in numbers:
            numbers[len(documents)] = view.notation
        if host is None and view.attachment is None and view.names_attachment:
            host = _cue("attached_to", view.names_attachment, view.number)
        ended = ended or view.ended is not None
        documents[-1].pages.append(view.number)
        if review:
            documents[-1].review = True  # a boundary at or inside it is uncertain
        out.append(
            PageSegment(
                number=view.number,
                role=role,
                confidence=confidence,
                review=review,
                document=len(documents),
                cues=cues,
            )
        )
        previous, blank_before = view, False
    return Segmentation(pages=out, documents=documents, threshold=review_below)


def _context_cues(
    view: PageCues,
    previous: PageCues,
    blank_before: bool,
    open_number: str | None,
    ended: bool,
    host: BoundaryCue | None,
) -> list[BoundaryCue]:
    """The page's own cues, weighed against the page before it (`ended`: the open document
    showed its ending on an earlier page, so what follows it is an appendix or a new document;
    `host`: the open document says it comes with an attachment, or is of a type that does)."""
    cues = []
    for cue in view.start:
        if view.attachment and cue.cue in _OWN_HEADER_CUES:
            # an attached draft or form carries a header of its own: it starts no document
            cue = cue.model_copy(update={"weight": 0.0})
        if view.garbled and cue.cue in ("issuer", "place_date"):
            cue = cue.model_copy(update={"weight": 0.0})  # capitals and digits read from noise
        if cue.cue == "page_number" and view.page_number and _follows(view.page_number, previous):
            cue = cue.model_copy(update={"weight": cue.weight + _SEQUENCE_BONUS})
        ref = view.enclosed_ref
        if cue.cue == "appendix" and ref and open_number and _same_number(ref, open_number):
            cue = cue.model_copy(
                update={"weight": cue.weight + _APPENDIX_BONUS, "text": f"{cue.text} = {open_number}"}
            )
        cues.append(cue)
    if previous.ended is not None:
        cues.append(previous.ended)
    elif not previous.body_closed and not ended:  # './.' alone: the ending may be overleaf
        cues.append(_cue("previous_open", _sample(previous.lines[-1:]), previous.number))
    if blank_before:
        cues.append(_cue("after_blank", "", view.number))
    if view.attachment and host is not None:
        cues.append(host)
    return cues


def _only_unissued(view: PageCues) -> bool:
    return not any(c.cue in ("attachment", "form_fields") for c in view.start)


def _host(view: PageCues) -> BoundaryCue | None:
    """A first page whose document comes with an attachment: it says so, or it is a tờ trình
    (which submits the draft it asks to approve)."""
    if view.names_attachment:
        return _cue("attached_to", view.names_attachment, view.number)
    if view.doc_type in _SUBMITS_DRAFT:
        return _cue("attached_to", view.doc_type, view.number)
    return None


def _is_field(text: str) -> bool:
    """A label with its value left blank: capitalised, not in capitals (a heading), not one of
    a document's own labels ('Số:', 'Nơi nhận:'); not the end of a wrapped sentence ('hằng quý:',
    the ';' read as ':')."""
    match = _FIELD.match(text.strip())
    if match is None:
        return False
    label = match.group(1).strip()
    return label[0].isupper() and not is_upper_line(label) and key(label) not in _NOT_FIELDS


def _backs(views: list[PageCues]) -> dict[int, tuple[str, bool]]:
    """The pages with nothing read on them (blank; or their lettering unread, nothing read or
    only noise) that a document's text runs across, and whether that is sure: the pages either
    side numbered n and n + 1, or a sentence left open before and taken up after (sure); the page
    before not closing its document and the page after going on with it, or a document's ending
    before it and its appendix after it (less sure: a text-poor page the OCR missed stands at a
    document's end, seldom in the middle). Such a page is the back of a sheet, not a page of text."""
    out: dict[int, tuple[str, bool]] = {}
    for i, view in enumerate(views):
        read = view.lines and not view.garbled
        if not view.blank and (view.unread is None or read or any(c.cue in _STRONG_CUES for c in view.start)):
            continue
        before, after = views[i - 1] if i else None, views[i + 1] if i + 1 < len(views) else None
        if before is None or after is None or before.blank or after.blank or not before.lines:
            continue
        plain = all(c.cue in ("page_number", "continuation_text") for c in after.start)
        if after.page_number is not None and _follows(after.page_number, before):
            out[view.number] = (
                f"page {before.number} and page {after.number} ('{after.page_number[2]}') follow on",
                True,
            )
        elif _open_sentence(before.lines[-1].text) and starts_lower(after.first_text) and plain:
            out[view.number] = (f"'{before.lines[-1].text[-40:]}' … '{after.first_text[:40]}'", True)
        elif (
            before.ended is None
            and (not before.body_closed or after.ended is not None)
            and plain
            and after.page_number is None
        ):
            # the text ends with './.' before it and its ending is read after it: not that ending
            # (numbered pages either side that do not follow on: the page between is one of them)
            out[view.number] = (f"page {before.number} not ended, page {after.number} goes on", False)
        elif before.ended is not None and any(c.cue == "appendix" for c in after.start):
            # between a document's ending and its appendix: not a page of either
            out[view.number] = (f"page {before.number} ended, page {after.number} its appendix", False)
    return out


def _open_sentence(text: str) -> bool:
    return bool(letters(text)) and not text.rstrip().endswith((".", ";", ":", "!", "?", ")"))


def _follows(page_number: tuple[int, int | None, str], previous: PageCues) -> bool:
    n = page_number[0]
    if previous.page_number is not None:
        return n == previous.page_number[0] + 1
    return n == 2 and any(c.cue in ("motto", "number") for c in previous.start)


def _same_number(ref: str, number: str) -> bool:
    def digits(text: str) -> str:
        return key(text).split("/")[0].strip().lstrip("0")

    return digits(ref) == digits(number)


def page_cues(page: Page) -> PageCues:
    """What cutting the scan reads of one page: its cues, with only the lines a cue or a blank
    sheet quotes (the first three, the last), without the engine's words, and no header (read
    into the cues). Small beside the page: a long scan keeps these, not its pages' words."""
    view = read_page_cues(page)
    lines = view.lines
    kept = lines if len(lines) <= _QUOTED_LINES + 1 else [*lines[:_QUOTED_LINES], lines[-1]]
    view.lines = [replace(line, words=()) for line in kept]
    view.header = None
    return view


def read_page_cues(page: Page) -> PageCues:
    """Read one page's cues (pure), with every line of the page and its header as read."""
    lines = [x for x in page_lines(page) if x.text.strip()]
    unread = _unread(page)
    blank = not unread and _is_blank(page, lines)
    view = PageCues(number=page.number, lines=lines, blank=blank, unread=unread)
    view.garbled = unread is not None and (page.unreadable or page.confidence < _GARBLED_CONFIDENCE)
    if view.blank:
        return view
    number = page.number
    view.page_number = _page_number(lines)
    body = lines
    if view.page_number is not None:
        n, of, text = view.page_number
        if n == 1 and (of is not None or text.strip() != "1"):
            view.start.append(_cue("first_page_number", text, number))
        elif n >= 2:
            view.start.append(_cue("page_number", text, number))
        body = [x for x in lines if x.text != text]
    header = read_header(body)
    view.header = header
    zone = body[:_HEADER_LINES]
    motto = next((x for x in zone if len(x.text) <= _MOTTO_MAX and _is_motto(x.text)), None)
    if motto is not None:
        view.start.append(_cue("motto", motto.text, number))
    if header.number is not None and header.number[1] in zone:
        notation, line = header.number
        view.start.append(_cue("number", line.text, number))
        if notation.number:
            view.notation = notation.full
    if header.issuer_lines and header.issuer_lines[0] in zone[:6]:
        view.start.append(_cue("issuer", " / ".join(x.text for x in header.issuer_lines[:3]), number))
    if header.place_date is not None and header.place_date[1] in zone:
        view.start.append(_cue("place_date", header.place_date[1].text, number))
    if header.title is not None and header.title[2] in zone:
        top = header.title[0].name in TOP_TITLES and header.title[2] in body[:2]
        view.start.append(_cue("list_title" if top else "title", header.title[2].text, number))
        view.doc_type = header.title[0].name
    _appendix(view, body[:6])
    _form(view, body)
    if header.number is not None and header.number[1] in zone:
        _unissued(view, header.number[0], zone)
    if view.attachment and view.notation:
        view.attachment = None  # its number is read: an issued document, not a draft or a blank form
    if not view.start or all(c.cue in ("issuer", "place_date") for c in view.start):
        heading = next(
            (x for x in body[:2] if _LIST_TITLE.match(key(x.text)) and is_upper_line(x.text)), None
        )
        if heading is not None:
            view.start.append(_cue("list_title", heading.text, number))
    view.names_attachment = _names_attachment(lines)
    first = _first_running_line(body, header)
    if first is not None:
        view.first_text = first.text
        if starts_lower(first.text) and not view.start:
            view.start.append(_cue("continuation_text", first.text, number))
    view.ended = _ending(lines, number)
    view.body_closed = view.ended is None and _body_closed(lines)
    return view


def _is_motto(text: str) -> bool:
    """The national motto, or the Party's 'ĐẢNG CỘNG SẢN VIỆT NAM' that stands in its place."""
    return is_motto(text) or "DANG CONG SAN VIET NAM" in " ".join(re.sub(r"[^A-Z ]", " ", key(text)).split())


def _cue(name: CueName, text: str, page: int) -> BoundaryCue:
    return BoundaryCue(cue=name, weight=WEIGHTS.get(name, 0.0), text=text.strip()[:160], page=page)


def _sample(lines: list[Line]) -> str:
    return " / ".join(x.text for x in lines[:_QUOTED_LINES])[:160]


def _unread(page: Page) -> str | None:
    """Why the page's own reading says much of its lettering went unread (None: it does not).
    The page reader's review reasons say so ('46% of the lettering was not read (>= 15%)')."""
    if page.unreadable:
        return "; ".join(page.review_reasons) or "unreadable page"
    for reason in page.review_reasons:
        share = _UNREAD_SHARE.match(reason)
        if share and int(share.group(1)) >= _UNREAD_MIN:
            return reason
    return None


def _is_blank(page: Page, lines: list[Line]) -> bool:
    """No readable text: no line, or only debris (an edge, a punch hole read as letters)."""
    readable = [x for x in lines if not unreadable(x)]
    if page.words:
        # words the engine was fairly sure of, with two letters or more
        sure = [w for w in page.words if w.confidence >= 50 and len(letters(w.text)) >= 2]
        count = sum(len(letters(w.text)) for w in sure)
        return count < _BLANK_LETTERS and len(sure) < 3
    return sum(len(letters(x.text)) for x in readable) < _BLANK_LETTERS and not any(
        _PAGE_NO.match(x.text) for x in lines
    )


def _page_number(lines: list[Line]) -> tuple[int, int | None, str] | None:
    """'2', '- 2 -', 'Trang 2/5', '2/5' standing alone at the top (or the foot) of the page."""
    edge = lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]
    for line in edge:
        text = line.text.strip()
        if len(text) > 14:
            continue
        folded = key(text)
        for pattern in (_PAGE_WORD, _PAGE_OF, _PAGE_NO):
            match = pattern.match(folded)
            if not match:
                continue
            n = int(match.group(1))
            of = int(match.group(2)) if match.lastindex and match.lastindex >= 2 and match.group(2) else None
            if n == 0 or n > 500 or (of is not None and (of < n or of > 500)):
                break
            if pattern is _PAGE_NO and not _centred(line):
                break  # a lone number off centre: a table cell, not a page number
            return n, of, text
    return None


def _centred(line: Line) -> bool:
    if line.box is None or line.page_width <= 0:
        return True
    middle = (line.box[0] + line.box[2]) / 2
    return 0.3 * line.page_width <= middle <= 0.7 * line.page_width


def _appendix(view: PageCues, top: list[Line]) -> None:
    """'PHỤ LỤC' / '(Kèm theo …)' near the top: an appendix; 'DỰ THẢO': an attached draft."""
    found = None
    for line in top:
        folded = key(line.text)
        if _APPENDIX.match(folded) and len(line.text) <= 60:
            found = found or line
        if _ENCLOSED.match(folded):
            found = found or line
            ref = _REF_NUMBER.search(folded)
            if ref:
                view.enclosed_ref = f"{ref.group(1)}/{ref.group(2)}"
    if found is not None:
        view.start.append(_cue("appendix", found.text, view.number))
        return
    for line in top:
        folded = key(line.text)
        kind = "draft" if _DRAFT.match(folded) else "form" if _FORM_LABEL.match(folded) else None
        if kind and len(line.text) <= 30:
            view.start.append(_cue("attachment", line.text, view.number))
            view.attachment = kind
            return


def _unissued(view: PageCues, notation: Notation, zone: list[Line]) -> None:
    """A Số line with no number and a date with no day: a document not issued yet, a draft (the
    'DỰ THẢO' box may go unread). A number or day written in by hand and not read looks the same
    for one of the two, seldom for both."""
    if notation.number is not None or notation.number_read is not None:
        return
    text = nfc(" ".join(x.text for x in zone))
    day = _BLANK_DAY.search(key(text))  # key() keeps an NFC text's length: offsets carry over
    if day is None:
        return
    view.start.append(_cue("unissued", f"{notation.evidence} / {text[day.start() : day.end()]}", view.number))
    view.attachment = view.attachment or "draft"


def _names_attachment(lines: list[Line]) -> str | None:
    """Where the page says an attachment comes with its document (the phrase may run over two
    lines), as written."""
    text = nfc(" ".join(x.text.strip() for x in lines))
    match = _NAMES_ATTACHMENT.search(key(text))  # key() keeps an NFC text's length: offsets carry over
    return text[match.start() : match.end()] if match else None


def _form(view: PageCues, lines: list[Line]) -> None:
    """Fields left to fill ('Họ và tên: ......'): a blank form, attached to the document it
    comes with (a filled-in form, signed, is a document of its own: its fields are not empty)."""
    fields: list[Line] = []
    run: list[Line] = []
    for line in lines:
        run = [*run, line] if _is_field(line.text) else []
        if len(run) > len(fields):
            fields = run
    if len(fields) < _FORM_FIELDS or any(c.cue == "appendix" for c in view.start):
        return
    view.start.append(_cue("form_fields", " / ".join(x.text.strip() for x in fields[:3]), view.number))
    view.attachment = view.attachment or "form"


def _first_running_line(lines: list[Line], header: Header) -> Line | None:
    """The first line of body text: after the header when the page has one."""
    rest = lines[header.end :] if (header.number or header.title) else lines
    for line in rest:
        if len(letters(line.text)) >= 3 and not unreadable(line):
            return line
    return None


def _ending(lines: list[Line], page: int) -> BoundaryCue | None:
    """The page closes its document: a signature block, the 'Nơi nhận' list, or './.'."""
    signers = read_signers([lines])
    if signers:
        block = signers[-1]
        return _cue("previous_ended", " / ".join(block.evidence), page)
    recipients, used = read_recipients([lines])
    if used:
        return _cue("previous_ended", "Nơi nhận: " + "; ".join(recipients[:3]), page)
    return None


def _body_closed(lines: list[Line]) -> bool:
    """The running text ends with './.' on this page (its ending may still follow overleaf)."""
    return any(_END_OF_BODY.search(x.text) for x in lines[-12:])


def document_pages(pages: list[Page], segmentation: Segmentation) -> list[list[Page]]:
    """The pages of each document, in order (blank sheets left out), for reading its metadata."""
    by_number = {page.number: page for page in pages}
    return [[by_number[n] for n in document.pages] for document in segmentation.documents]


def split_at(segmentation: Segmentation, starts: list[int]) -> Segmentation:
    """The segmentation with its boundaries set by a person: documents start at `starts` (page
    numbers; the first page with text always starts one), blank sheets stay blank. Every page
    then carries a 'reviewed' cue and confidence 1 (for the planned 'sohoa dossier split ID --at 3,7')."""
    wanted = set(starts)
    text_pages = [p for p in segmentation.pages if p.role != "blank"]
    unknown = wanted - {p.number for p in text_pages}
    if unknown:
        raise ValueError(f"not a page with text of this dossier: {sorted(unknown)}")
    out: list[PageSegment] = []
    documents: list[DocumentSpan] = []
    for page in segmentation.pages:
        if page.role == "blank":
            out.append(page.model_copy(update={"review": False, "confidence": 1.0}))
            continue
        if not documents or page.number in wanted:
            documents.append(DocumentSpan(order=len(documents) + 1, pages=[], confidence=1.0))
        documents[-1].pages.append(page.number)
        role = "start" if documents[-1].pages == [page.number] else "continuation"
        cue = BoundaryCue(cue="reviewed", weight=0.0, text=role, page=page.number)
        out.append(
            PageSegment(
                number=page.number,
                role=role,
                confidence=1.0,
                document=len(documents),
                cues=[*page.cues, cue],
            )
        )
    return Segmentation(pages=out, documents=documents, threshold=segmentation.threshold)
