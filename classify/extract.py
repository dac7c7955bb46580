"""extract_metadata: read the fixed layout of a Vietnamese administrative document.

Pure: pages in (text, optionally word boxes), Metadata out, each field with a confidence
(0-1) and, in `extract()`, the text it was read from.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import replace

from classify.bodies import CanonicalBody, canonical_body, canonical_position
from classify.date_reading import DateReading, with_year_checked
from classify.dates import PlaceDate, parse_date_line
from classify.doctypes import CONG_VAN
from classify.extraction import Evidence, Extraction, MarkFound, SignerFound
from classify.gazetteer import AMBIGUOUS, match_place
from classify.handwriting import (
    DAY_MIN_CONFIDENCE,
    GLUED_MIN_CONFIDENCE,
    GLUED_OTHERS,
    MIN_CONFIDENCE,
    hand_filled,
)
from classify.header import Header, read_header
from classify.layout import Line, document_lines
from classify.marks import SECRECY_LEVELS, URGENCY_LEVELS, Mark, find_marks, strongest
from classify.norm import key
from classify.notation import Notation, align_code, parse_number_line
from classify.number_reading import LOST, NumberReading, agreed
from classify.orgname import clean_header_line, initials, merge_lines, read_bodies
from classify.personal import find_personal_data
from classify.recipients import read_addressees, read_recipients
from classify.reference import SelfReference, find_self_reference
from classify.signer import SecondReading, SignerBlock, is_incomplete_name, is_person_name, read_signers
from classify.stamp import read_incoming
from classify.subject import read_subject
from schemas import IncomingStamp, Metadata, Page, PersonalData, Signer

__all__ = ["extract", "extract_metadata", "find_document_marks"]

log = logging.getLogger(__name__)

# Confidence that a field is truly absent when nothing was found on a clean text.
_ABSENT = 0.9


def extract_metadata(
    pages: list[Page],
    second: SecondReading | None = None,
    date: DateReading | None = None,
    number: NumberReading | None = None,
) -> Metadata:
    return extract(pages, second, date, number).metadata


def extract(
    pages: list[Page],
    second: SecondReading | None = None,
    date: DateReading | None = None,
    number: NumberReading | None = None,
) -> Extraction:
    """Metadata plus the evidence behind it and the fields Metadata cannot hold yet.
    `second`: a second reading of the signature region (classify.signer.signature_gap);
    `date`: the date line with its day/month read again (classify.date_reading.date_gap);
    `number`: the Số line read again (classify.number_reading.number_gap)."""
    pages = sorted(pages, key=lambda p: p.number)
    doc = document_lines(pages)
    first = doc[0] if doc else []
    header = read_header(first)
    conf: dict[str, float] = {}
    evidence: dict[str, Evidence] = {}
    fields: dict[str, object] = {}
    quality = _quality(first)

    review: list[str] = []
    reference = find_self_reference(doc[1:])
    _number(header, fields, conf, evidence, review, _page_confidence(first), reference, number)
    reread_line = _date_again(header, first, date)
    on = _place_date(header, fields, conf, evidence, quality, review)
    if reread_line and fields.get("date") and date:
        text = f"{reread_line.text} → {date.text} (đọc lại chữ số)"
        evidence["date"] = Evidence(text=text, page=reread_line.page)
    _issuer(header, fields, conf, evidence, quality, review, on)
    fields["doc_type"], conf["doc_type"], form = _doc_type(header)
    if header.title:
        evidence["doc_type"] = _ev(header.title[2])
    subject = read_subject(first, header)
    if subject:
        fields["subject"] = subject[0]
        conf["subject"] = _mean(x.weight(0.85) for x in subject[1])
        evidence["subject"] = Evidence(text=subject[0], page=subject[1][0].page)
    else:
        conf["subject"] = quality * 0.5

    signers = read_signers(doc, second)
    if second and not signers:
        review.append("Họ tên người ký không đọc được (đã đọc lại vùng chữ ký): cần nhập")
    if signers:
        main = signers[-1] if len(signers) == 1 else signers[0]
        fields["signer"] = _signer(main)
        conf["signer"] = main.confidence
        evidence["signer"] = Evidence(text=" / ".join(main.evidence), page=main.page)
        if is_incomplete_name(main.name):
            # the family name lost (a seal over it): a part of a name is no name to file under
            log.info("signer name left empty: %r lacks its family name", main.name)
            conf["signer"] = 0.0
            review.append(f"Họ tên người ký đọc không đủ (“{main.name}”): cần nhập")
        if main.review:  # a name not sure enough to store (classify.signer): left for a person
            conf["signer"] = 0.0
            review.append(main.review)
    else:
        conf["signer"] = quality * 0.5

    _petitioner(doc, fields, conf, evidence)

    recipients, used = read_recipients(doc)
    fields["recipients"] = recipients
    conf["recipients"] = _mean(x.weight(0.85) for x in used) if used else quality * 0.6
    addressees, _ = read_addressees(first)

    marks = find_document_marks(doc, header)
    _marks(marks, fields, conf, evidence, quality)

    personal = find_personal_data(document_lines(pages, columns=False))
    fields["personal_data"] = [PersonalData(kind=x.kind, value=x.value, page=x.page) for x in personal]
    conf["personal_data"] = min(x.confidence for x in personal) if personal else quality

    found = read_incoming(first, fields.get("date"))  # type: ignore[arg-type]
    conf["incoming"] = found.confidence if found else quality
    incoming = IncomingStamp(number=found.number, date=found.date, page=found.page) if found else None

    fields["review"] = review
    # a year read wrong ('2016' on the date line, '2018' all through the text): left empty, flagged
    metadata = with_year_checked(_metadata(fields, conf, incoming, addressees, signers), pages)
    return Extraction(
        metadata=metadata,
        notation_form=form,
        title=header.title[2].text if header.title else None,
        header_left=[clean_header_line(x.text) for x in header.issuer_lines],
        addressees=addressees,
        signers=[
            SignerFound(
                name=s.name,
                authority=s.authority,
                position=s.position,
                on_behalf_of=s.on_behalf_of,
                title_lines=list(s.title_lines),
                page=s.page,
            )
            for s in signers
        ],
        incoming=incoming,
        marks=[
            MarkFound(
                kind=m.kind,
                value=m.value,
                page=m.page,
                evidence=m.evidence,
                confidence=m.confidence,
                standalone=m.standalone,
            )
            for m in marks
        ],
        evidence=evidence,
    )


def find_document_marks(doc: list[list[Line]], header: Header | None = None) -> list[Mark]:
    """Stamps anywhere in the document (urgency on page 1 only: an appendix line 'KHĂN' is
    not one); mark words merged into a longer line only in the header zone of page 1 (where
    ô 10a/10b are), not in the body."""
    if not doc:
        return []
    first = doc[0]
    header = header or read_header(first)
    zone = set(range(min(len(first), header.end + 3)))
    marks: list[Mark] = []
    for lines in doc:
        for i, line in enumerate(lines):
            for mark in find_marks([line]):
                if mark.kind == "urgency" and lines is not first:
                    continue  # the độ khẩn stamp stands under the number on page 1 (Decree 30, ô 10b)
                if mark.standalone or (lines is first and i in zone):
                    marks.append(mark)
    return marks


_SELF_NAMED = re.compile(r"\b(?:Tôi|Chúng tôi)\s+tên\s+là\s*:?\s*(?P<name>[^,.;\d]{3,60})")


def _petitioner(doc: list[list[Line]], fields, conf, evidence) -> None:
    """A citizen's đơn has no issuing body: its author is the petitioner, who signs it
    ('NGƯỜI LÀM ĐƠN' / name) and names himself in it ('Tôi tên là: ...')."""
    if fields.get("issuer") or not str(fields.get("doc_type") or "").startswith("Đơn"):
        return
    signer = fields.get("signer")
    found = (_SELF_NAMED.search(x.text) for lines in doc for x in lines)
    named = next((m.group("name").strip() for m in found if m), None)
    named = named if named and is_person_name(named) else None
    name = (signer.name if signer else None) or named
    if not name:
        return
    agree = bool(signer and named and key(signer.name) == key(named))
    fields["issuer"] = fields["issuer_printed"] = name
    base = min(conf.get("signer", 0.0), 0.95) if signer and signer.name else 0.7
    conf["issuer"] = round(base * (1.0 if agree else 0.85), 3)
    page = evidence["signer"].page if signer and signer.name else 1
    evidence["issuer"] = Evidence(text=f"người làm đơn: {name}", page=page)


def _metadata(fields, conf, incoming: IncomingStamp | None, addressees, signers) -> Metadata:
    data = dict(fields)
    data["confidence"] = {k: round(max(0.0, min(1.0, v)), 3) for k, v in conf.items()}
    data["incoming"] = incoming.model_copy() if incoming else None  # not shared with the Extraction
    data["addressees"] = addressees
    data["signers"] = [_signer(s) for s in signers]
    return Metadata.model_validate(data)


def _signer(block: SignerBlock) -> Signer:
    return Signer(
        authority=block.authority,
        position=block.position,
        position_canonical=canonical_position(block.position)[0],
        name=None if is_incomplete_name(block.name) or not block.name else block.name,
        on_behalf_of=block.on_behalf_of,
    )


def _ev(line: Line) -> Evidence:
    return Evidence(text=line.text, page=line.page)


def _mean(values) -> float:
    items = list(values)
    return round(sum(items) / len(items), 3) if items else 0.0


def _quality(lines: list[Line]) -> float:
    """How far an absence can be trusted: the engine's mean confidence, or 0.9 for plain
    text (ground truth, or OCR text without word boxes)."""
    if not lines:
        return 0.0  # nothing was read: nothing can be ruled out
    confs = [x.confidence for x in lines if x.confidence is not None]
    return round(min(_ABSENT, sum(confs) / len(confs)), 3) if confs else _ABSENT


_SURE_LINE = 0.85


def _page_confidence(lines: list[Line]) -> float | None:
    confs = [x.confidence for x in lines if x.confidence is not None]
    return sum(confs) / len(confs) if confs else None


def _number(
    header: Header,
    fields,
    conf,
    evidence,
    review: list[str],
    page_conf: float | None = None,
    reference: SelfReference | None = None,
    again: NumberReading | None = None,
) -> None:
    if header.number is None:
        conf["number"] = conf["notation"] = 0.3
        if again is not None and again.index == LOST and (found := parse_number_line(again.text)):
            # no Số line in the first reading: read under the issuer's name (classify.number_reading)
            log.info("number line lost, read again from the left column: %s", again.text)
            fields["number"], fields["notation"] = found.number, _aligned(found, header)
            conf["number"] = conf["notation"] = round(0.8 * again.confidence, 3)
            evidence["number"] = evidence["notation"] = Evidence(
                text=f"{again.text} (đọc lại vùng dưới tên cơ quan ban hành)", page=again.page
            )
        return
    notation, line = header.number
    fields["number"], fields["notation"] = notation.number, _aligned(notation, header)
    repaired = notation.repaired or fields["notation"] != notation.notation
    base = 0.8 if repaired else 0.95
    if notation.form == "cong_van" and "-" not in notation.notation:
        base *= 0.7  # a single code: the notation may be cut short
    conf["number"] = line.weight(base)
    conf["notation"] = line.weight(base)
    evidence["number"] = evidence["notation"] = _ev(line)
    sure = (page_conf or 0.0) >= GLUED_OTHERS and _sure_notation(notation, fields["notation"], line)
    floor = GLUED_MIN_CONFIDENCE if sure else MIN_CONFIDENCE
    hand = hand_filled(line, notation.number_span, floor) if notation.number else None
    if hand and hand.startswith("engine confidence") and _confirmed(notation, fields["notation"], reference):
        log.info("number %s read unsurely, confirmed by the appendix's reference line", notation.number)
        conf["number"] = line.weight(0.8)
        evidence["number"] = Evidence(text=f"{line.text} = {reference.line.text}", page=line.page)  # type: ignore[union-attr]
        hand = None
    unsure = notation.number is None or bool(hand and hand.startswith("engine confidence"))
    if unsure and (read := agreed(again, notation, line)):  # classify.number_reading
        log.info("number %s read unsurely, read the same again from the scan", read)
        fields["number"], notation, hand = read, replace(notation, number=read), None
        conf["number"] = line.weight(0.8)
        evidence["number"] = Evidence(text=f"{line.text} = {again.text} (đọc lại)", page=line.page)  # type: ignore[union-attr]
    if notation.number is None or hand:
        fields["number"] = None
        conf["number"] = 0.0
        why = hand or (f"{notation.number_read!r} is not a number" if notation.number_read else "blank")
        log.info("number left empty: %s", why)
        review.append(
            f"Số văn bản {_HAND_VI if hand or notation.number_read else _BLANK_VI}: để trống, cần nhập"
        )


def _confirmed(notation: Notation, aligned: str, reference: SelfReference | None) -> bool:
    """A number read unsurely in the header and read the same, with the same ký hiệu, in the
    appendix's '(Kèm theo … số 2410/QĐ-VP …)' on a line the engine read surely: two readings agree."""
    if reference is None or reference.notation is None or not notation.number:
        return False
    if reference.line.confidence is not None and reference.line.confidence < _SURE_LINE:
        return False
    return reference.notation.number == notation.number and reference.notation.notation == aligned


