"""A committed dossier in a store without OCR: its documents' record packages and its dossier
package written directly, with the metadata and classes a test chooses.

    built = store_dossier(store, tmp_path, [Doc(pages=2, access="public", date=...), Doc(...)])
    built.dossier.id, built.records[0].id, built.original (the bytes kept as the original)

Each `Doc` is one document (its pages in the scan follow the previous document's; a blank
separator sheet after a document with `blank_after=True`). Records are linked to the dossier
by a DossierLink; the dossier lists them in order, as the intake writes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from schemas import (
    AccessClass,
    Classification,
    DocumentSpan,
    Dossier,
    DossierDocument,
    DossierFile,
    DossierLink,
    Metadata,
    Page,
    PageSegment,
    PersonalData,
    Record,
    Segmentation,
    document_id_for,
)
from storage import ObjectStore
from storage.dossier_package import write_dossier_package
from storage.package import write_document_package

__all__ = ["BuiltDossier", "Doc", "store_dossier"]


@dataclass(frozen=True)
class Doc:
    """One document of a test dossier: what its record says. `number` defaults to 100 + order,
    `subject` to 'Về việc thứ <order>'."""

    pages: int = 1
    access: AccessClass = "public"
    date: dt.date | None = None
    retention: str | None = "10 năm"
    doc_type: str | None = "Quyết định"
    number: str | None = None
    notation: str | None = "QĐ-UBND"
    issuer: str | None = "Ủy ban nhân dân tỉnh Phú Thọ"
    subject: str | None = None
    secrecy: str | None = None
    personal_data: list[PersonalData] = field(default_factory=list)
    text: str = "Nội dung trang {page} của văn bản {order}."
    needs_review: bool = False
    blank_after: bool = False


@dataclass(frozen=True)
class BuiltDossier:
    dossier: Dossier
    records: list[Record]
    original: bytes

    @property
    def id(self) -> str:
        return self.dossier.id


def _record(dossier_id: str, code: str | None, source: str, doc: Doc, order: int, scan: list[int]) -> Record:
    pages = [Page(number=i, text=doc.text.format(page=i, order=order)) for i in range(1, len(scan) + 1)]
    body = "\n".join(p.text for p in pages).encode()
    metadata = Metadata(
        number=doc.number if doc.number is not None else str(100 + order),
        notation=doc.notation,
        doc_type=doc.doc_type,
        issuer=doc.issuer,
        date=doc.date,
        subject=doc.subject if doc.subject is not None else f"Về việc thứ {order}",
        secrecy=doc.secrecy,
        personal_data=list(doc.personal_data),
    )
    return Record(
        id=document_id_for(dossier_id, scan),
        source=source,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        media_type="application/pdf",
        page_count=len(pages),
        pages=pages,
        metadata=metadata,
        classification=Classification(
            access=doc.access, retention=doc.retention, needs_review=doc.needs_review
        ),
        dossier=DossierLink(dossier=dossier_id, code=code, order=order, pages=scan),
    )


def store_dossier(
    store: ObjectStore,
    tmp_path: Path,
    docs: Sequence[Doc],
    *,
    code: str | None = "000.00.01.H43.2019.01",
    title: str | None = "Hồ sơ số hóa tài liệu lưu trữ năm 2019",
    source: str | None = None,
    language: str = "Tiếng Việt",
) -> BuiltDossier:
    """Write the documents' packages, then the dossier package (the commit): a dossier whose
    scan is `docs` in order. Two calls with different `code`s make two dossiers."""
    source = source or f"{code or 'ho-so'}.pdf"
    original = f"%PDF-1.4\n% test dossier {code} {title} {len(docs)}\n".encode()
    sha256 = hashlib.sha256(original).hexdigest()
    dossier_id = sha256[:32]
    segments: list[PageSegment] = []
    spans: list[DocumentSpan] = []
    records: list[Record] = []
    page = 0
    for order, doc in enumerate(docs, start=1):
        scan = list(range(page + 1, page + doc.pages + 1))
        page += doc.pages
        for n in scan:
            role = "start" if n == scan[0] else "continuation"
            segments.append(PageSegment(number=n, role=role, confidence=1.0, document=order))
        spans.append(DocumentSpan(order=order, pages=scan, confidence=1.0))
        records.append(_record(dossier_id, code, source, doc, order, scan))
        if doc.blank_after:
            page += 1
            segments.append(PageSegment(number=page, role="blank", confidence=1.0))
    for record in records:
        write_document_package(store, record)
    path = tmp_path / f"original-{dossier_id}"
    path.write_bytes(original)
    dossier = Dossier(
        id=dossier_id,
        code=code,
        title=title,
        source=source,
        sha256=sha256,
        files=[
            DossierFile(
                name=source,
                sha256=sha256,
                size=len(original),
                media_type="application/pdf",
                first_page=1,
                page_count=page,
            )
        ],
        page_count=page,
        pages=[Page(number=n) for n in range(1, page + 1)],
        segmentation=Segmentation(pages=segments, documents=spans, threshold=0.5),
        documents=[
            DossierDocument(id=r.id, order=r.dossier.order, pages=r.dossier.pages, confidence=1.0)
            for r in records
            if r.dossier is not None
        ],
        language=language,
    )
    write_dossier_package(store, dossier, [path])
    return BuiltDossier(dossier=dossier, records=records, original=original)
