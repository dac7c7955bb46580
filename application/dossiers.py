"""A dossier as its catalogue shows it: the file-level fields read from its documents' records.

Thời gian bắt đầu/kết thúc, thời hạn bảo quản (the longest), chế độ sử dụng (the most
restricted) and the page count come from the documents given: all of them for the catalogues and
`sohoa dossier show`, only those a role may see for the API, so that a dossier never tells a role
of a document it may not see (not by a count, a date, a period or a page number).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from application.access import class_served
from classify.rules import retention_years
from schemas import AccessClass, Dossier, Record
from storage import read_record
from storage.base import ObjectStore
from storage.dossier_package import read_dossier

__all__ = ["RESTRICTION", "DocumentRow", "DossierSummary", "load_summary", "summarise"]

# The most restricted class first: a dossier's chế độ sử dụng is its most restricted document's.
RESTRICTION: tuple[AccessClass, ...] = ("not_accessible", "undetermined", "conditional", "public")


@dataclass(frozen=True)
class DocumentRow:
    """One document in the dossier's list (mục lục văn bản)."""

    id: str
    order: int
    pages: tuple[int, int]  # first and last page in the dossier scan
    page_count: int
    number: str | None
    notation: str | None
    doc_type: str | None
    date: dt.date | None
    issuer: str | None
    subject: str | None
    access: AccessClass
    retention: str | None
    needs_review: bool

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "order": self.order,
            "pages": list(self.pages),
            "number": self.number,
            "notation": self.notation,
            "doc_type": self.doc_type,
            "date": self.date.isoformat() if self.date else None,
            "issuer": self.issuer,
            "subject": self.subject,
            "access": self.access,
        }


@dataclass(frozen=True)
class DossierSummary:
    """The dossier record (hồ sơ) with the fields the digitisation standard asks for."""

    id: str
    code: str | None
    title: str | None
    organ_id: str | None
    fonds_code: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    retention: str | None
    access: AccessClass | None
    pages: int
    language: str
    reliability: str
    documents: list[DocumentRow] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The `sohoa dossier show --json` contract."""
        return {
            "id": self.id,
            "code": self.code,
            "title": self.title,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "retention": self.retention,
            "access": self.access,
            "pages": self.pages,
            "language": self.language,
            "reliability": self.reliability,
            "documents": [d.to_json() for d in self.documents],
        }


def _row(record: Record) -> DocumentRow:
    assert record.dossier is not None, f"record {record.id} is not a document of a dossier"
    meta = record.metadata
    access = class_served(record)
    return DocumentRow(
        id=record.id,
        order=record.dossier.order,
        pages=(record.dossier.first, record.dossier.last),
        page_count=len(record.dossier.pages),
        number=meta.number,
        notation=meta.notation,
        doc_type=meta.doc_type,
        date=meta.date,
        issuer=meta.issuer,
        subject=meta.subject,
        access=access,
        retention=record.classification.retention,
        needs_review=record.classification.needs_review,
    )


def summarise(dossier: Dossier, records: Iterable[Record]) -> DossierSummary:
    """The dossier's fields from `records` (its documents to be shown, in any order). With every
    document the page count is the scan's (blank sheets too); with some, their pages only."""
    mine = (_row(r) for r in records if r.dossier and r.dossier.dossier == dossier.id)
    rows = sorted(mine, key=lambda r: r.order)
    dates = [r.date for r in rows if r.date]
    periods = [r.retention for r in rows if r.retention]
    complete = len(rows) == len(dossier.documents)
    return DossierSummary(
        id=dossier.id,
        code=dossier.code,
        title=dossier.title,
        organ_id=dossier.organ_id,
        fonds_code=dossier.fonds_code,
        start_date=min(dates, default=None),
        end_date=max(dates, default=None),
        retention=max(periods, key=retention_years, default=None),
        access=next((c for c in RESTRICTION if any(r.access == c for r in rows)), None),
        pages=dossier.page_count if complete else sum(r.page_count for r in rows),
        language=dossier.language,
        reliability=dossier.reliability,
        documents=rows,
        review_reasons=list(dossier.review_reasons) if complete else [],
    )


def load_summary(store: ObjectStore, dossier_id: str) -> DossierSummary:
    """The whole dossier from the store, every document (for the catalogues and the CLI, which
    the archive's operators run). NotFound when the dossier is not committed."""
    dossier = read_dossier(store, dossier_id)
    return summarise(dossier, (read_record(store, d.id, with_words=False) for d in dossier.documents))