def _sure_notation(notation: Notation, aligned: str, line: Line) -> bool:
    """The engine gives a low confidence to a number glued to its ký hiệu ('455/QĐ-UBND' at 0.31)
    however well it reads. Such a word is trusted down to GLUED_MIN_CONFIDENCE when the ký hiệu
    in it needed no repair (a known type, the issuer's own code) and every other word of the line
    was read surely (and the page as a whole): a blurred or noisy page keeps the usual floor."""
    if notation.repaired or aligned != notation.notation or notation.form not in ("typed", "party"):
        return False
    span = notation.number_span
    token = line.token_at(span[0]) if span else None
    if token is None or "/" not in token.text and "-" not in token.text:
        return False
    others = [t for t in line.words if t is not token]
    return bool(others) and min(t.confidence for t in others) >= GLUED_OTHERS


_HAND_VI = "viết tay hoặc không đọc rõ"
# A day or month the engine read as letters and the glyphs' shapes alone gave as digits: stored,
# below the review threshold (0.6), for a person to confirm
SHAPE_DATE_CONFIDENCE = 0.5
_SHAPE_VI = "Ngày ban hành: ngày hoặc tháng đọc lại theo hình dạng chữ số, cần kiểm tra lại trên bản giấy"
_BLANK_VI = "để trống trên bản in"


