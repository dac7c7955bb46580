"""The facts a rule can match on, gathered once from the metadata and the pages.

Safety-relevant facts (secrecy marks, identity numbers) are read from the pages AGAIN, not
only taken from the metadata, so a record whose metadata was edited or extracted badly is
still judged on what its pages show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from classify.extract import find_document_marks
from classify.layout import Line, document_lines, unreadable
from classify.marks import Mark
from classify.notation import joined, parse_number_line
from classify.personal import Found, find_personal_data
from schemas import Metadata, Page

__all__ = ["Facts", "gather"]


@dataclass(frozen=True)
class Facts:
    doc_type: str | None
    doc_type_confidence: float
    form: str | None  # typed, cong_van, normative
    heading: str  # title (type name) + subject: what keywords look at
    heading_page: int | None
    body: tuple[tuple[int, str], ...]  # (page, text)
    marks: tuple[Mark, ...]
    personal: tuple[Found, ...]
    quality: float  # how far the absence of a mark can be trusted (0-1)
    unreadable: tuple[Line, ...]  # lines the engine could not read: they may hide anything
    confidence: dict[str, float] = field(default_factory=dict)


def _form(meta: Metadata) -> str | None:
    if not meta.notation:
        return None
    # a hand's number left empty: any number will do to read the form
    parsed = parse_number_line(f"Số: {joined(meta.number or '1', meta.notation)}")
    if parsed is None:
        return None
    if parsed.form == "typed" and meta.doc_type == "Công văn":
        return "cong_van"
    return parsed.form


def _marks_from_metadata(meta: Metadata, found: list[Mark]) -> list[Mark]:
    """Marks the metadata names but the pages did not show (e.g. set by a person)."""
    extra: list[Mark] = []
    for kind, value in (("secrecy", meta.secrecy), ("urgency", meta.urgency)):
        if value and not any(m.kind == kind and m.value == value for m in found):
            conf = meta.confidence.get(kind, 0.9)
            extra.append(Mark(kind, value, 1, f"metadata {kind}: {value}", conf, True))  # type: ignore[arg-type]
    return extra


def _personal_from_metadata(meta: Metadata, found: list[Found]) -> list[Found]:
    known = {(x.kind, x.value) for x in found}
    conf = meta.confidence.get("personal_data", 0.8)
    return [
        Found(x.kind, x.value, x.page or 1, conf, 0, x.value)
        for x in meta.personal_data
        if (x.kind, x.value) not in known
    ]


def gather(meta: Metadata, pages: list[Page]) -> Facts:
    pages = sorted(pages, key=lambda p: p.number)
    doc = document_lines(pages)
    rows = document_lines(pages, columns=False)
    marks = find_document_marks(doc)
    personal = find_personal_data(rows)
    confs = [x.confidence for lines in doc[:1] for x in lines if x.confidence is not None]
    read = any(lines for lines in doc)
    quality = (min(0.9, sum(confs) / len(confs)) if confs else 0.9) if read else 0.0
    heading = " ".join(x for x in (meta.doc_type, meta.subject) if x)
    return Facts(
        doc_type=meta.doc_type,
        doc_type_confidence=meta.confidence.get("doc_type", 0.8 if meta.doc_type else 0.0),
        form=_form(meta),
        heading=heading,
        heading_page=pages[0].number if pages else None,
        body=tuple(
            (p.number, "\n".join(x.text for x in lines)) for p, lines in zip(pages, rows, strict=True)
        ),
        unreadable=tuple(x for lines in rows for x in lines if unreadable(x)),
        marks=tuple(marks + _marks_from_metadata(meta, marks)),
        personal=tuple(personal + _personal_from_metadata(meta, personal)),
        quality=quality,
        confidence=dict(meta.confidence),
    )
