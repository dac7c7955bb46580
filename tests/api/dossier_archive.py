"""Dossiers (hồ sơ) for the API tests, built without OCR: each document's record package written
directly with a small searchable PDF of its own pages (the page images drawn here, each word a
dark bar at its box), the dossier package with the whole scan as its original and its head's
public forms, the documents indexed. tests/dossier_fixtures.py builds dossiers without page
images for other layers; the API serves page images, so these carry real ones.

    built = add_dossier(archive, "H01.2019.01", [DocSpec(access="not_accessible", pages=3), DocSpec()])
    built.dossier, built.records (in order), built.image(record_id, page) (the page as drawn)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from PIL import Image, ImageDraw

from application.dossiers import public_form_files
from ocr.searchable_pdf import write_searchable_pdf
from schemas import (
    Box,
    Classification,
    Decision,
    DocumentSpan,
    Dossier,
    DossierDocument,
    DossierFile,
    DossierLink,
    Event,
    Metadata,
    Page,
    PageSegment,
    PersonalData,
    Record,
    Segmentation,
    Word,
    document_id_for,
)
from storage.dossier_package import write_dossier_package
from storage.package import write_document_package
from tests.api.conftest import Archive

__all__ = ["PAGE", "DocSpec", "StoredDossier", "add_dossier", "image_objects", "pdf_of", "png_image"]

PAGE = (300, 420)  # pixels; rendered from the PDF at 300 dpi, the same size again
_PDF_DPI = 300


@dataclass(frozen=True)
class DocSpec:
    """One document of a test dossier: what its record says and what its pages hold."""

    access: str = "public"
    pages: int = 1
    date: dt.date | None = dt.date(2019, 3, 1)
    retention: str | None = "10 năm"
    doc_type: str = "Quyết định"
    number: str | None = None  # default: 100 + order
    issuer: str = "UBND TỈNH PHÚ THỌ"
    subject: str | None = None  # default: 'Về việc thứ <order>'
    secrecy: str | None = None
    personal: tuple[PersonalData, ...] = ()
    lines: tuple[str, ...] = ()  # each page's text (besides its heading line)
    blank_after: bool = False  # a blank separator sheet after it in the scan
    heading: str | None = None  # each page's first line; default '<TYPE> văn bản <order> trang <n>'
    level: int | None = None  # the pages' grey; default from the order and page number
    review_reasons: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()


@dataclass
class StoredDossier:
    dossier: Dossier
    records: list[Record]
    images: dict[tuple[str, int], Image.Image] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.dossier.id

    def image(self, record_id: str, page: int) -> Image.Image:
        return self.images[(record_id, page)]


def _page(number: int, lines: Sequence[str], level: int) -> tuple[Page, Image.Image]:
    """A page whose text is `lines`, a word box per word, drawn as dark bars on a `level` grey."""
    image = Image.new("L", PAGE, level)
    draw = ImageDraw.Draw(image)
    words, top = [], 12
    for line_no, line in enumerate(lines):
        left = 10
        for token in line.split():
            width = min(6 * len(token), PAGE[0] - left - 4)
            if width <= 0:
                break
            box = Box(left=left, top=top, width=width, height=12)
            draw.rectangle((left, top + 3, left + width, top + 9), fill=0)
            words.append(Word(text=token, confidence=95, box=box, block=1, line=line_no))
            left += width + 6
        top += 18
    page = Page(
        number=number, text="\n".join(lines), words=words, width=PAGE[0], height=PAGE[1], confidence=95
    )
    return page, image


def pdf_of(images: Sequence[Image.Image], path: Path, title: str = "") -> Path:
    """The images as one PDF, each page at 300 dpi (so it renders back at its pixel size)."""
    first, *rest = [image.copy() for image in images]  # Pillow keeps an appended image's options
    first.save(path, "PDF", save_all=True, append_images=rest, resolution=_PDF_DPI, title=title)
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def add_dossier(
    archive: Archive,
    code: str | None,
    docs: Sequence[DocSpec],
    *,
    title: str | None = "Hồ sơ số hóa tài liệu lưu trữ",
    seed: str = "",
    index: bool = True,
    cut: bool = False,
    shared_resources: bool = False,
    held: bool = False,
) -> StoredDossier:
    """Write the documents' packages, then the dossier package (the commit), then index the
    documents. Each page is a grey of its own (order and page) with its words as dark bars."""
    store = archive.services.store
    folder = archive.settings.home / "dossier-scans"
    folder.mkdir(parents=True, exist_ok=True)
    tag = hashlib.sha256(f"{code}|{title}|{seed}|{docs!r}".encode()).hexdigest()[:16]
    drawn: list[tuple[int, list[tuple[Page, Image.Image]]]] = []
    scan_images: list[Image.Image] = []
    scan_pages: list[Page] = []  # every scan page as read, numbered in the scan
    segments: list[PageSegment] = []
    spans: list[DocumentSpan] = []
    at = 0
    for order, doc in enumerate(docs, start=1):
        pages = []
        for n in range(1, doc.pages + 1):
            heading = f"{doc.heading or doc.doc_type.upper() + ' văn bản ' + str(order)} trang {n}"
            level = (doc.level if doc.level is not None else 150 + 9 * (order % 10)) + 3 * n
            pages.append(_page(n, [heading, *doc.lines], level))
        scan = list(range(at + 1, at + doc.pages + 1))
        at += doc.pages
        drawn.append((order, pages))
        scan_images += [image for _, image in pages]
        scan_pages += [
            page.model_copy(update={"number": n}) for (page, _), n in zip(pages, scan, strict=True)
        ]
        segments += [
            PageSegment(
                number=n, role="start" if n == scan[0] else "continuation", confidence=1.0, document=order
            )
            for n in scan
        ]
        spans.append(DocumentSpan(order=order, pages=scan, confidence=1.0))
        if doc.blank_after:
            at += 1
            scan_images.append(Image.new("L", PAGE, 255))
            scan_pages.append(Page(number=at, width=PAGE[0], height=PAGE[1]))
            segments.append(PageSegment(number=at, role="blank", confidence=1.0))
    scan_path = pdf_of(scan_images, folder / f"{tag}.pdf", title=tag)  # the tag makes the id
    if shared_resources:
        _share_resources(scan_path)
    scan_sha = _sha(scan_path)
    dossier_id = scan_sha[:32]
    source = f"{code or 'ho-so'}.pdf"
    built = StoredDossier(dossier=None, records=[])  # type: ignore[arg-type]
    for (order, pages), doc, span in zip(drawn, docs, spans, strict=True):
        pdf = folder / f"{tag}-{order}.pdf"
        if cut:
            write_searchable_pdf(
                scan_path, "application/pdf", [p for p, _ in pages], pdf, source_pages=span.pages
            )
        else:
            pdf_of([image for _, image in pages], pdf)
        access = doc.access
        record = Record(
            id=document_id_for(scan_sha, span.pages),
            source=source,
            sha256=_sha(pdf),
            size=pdf.stat().st_size,
            media_type="application/pdf",
            page_count=len(pages),
            pages=[page for page, _ in pages],
            metadata=Metadata(
                number=doc.number if doc.number is not None else str(100 + order),
                notation="QĐ-UBND",
                doc_type=doc.doc_type,
                issuer=doc.issuer,
                date=doc.date,
                subject=doc.subject if doc.subject is not None else f"Về việc thứ {order}",
                secrecy=doc.secrecy,
                personal_data=list(doc.personal),
            ),
            classification=Classification(
                access=access,  # type: ignore[arg-type]
                retention=doc.retention,
                needs_review=bool(doc.review_reasons),
                review_reasons=list(doc.review_reasons),
                decisions=[Decision(rule="A17.d", outcome=access, evidence=f"bằng chứng {access}", page=1)],
            ),
            dossier=DossierLink(dossier=dossier_id, code=code, order=order, pages=span.pages),
            events=list(doc.events),
        )
        write_document_package(store, record, {"document.pdf": pdf})
        built.records.append(record)
        for page, image in pages:
            built.images[(record.id, page.number)] = image
    dossier = Dossier(
        id=dossier_id,
        code=code,
        title=title,
        source=source,
        sha256=scan_sha,
        files=[
            DossierFile(
                name=source,
                sha256=scan_sha,
                size=scan_path.stat().st_size,
                media_type="application/pdf",
                first_page=1,
                page_count=at,
            )
        ],
        page_count=at,
        pages=scan_pages,
        segmentation=Segmentation(pages=segments, documents=spans, threshold=0.5),
        documents=[
            DossierDocument(id=r.id, order=r.dossier.order, pages=r.dossier.pages, confidence=1.0)
            for r in built.records
            if r.dossier is not None
        ],
    )
    if held:  # its original in the secret hold (not kept here): the dossier package without it
        dossier = dossier.model_copy(update={"held": True})
    # its head with the public forms, as the intake writes it (application/dossiers.py)
    forms = public_form_files(dossier, built.records)
    write_dossier_package(store, dossier, None if held else [scan_path], forms)
    built.dossier = dossier
    if index:
        for record in built.records:
            archive.services.index.add(record)
    return built


def _share_resources(path: Path) -> None:
    """Rewrite the PDF at `path` so that its pages share one /Resources dictionary holding every
    page's image (/Im1, /Im2 …), each page drawing its own."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        shared = pikepdf.Dictionary()
        for n, page in enumerate(pdf.pages, start=1):
            (name, image), *_ = page.Resources.XObject.items()
            shared[f"/Im{n}"] = image
            content = page.obj.Contents.read_bytes().replace(name.encode(), f"/Im{n}".encode())
            page.obj.Contents = pdf.make_stream(content)
        resources = pdf.make_indirect(pikepdf.Dictionary(XObject=shared))
        for page in pdf.pages:
            page.obj.Resources = resources
        pdf.save(path)


def image_objects(data: bytes) -> int:
    """How many images a PDF holds, drawn or not."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return sum(1 for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image")


def png_image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("L")