def _aligned(notation: Notation, header: Header) -> str:
    """The notation with its issuer code checked against the issuer's initials (OCR slips)."""
    if notation.form in ("normative", "party"):
        return notation.notation
    merged = merge_lines([clean_header_line(x.text) for x in header.issuer_lines])
    expected = [initials(x) for x in merged if x]
    parts = notation.notation.split("-")
    start = 1 if notation.form == "typed" else 0
    for i in range(start, len(parts)):
        fixed = align_code(parts[i], expected)
        if fixed:
            parts[i] = fixed
    return "-".join(parts)


def _date_again(header: Header, first: list[Line], again: DateReading | None) -> Line | None:
    """The date line read again in place of the first reading's, when that lacked the day or
    the month and the second gives a whole date (digits as sure as the engine's own: the line's
    words' confidences and the hand check still apply), or, when the first gave no month, the
    month and year with the day still unsure (a partial date, the day left for a person)."""
    if again is None or (header.place_date is not None and header.place_date[0].date is not None):
        return None
    line = next((x for x in first if x.page == again.page and x.index == again.index), None)
    found: PlaceDate | None = parse_date_line(again.text)
    if line is None or found is None or not _same_but_digits(line.text, again.text):
        return None
    if found.date is None and header.place_date is not None:
        return None  # the month was read the first time: nothing more to take
    log.info("date read again: %r -> %r", line.text, again.text)
    header.place_date = (replace(found, repaired=True, by_shape=bool(again.by_shape)), line)
    return line


_PUT_IN = re.compile(r"\d{1,2} ")


def _same_but_digits(first: str, again: str) -> bool:
    """The line read again is the first one with digits in place of letters (the same length),
    or with a lost month put in ('tháng năm' → 'tháng 5 năm'): the day's place in it unmoved."""
    if len(again) == len(first):
        return True
    start = next((i for i, (a, b) in enumerate(zip(first, again, strict=False)) if a != b), len(first))
    put = len(again) - len(first)
    return (
        0 < put <= 3
        and again[start + put :] == first[start:]
        and bool(_PUT_IN.fullmatch(again[start : start + put]))
    )


def _place_date(header: Header, fields, conf, evidence, quality: float, review: list[str]) -> dt.date | None:
    """Place and date of issue; the day left empty (month and year kept) when it was left
    blank or written by hand. Returns the date to look names up for (the 1st when partial)."""
    if header.place_date is None:
        conf["date"] = conf["place"] = 0.3 * quality
        if header.place_only is not None:  # the date unreadable, the place a known name
            fields["place"], line = header.place_only
            conf["place"], evidence["place"] = line.weight(0.8), _ev(line)
        return None
    found, line = header.place_date
    fields["date"], fields["place"] = found.date, found.place
    base = 0.8 if found.repaired else 0.95
    conf["date"] = line.weight(SHAPE_DATE_CONFIDENCE if found.by_shape else base)
    conf["place"] = line.weight(base if found.place else 0.3)
    evidence["date"] = evidence["place"] = _ev(line)
    hand = hand_filled(line, found.day_span, DAY_MIN_CONFIDENCE) if found.date else None
    if found.date is None or hand:
        fields["date"], fields["date_partial"] = None, found.partial
        conf["date"] = 0.0
        log.info("day left empty: %s", hand or found.day_read or "blank")
        state = _HAND_VI if hand or found.day_read else _BLANK_VI
        review.append(f"Ngày ban hành {state}: chỉ ghi tháng {found.month}/{found.year}, cần nhập ngày")
        return dt.date(found.year, found.month, 1)
    if found.by_shape:  # stored, but below the review threshold: a person confirms it
        review.append(_SHAPE_VI)
    _cross_check(fields, header, review)
    return found.date


def _cross_check(fields, header: Header, review: list[str]) -> None:
    """The date against the year inside a normative notation ('30/2020/NĐ-CP')."""
    notation = header.number[0] if header.number else None
    date = fields.get("date")
    if notation and notation.form == "normative" and date:
        year = notation.notation.split("/")[0]
        if year.isdigit() and int(year) != date.year:
            log.info("date %s disagrees with the notation's year %s", date, year)
            review.append(f"Năm ban hành {date.year} khác năm trong ký hiệu ({year}): cần kiểm tra")


def _issuer(header: Header, fields, conf, evidence, quality: float, review: list[str], on) -> None:
    """Issuer and parent as read and, beside them, their canonical names (gazetteer and the
    table of bodies); the issuer's province then and now; the place's canonical spelling."""
    issuer, parent = read_bodies([x.text for x in header.issuer_lines], fields.get("place"))
    lines = header.issuer_lines
    if issuer is None or not issuer.name:
        conf["issuer"] = conf["parent_issuer"] = 0.3 * quality
        _place(fields, None, on)
        return
    weight = _mean(x.weight(0.9) for x in lines)
    weight = weight if len(lines) <= 3 else weight * 0.7
    printed = " / ".join(x.text for x in lines)
    parent_found = canonical_body(parent, on) if parent is not None else None
    within = parent_found.unit.province if parent_found and parent_found.unit else None
    found = canonical_body(issuer, on, within)
    fields["issuer"], fields["issuer_printed"] = found.name or issuer.name, issuer.name
    conf["issuer"] = round(weight * found.confidence, 3) if found.name else min(weight, 0.5) * 0.8
    evidence["issuer"] = Evidence(text=_canonical_evidence(printed, found), page=lines[0].page)
    unit = found.unit
    if found.name is None:
        log.info("issuer kept as read: %s", found.reason)
        review.append(found.review or "")
    if parent is not None and parent_found is not None:
        fields["parent_issuer"] = parent_found.name or parent.name
        fields["parent_issuer_printed"] = parent.name
        conf["parent_issuer"] = round(weight * parent_found.confidence, 3) if parent_found.name else 0.4
        unit = unit or parent_found.unit
    else:
        conf["parent_issuer"] = weight * 0.9
    _place(fields, unit, on)


def _place(fields, unit, on) -> None:
    """The province (then and now) from the issuer's unit, else from the place of issue; the
    place's canonical spelling when it names a known unit clearly."""
    place = fields.get("place")
    province = unit.province if unit else None
    found = match_place(place, on=on, province=province).unit if place else None
    if found is None and place and province:
        found = match_place(place, on=on).unit
    if found is None and place and unit and key(unit.name).endswith(" " + key(place)):
        found = unit  # 'Phú' for Tân Phú: the engine lost the first word of the place
    if found is not None:
        fields["place"] = found.name
    elif place and (named := match_place(place, on=on)).reason == AMBIGUOUS and named.name:
        fields["place"] = named.name  # 'Bdo Lam': Bảo Lâm, a name several units bear
    unit = unit or found
    if unit is not None:
        fields["province"] = unit.province
        fields["province_present"] = unit.present_province


def _canonical_evidence(printed: str, found: CanonicalBody) -> str:
    if found.name is None:
        return f"{printed} (kept as read: {found.reason})"
    if found.name == found.read:
        return printed
    return f"{printed} → {found.name} ({found.confidence:.2f})"


def _doc_type(header: Header) -> tuple[str | None, float, str | None]:
    """The type from the title line and from the notation, reconciled."""
    notation: Notation | None = header.number[0] if header.number else None
    title = header.title[0].name if header.title else None
    form = notation.form if notation else None
    by_notation = notation.type_name if notation else None
    has_vv = bool(header.vv_lines)
    if title and by_notation:
        if title == by_notation:
            return title, 0.98, form
        if by_notation == CONG_VAN:
            return title, 0.85, "typed"  # an abbreviation this table does not know
        return title, 0.6, form  # disagreement: the full word is the surer reading
    if title:
        return title, 0.8, form
    if notation and notation.form == "cong_van":
        return CONG_VAN, 0.95 if has_vv else 0.75, form
    if notation and has_vv:
        return CONG_VAN, 0.7, "cong_van"  # an issuer code that looks like a type
    if by_notation:
        return by_notation, 0.8, form
    if has_vv:
        return CONG_VAN, 0.6, "cong_van"
    return None, 0.2, form


def _marks(marks: list[Mark], fields, conf, evidence, quality: float) -> None:
    for kind, levels in (("secrecy", SECRECY_LEVELS), ("urgency", URGENCY_LEVELS)):
        mark = strongest(marks, kind, levels)  # type: ignore[arg-type]
        if mark:
            fields[kind] = mark.value
            conf[kind] = mark.confidence
            evidence[kind] = Evidence(text=mark.evidence, page=mark.page)
        else:
            conf[kind] = quality
