"""Ingest one hồ sơ (dossier): its scan read page by page, cut into documents, each document a
record of its own, the dossier record and its original kept once.

A dossier is one PDF/TIFF holding the whole hồ sơ, or one folder of scans: either the pages in
file-name order (read and cut like one scan), or per-document files named
`<mã hồ sơ>.<số thứ tự, 7 digits>.pdf` as scanning rooms deliver them (each file one document,
in that order). The mã hồ sơ is the one given (`--code`), else the name when it follows the
convention, else none and the dossier says so for the archivist.

What is written, in this order (storage/dossier_package.py): each document's record package
(its pages, metadata, classification, searchable PDF cut from the scan; no original of its
own), then the dossier package with the original files and every scan page as read, and its
head (dossier.json and its public forms: application/dossiers.py), whose OCFL inventory commits
the whole. A rerun after a crash redoes what was not committed; the same
bytes give the same ids.

Memory stays flat in the number of pages: the scan is held as `ScanPages`
(application/dossier_scan.py) — each page without its words, what cutting it reads, its image
hashes — and cut from that; each document loads its pages' words back from the page spool when
it is built, and again when it is stored, and lets them go; the dossier package writes the
scan's words one page at a time. A document's near-duplicate fingerprint takes its first page's
hashes, taken while the page was read: no page is rendered twice for it. A document whose first
reading lacks its signer's name or read its date's day as letters has that region read again
from its page in the original (application/second_readings.py, as a single document's at
ingest): only that page is loaded again.

A document marked as a state secret (MẬT …) puts the whole dossier's original in the secret
hold (its clear copy would hold the secret pages): the store keeps the other documents, the
secret one's catalogue row, and a dossier package without original and without the secret
pages' text. Without a hold nothing of the dossier is stored (application/secret_docs.py).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import socket
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PIL import Image

from application.batches import record_outcome
from application.dossier_scan import ScanPages
from application.dossiers import public_form_files
from application.ingest import classify_event, collect_files, source_name
from application.ingest_metrics import count_outcome
from application.logs import log_context, log_outcome
from application.page_reading import SECRET_NOT_COPIED, dossier_spool_id, forget_pages, read_spooled
from application.second_readings import read_again
from application.secret_docs import (
    NO_HOLD_REASON,
    close_twins,
    hold_dossier,
    hold_secret,
    is_marked_secret,
    open_hold,
)
from application.services import Services
from classify import classify
from classify.segment import segment_cues
from core import __version__
from core.errors import BadInput, SecretBadInput
from core.settings import page_cache_dir
from dedup import Fingerprint, fingerprint, fingerprint_file, link_near_duplicate
from dedup.link import NEAR_DUPLICATE, near_duplicate_of
from ocr import detect_media_type
from ocr.load import page_images
from ocr.searchable_pdf import PagesOf, write_pages_pdf
from schemas import (
    BoundaryCue,
    DocumentOutcome,
    DocumentSpan,
    Dossier,
    DossierDocument,
    DossierFile,
    DossierLink,
    DossierOutcome,
    Event,
    IngestOutcome,
    Page,
    PageSegment,
    Record,
    Segmentation,
    document_id_for,
    record_id_for,
)
from schemas.record import utcnow
from storage import quarantine, read_record, sha256_file, write_catalogue
from storage.dossier_package import dossier_exists, read_dossier, write_dossier_package
from storage.hashing import sha256_bytes
from storage.layout import FINGERPRINT_FILE, SEARCHABLE_PDF
from storage.package import check_original, write_document_package
from vntext.normalise import nfc
from vntext.syllable_lm import active_model

__all__ = [
    "DossierIntake",
    "BOUNDARY_DOUBT",
    "PER_DOCUMENT_FILE",
    "build_document",
    "build_documents",
    "dossier_code",
    "dossier_files",
    "ingest_dossier",
    "ingest_dossier_into_batch",
    "scan_images",
    "store_document",
]

log = logging.getLogger(__name__)

# `<mã hồ sơ>.<số thứ tự văn bản, 7 digits>.<ext>`: one document per file, in that order.
PER_DOCUMENT_FILE = re.compile(r"^(?P<code>.+)\.(?P<order>\d{7})\.(?:pdf|tiff?|jpe?g|png)$", re.IGNORECASE)
# A mã hồ sơ: mã phông or mã định danh + mục lục/năm + số và ký hiệu hồ sơ, joined by '.'.
_CODE = re.compile(r"^[0-9A-Za-zĐđ][0-9A-Za-zĐđ\-_]*(?:\.[0-9A-Za-zĐđ][0-9A-Za-zĐđ\-_]*){2,}$")
_SCAN_SUFFIXES = (".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png")

NO_CODE_REASON = "Mã hồ sơ chưa có: tên tệp không theo quy ước <mã phông>.<năm>.<số hồ sơ>, cần nhập"
UNSURE_BOUNDARY = "Ranh giới văn bản chưa chắc chắn (trang {page} của hồ sơ, độ tin cậy {confidence:.2f})"
BOUNDARY_DOUBT = UNSURE_BOUNDARY.split("(", 1)[0].strip()  # how every boundary doubt begins

_dossier_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


@dataclass
class DossierIntake:
    """What one dossier path became: its outcome (None when it was quarantined or failed) and
    one IngestOutcome per document (or the one that says why nothing was stored)."""

    dossier: DossierOutcome | None
    outcomes: list[IngestOutcome] = field(default_factory=list)


# ---- which files, which code (pure over names) ----


def dossier_files(path: Path) -> tuple[list[Path], list[int | None]]:
    """The files of a dossier path, in scan order, and each one's document order when the
    folder holds per-document files (`<mã>.<0000001>.pdf`: every scan file so named)."""
    path = Path(path)
    if not path.is_dir():
        return [path], [None]
    files = [
        f
        for f in collect_files([path])
        if not _system_file(f.name) and (f.suffix.lower() in _SCAN_SUFFIXES or not f.suffix)
    ]
    named = [PER_DOCUMENT_FILE.match(f.name) for f in files]
    if files and all(named):
        pairs = sorted(zip(files, named, strict=True), key=lambda pair: int(pair[1]["order"]))
        return [f for f, _ in pairs], [int(m["order"]) for _, m in pairs]
    return files, [None] * len(files)


def _system_file(name: str) -> bool:
    """A file a desktop leaves in a folder (.DS_Store, Thumbs.db, desktop.ini): not a scan."""
    return name.startswith(".") or name.lower() in ("thumbs.db", "desktop.ini")


def dossier_code(path: Path, given: str | None) -> tuple[str | None, str | None]:
    """The mã hồ sơ and, when there is none, the reason to show the archivist: the code given,
    else the per-document files' common code, else the file or folder name when it follows the
    convention."""
    if given:
        return nfc(given.strip()), None
    path = Path(path)
    if path.is_dir():
        codes = {m["code"] for f in path.iterdir() if (m := PER_DOCUMENT_FILE.match(f.name))}
        if len(codes) == 1:
            return nfc(codes.pop()), None
        name = path.name
    else:
        name = path.name.rsplit(".", 1)[0] if "." in path.name else path.name
    name = nfc(name)
    return (name, None) if _CODE.match(name) else (None, NO_CODE_REASON)


def _content_sha256(hashes: Sequence[str]) -> str:
    """The dossier's content: its files' sha256s in scan order (its id is the first half)."""
    return hashlib.sha256(("dossier\n" + "\n".join(hashes)).encode()).hexdigest()


# ---- cutting (pure) ----


def _by_file(pages: list[Page], files: list[DossierFile]) -> Segmentation:
    """Per-document files: each file one document (its blank pages left out, unless all are)."""
    out: list[PageSegment] = []
    documents: list[DocumentSpan] = []
    for file in files:
        numbers = range(file.first_page, file.first_page + file.page_count)
        texts = [n for n in numbers if pages[n - 1].text.strip()] or list(numbers)
        if not texts:
            continue
        order = file.order or len(documents) + 1  # số thứ tự as the file is named
        documents.append(DocumentSpan(order=order, pages=texts, confidence=1.0))
        for n in numbers:
            role = "blank" if n not in texts else ("start" if n == texts[0] else "continuation")
            cue = BoundaryCue(cue="reviewed", weight=0.0, text=f"file {file.name}", page=n)
            document = order if role != "blank" else None
            out.append(PageSegment(number=n, role=role, confidence=1.0, document=document, cues=[cue]))
    return Segmentation(pages=out, documents=documents, threshold=0.0)


def _boundary_reasons(span: DocumentSpan, segmentation: Segmentation) -> list[str]:
    """Vietnamese review reasons for the unsure pages of a document (its start, a page within
    it, a blank sheet just after it). An unsure start of the next document is that document's
    doubt alone: were it this one's too, a reader shown this document but not the next would
    see it awaiting review, and so learn that a document follows it."""
    after = span.last + 1
    unsure = [
        p
        for p in segmentation.pages
        if p.review and (p.document == span.order or (p.number == after and p.document is None))
    ]
    return [UNSURE_BOUNDARY.format(page=p.number, confidence=p.confidence) for p in unsure]


# ---- documents ----


def build_documents(
    dossier: Dossier,
    pages: Sequence[Page],
    segmentation: Segmentation,
    services: Services,
    originals: Sequence[Path],
    work: Path,
    *,
    batch: str | None,
    events: Sequence[Event] = (),
    at: datetime | None = None,
) -> list[tuple[Record, Path | bytes]]:
    """`build_document` for each document of `segmentation`, from the scan's `pages` (all of
    them with their words: a dossier read again from the store), all built `at` one time (now)."""
    by_number = {page.number: page for page in pages}
    at = at or utcnow()
    return [
        build_document(
            dossier,
            span,
            [by_number[n] for n in span.pages],
            segmentation,
            services,
            originals,
            work,
            batch=batch,
            events=events,
            at=at,
        )
        for span in segmentation.documents
    ]


def build_document(
    dossier: Dossier,
    span: DocumentSpan,
    pages: list[Page],
    segmentation: Segmentation,
    services: Services,
    originals: Sequence[Path],
    work: Path,
    *,
    batch: str | None,
    events: Sequence[Event] = (),
    at: datetime,
) -> tuple[Record, Path | bytes]:
    """The record of one document of `segmentation` (its own metadata and classification) from
    its scan `pages` (with their words), and its searchable PDF cut from `originals`: a file in
    `work`, or, for a document marked as a state secret, bytes in memory on their way to the
    hold (never at rest in clear). Pages are renumbered 1..n in the record; the link keeps the
    scan pages. Its times (ingested, updated, segmented, classified) are `at`, the one time of
    all the documents built together: when one was built would tell how long the documents
    before it took, hidden ones included."""
    doc_id = document_id_for(dossier.sha256, span.pages)
    own = [page.model_copy(update={"number": i}) for i, page in enumerate(pages, start=1)]
    # the signer's name or the day read as letters: read again from the scan (no cost otherwise)
    image_of = scan_images(dossier.files, originals, max_pixels=services.settings.max_image_pixels)
    readings = read_again(own, lambda number: image_of(span.pages[number - 1]), services.engine)
    metadata = readings.metadata(own)
    classification = classify(metadata, own, services.rules)
    reasons = _boundary_reasons(span, segmentation)
    if reasons:
        classification = classification.model_copy(
            update={"needs_review": True, "review_reasons": [*classification.review_reasons, *reasons]}
        )
    link = DossierLink(dossier=dossier.id, code=dossier.code, order=span.order, pages=span.pages)
    record = Record(
        id=doc_id,
        source=dossier.source,
        sha256="",  # of its PDF, below
        size=0,
        media_type="application/pdf",
        page_count=len(own),
        pages=own,
        metadata=metadata,
        classification=classification,
        batch=batch,
        dossier=link,
        ingested_at=at,
        updated_at=at,
        events=[
            *events,
            *readings.events(services.engine),
            Event(
                step="segment",
                tool="sohoa",
                tool_version=__version__,
                parameters={
                    "dossier": dossier.id,
                    "order": span.order,
                    "threshold": segmentation.threshold,
                },
                outcome="review" if reasons else "ok",
                detail=f"scan pages {span.first}-{span.last} (confidence {span.confidence:.2f})",
                at=at,
            ),
            classify_event(classification, at),
        ],
    )
    parts = _pages_of(dossier.files, originals, pages)
    pdf: Path | bytes
    if is_marked_secret(record):
        buffer = io.BytesIO()
        write_pages_pdf(parts, buffer)
        pdf = buffer.getvalue()
        digest, size = sha256_bytes(pdf), len(pdf)
    else:
        pdf = work / f"{doc_id}.pdf"
        write_pages_pdf(parts, pdf)
        digest, size = sha256_file(pdf), pdf.stat().st_size
    return record.model_copy(update={"sha256": digest, "size": size}), pdf


def scan_images(
    files: Sequence[DossierFile], originals: Sequence[Path], *, max_pixels: int
) -> Callable[[int], Image.Image]:
    """Scan page `number` (numbered across the dossier's files) -> its image as it was read,
    loaded again from the original file holding it only when asked for (ocr.load.page_images:
    a file's last two pages kept)."""
    loaders: dict[int, Callable[[int], Image.Image]] = {}

    def image_of(number: int) -> Image.Image:
        index = next(i for i, f in enumerate(files) if number < f.first_page + f.page_count)
        if index not in loaders:
            loaders[index] = page_images(originals[index], files[index].media_type, max_pixels=max_pixels)
        return loaders[index](number - files[index].first_page + 1)

    return image_of


def _pages_of(files: Sequence[DossierFile], originals: Sequence[Path], pages: list[Page]) -> list[PagesOf]:
    """A document's scan pages grouped by the original file they are in, in order."""
    parts: list[PagesOf] = []
    for page in pages:
        index = next(i for i, f in enumerate(files) if page.number < f.first_page + f.page_count)
        local = page.number - files[index].first_page + 1
        if parts and parts[-1].original == originals[index]:
            parts[-1].pages.append(page)
            parts[-1].numbers.append(local)
        else:
            parts.append(PagesOf(originals[index], files[index].media_type, [page], [local]))
    return parts


# ---- reading the scan ----


def _read_scan(
    paths: Sequence[Path], hashes: Sequence[str], services: Services, dossier_id: str
) -> tuple[ScanPages, list[DossierFile]]:
    """Every page of every file, numbered across the dossier, and the files' descriptions. The
    pages of each file are spread over the process's page slots and kept in its page spool as
    they come (a kill loses only the pages in flight; none is kept once a secrecy mark shows),
    each page's image hashed while it is at hand; the scan holds what cutting it reads of each
    page, its words stay in the spool. BadInput names the file at fault."""
    scan = ScanPages()
    files: list[DossierFile] = []
    secret_seen = False  # from then on no page of any later file is spooled either
    for index, (path, sha256) in enumerate(zip(paths, hashes, strict=True)):
        spool = dossier_spool_id(dossier_id, index)
        try:
            media_type = detect_media_type(path)
            first = len(scan) + 1
            for read in read_spooled(
                path,
                services,
                spool,
                hash_pages=True,
                secrecy_unspooled=True,
                spooled=not secret_seen,
                sweep_first=index == 0,
                unspooling=scan.take_in,
            ):
                scan.add(read)
                secret_seen = secret_seen or read.marked
        except BadInput as exc:  # a fault after a secrecy mark showed, in this file or before: no copy
            raise _fault(f"{path.name}: {exc}", secret_seen, exc) from exc
        except OSError as exc:
            reason = f"{path.name}: cannot read the file: {exc.strerror or exc}"
            raise _fault(reason, secret_seen, exc) from exc
        files.append(
            DossierFile(
                name=source_name(path),
                sha256=sha256,
                size=path.stat().st_size,
                media_type=media_type,
                first_page=first,
                page_count=len(scan) - first + 1,
            )
        )
        log.debug("dossier %s: %s read, %d pages", dossier_id, path.name, len(scan) - first + 1)
    if not len(scan):
        raise BadInput("the dossier has no pages")
    return scan, files


# ---- the intake ----


def ingest_dossier(
    path: Path,
    services: Services,
    *,
    code: str | None = None,
    title: str | None = None,
    batch: str | None = None,
    worker: str | None = None,
) -> DossierIntake:
    """Ingest one dossier path (a file or a folder). Idempotent: the same files give the same
    dossier and document ids, and a `duplicate`."""
    path = Path(path)
    t0 = time.monotonic()
    with log_context(file=path.name, record=None, page=None):
        paths, orders = dossier_files(path)
        try:
            hashes = [sha256_file(p) for p in paths]
        except OSError as exc:
            return _quarantined(services, path, f"cannot read a file of the dossier: {exc}", batch, t0)
        if not paths:
            return _quarantined(
                services, path, "the dossier folder holds no scan file", batch, t0, keep_copy=False
            )
        dossier_id = record_id_for(_content_sha256(hashes))
        with _dossier_locks[dossier_id], log_context(record=dossier_id):
            if dossier_exists(services.store, dossier_id):
                _forget(services, dossier_id, len(paths))  # a kill after the commit left them
                return _duplicate(services, path, dossier_id, t0)
            try:
                intake = _ingest_new(path, paths, hashes, orders, services, code, title, batch, worker, t0)
            except BadInput as exc:
                secret = isinstance(exc, SecretBadInput)
                intake = _quarantined(services, path, str(exc), batch, t0, secret=secret)
                _forget(services, dossier_id, len(paths))
                return intake
            _forget(services, dossier_id, len(paths))  # its outcome is stored: the pages kept go
    for outcome in intake.outcomes:
        count_outcome(outcome.status, outcome.reason)
        log_outcome(log, outcome)
    return intake


def _forget(services: Services, dossier_id: str, files: int) -> None:
    for index in range(files):
        forget_pages(services, dossier_spool_id(dossier_id, index))


def ingest_dossier_into_batch(
    path: Path, services: Services, batch: str, *, code: str | None = None, title: str | None = None,
    worker: str | None = None,
) -> DossierIntake:  # fmt: skip
    """`ingest_dossier`, each outcome stored in `batch` as soon as it is known."""
    intake = ingest_dossier(path, services, code=code, title=title, batch=batch, worker=worker)
    for outcome in intake.outcomes:
        record_outcome(services.store, batch, outcome)
    return intake


def _ingest_new(
    path: Path,
    paths: list[Path],
    hashes: list[str],
    orders: list[int | None],
    services: Services,
    code: str | None,
    title: str | None,
    batch: str | None,
    worker: str | None,
    t0: float,
) -> DossierIntake:
    started = time.monotonic()
    dossier_sha256 = _content_sha256(hashes)
    scan, files = _read_scan(paths, hashes, services, record_id_for(dossier_sha256))
    ocr_seconds = time.monotonic() - started
    files = [f.model_copy(update={"order": o}) for f, o in zip(files, orders, strict=True)]
    per_document = all(o is not None for o in orders) and path.is_dir()
    segmentation = _by_file(scan.heads, files) if per_document else segment_cues(scan.cues)
    the_code, no_code = dossier_code(path, code)
    settings = services.settings
    engine = services.engine
    events = [
        Event(
            step="ingest",
            tool="sohoa",
            tool_version=__version__,
            parameters={"host": socket.gethostname(), "worker": worker, "dossier": True},
            detail=str(path),
        ),
        Event(
            step="ocr",
            tool=engine.name,
            tool_version=engine.version,
            parameters={
                "lang": settings.ocr_lang,
                "searchable_pdf": SEARCHABLE_PDF,
                "syllables": active_model().name,  # the diacritic model: base, or learned:<pairs>:<hash>
            },
            seconds=round(ocr_seconds, 3),
            detail=f"{len(scan)} scan pages",
        ),
    ]
    dossier = Dossier(
        id=record_id_for(dossier_sha256),
        code=the_code,
        title=nfc(title.strip()) if title else None,
        organ_id=settings.organ_id,
        fonds_code=settings.fonds_code,
        source=source_name(path),
        sha256=dossier_sha256,
        files=files,
        page_count=len(scan),
        segmentation=segmentation,
        review_reasons=[no_code] if no_code else [],
        batch=batch,
        events=events,
    )
    with tempfile.TemporaryDirectory(prefix="sohoa-dossier-") as work:
        built, prints = _build(dossier, scan, segmentation, services, paths, Path(work), batch, events)
        secret = any(is_marked_secret(record) for record, _ in built)
        try:
            for original, file in zip(paths, files, strict=True):  # nothing stored from a file since changed
                check_original(original, file.sha256, file.size, f"dossier {dossier.id}")
            if secret:
                return _store_held(path, paths, dossier, scan, built, prints, services, batch, t0)
        except BadInput as exc:  # a file changed since it was read: no copy of a secret kept
            raise _fault(str(exc), secret, exc) from exc
        built = [(_stored(services, scan, record, pdf, prints[record.id]), pdf) for record, pdf in built]
        # the scan as the dossier's pages, their words loaded page by page as they are written
        # (a lazy Sequence[Page]: set by model_copy, never validated into a list nor dumped whole)
        dossier = _with_documents(dossier, built, segmentation).model_copy(update={"pages": scan})
        forms = public_form_files(dossier, [record for record, _ in built])
        write_dossier_package(services.store, dossier, paths, forms)
    for record, _ in built:
        services.index.add(record)
    return _done(path, dossier, built, t0)


def _build(
    dossier: Dossier,
    scan: ScanPages,
    segmentation: Segmentation,
    services: Services,
    originals: Sequence[Path],
    work: Path,
    batch: str | None,
    events: Sequence[Event],
) -> tuple[list[tuple[Record, Path | bytes]], dict[str, Fingerprint]]:
    """Each document built from its pages' words loaded back from the spool, kept without them
    (its PDF written; its fingerprint, but a secret's, from its first page's hashes taken when
    the page was read: no page is rendered again)."""
    built: list[tuple[Record, Path | bytes]] = []
    prints: dict[str, Fingerprint] = {}
    at = utcnow()
    for span in segmentation.documents:
        record, pdf = build_document(
            dossier,
            span,
            scan.pages_of(span.pages),
            segmentation,
            services,
            originals,
            work,
            batch=batch,
            events=events,
            at=at,
        )
        if not is_marked_secret(record):
            prints[record.id] = fingerprint(record.pages, scan.hashes(span.first), record.metadata)
        built.append((_without_words(record), pdf))
    return built, prints


def _stored(
    services: Services, scan: ScanPages, record: Record, pdf: Path | bytes, fprint: Fingerprint
) -> Record:
    """`store_document` of a document built without its words kept: they are loaded back for it,
    and let go again once it is stored."""
    return _without_words(store_document(services, scan.with_words(record), pdf, fprint))


def _without_words(record: Record) -> Record:
    return record.model_copy(update={"pages": [p.model_copy(update={"words": []}) for p in record.pages]})


def store_document(
    services: Services, record: Record, pdf: Path | bytes, fprint: Fingerprint | None = None
) -> Record:
    """Fingerprint a document (page 1 of its PDF; `fprint` when already computed), link it to a
    near duplicate already in the archive (a person decides), write its package; return the
    record as stored. Indexing is the caller's, once the dossier is committed."""
    if not isinstance(pdf, Path):
        raise TypeError(f"record {record.id}: a secret document's PDF goes to the hold, not the store")
    if fprint is None:
        fprint = fingerprint_file(
            pdf, record.pages, record.metadata, max_pixels=services.settings.max_image_pixels
        )
    match = services.similar.check_in(record.id, fprint)
    if match is not None:
        record = link_near_duplicate(record, match)
    write_document_package(services.store, record, {SEARCHABLE_PDF: pdf, FINGERPRINT_FILE: fprint.to_json()})
    services.similar.add(record.id, fprint)
    return record


def _with_documents(
    dossier: Dossier, built: list[tuple[Record, Path | bytes]], segmentation: Segmentation
) -> Dossier:
    spans = {span.order: span for span in segmentation.documents}
    documents = [
        DossierDocument(
            id=record.id,
            order=record.dossier.order,
            pages=record.dossier.pages,
            confidence=spans[record.dossier.order].confidence,
            review=spans[record.dossier.order].review,
        )
        for record, _ in built
        if record.dossier is not None
    ]
    return dossier.model_copy(update={"documents": documents})


def _store_held(
    path: Path,
    paths: list[Path],
    dossier: Dossier,
    scan: ScanPages,
    built: list[tuple[Record, Path | bytes]],
    prints: dict[str, Fingerprint],
    services: Services,
    batch: str | None,
    t0: float,
) -> DossierIntake:
    """A dossier holding a state secret: its original files and the secret documents go to the
    hold; the store keeps the other documents, the secret ones' catalogue rows, and the dossier
    without its original and without the secret pages' text or cues."""
    hold = open_hold(services.settings)
    if hold is None:
        return _quarantined(services, path, NO_HOLD_REASON, batch, t0, secret=True)
    secret_pages: set[int] = set()
    stored: list[tuple[Record, Path | bytes]] = []
    twins: list[tuple[str, Fingerprint | None]] = []
    for record, pdf in built:
        if is_marked_secret(record):
            assert record.dossier is not None
            secret_pages.update(record.dossier.pages)
            catalogue = hold_secret(hold, scan.with_words(record), pdf)
            write_catalogue(services.store, catalogue)
            stored.append((catalogue, pdf))
            twins.append((record.id, prints.get(record.id)))
        else:
            stored.append((_stored(services, scan, record, pdf, prints[record.id]), pdf))
    dossier = _with_documents(dossier, built, dossier.segmentation).model_copy(update={"pages": scan})
    # its public forms from the documents as read: a held one's catalogue row lists no names any
    # more, the title and code are masked with them all the same (application/dossiers.py)
    forms = public_form_files(dossier, [r for r, _ in built])
    # the state a document marked secret after intake is left in too (secret_docs.hold_dossier)
    dossier = hold_dossier(services.store, hold, dossier, paths, secret_pages, forms)
    for record, _ in stored:
        services.index.add(record)
    page_cache = page_cache_dir(services.settings)
    for held_id, fprint in twins:  # a copy of the same paper stored in clear before: closed
        close_twins(services.store, services.index, services.similar, held_id, fprint, page_cache=page_cache)
    log.info("dossier %s: held (a secret document in it), %d documents", dossier.id, len(built))
    return _done(path, dossier, stored, t0)


def _done(path: Path, dossier: Dossier, built: list[tuple[Record, Path | bytes]], t0: float) -> DossierIntake:
    seconds = time.monotonic() - t0
    outcomes = []
    documents = []
    for record, _ in built:
        assert record.dossier is not None
        link = record.dossier
        again = _rescan_reason(record)  # a re-scan of paper already archived, as single ingest says
        outcomes.append(
            IngestOutcome(
                path=_document_path(path, record.id, link.order, held=is_marked_secret(record)),
                status="near_duplicate" if again else "ingested",
                id=record.id,
                pages=len(link.pages),
                reason=again,
                seconds=seconds,
            )
        )
        documents.append(DocumentOutcome(id=record.id, order=link.order, pages=(link.first, link.last)))
    outcome = DossierOutcome(path=str(path), id=dossier.id, code=dossier.code, documents=documents)
    return DossierIntake(dossier=outcome, outcomes=outcomes)


def _rescan_reason(record: Record) -> str | None:
    """Why `record` was linked at intake to an earlier record it re-scans (the match's reason,
    application/ingest.py gives it a single file's `near_duplicate` outcome); None when it was not."""
    earlier = near_duplicate_of(record)
    if earlier is None:
        return None
    for event in reversed(record.events):
        if event.step == "dedup" and event.outcome == NEAR_DUPLICATE and event.detail:
            return event.detail
    return f"near-duplicate of record {earlier}"


def _duplicate(services: Services, path: Path, dossier_id: str, t0: float) -> DossierIntake:
    dossier = read_dossier(services.store, dossier_id)
    documents = [DocumentOutcome(id=d.id, order=d.order, pages=(d.first, d.last)) for d in dossier.documents]
    held = {d.id for d in dossier.documents if dossier.held and _is_held(services, d.id)}
    outcomes = [
        IngestOutcome(
            path=_document_path(path, d.id, d.order, held=d.id in held),
            status="duplicate",
            id=d.id,
            seconds=time.monotonic() - t0,
        )
        for d in dossier.documents
    ]
    outcome = DossierOutcome(
        path=str(path), id=dossier_id, code=dossier.code, status="duplicate", documents=documents
    )
    return DossierIntake(dossier=outcome, outcomes=outcomes)


def _document_path(path: Path, record_id: str, order: int, *, held: bool) -> str:
    """What an outcome calls a document of the dossier at `path`: the path and its order, but a
    document in the secret hold its id alone (the outcome, its log line and its batch say
    nothing of where in which file the secret is)."""
    return record_id if held else f"{path}#{order}"


def _is_held(services: Services, record_id: str) -> bool:
    return is_marked_secret(read_record(services.store, record_id, with_words=False))


def _fault(reason: str, secret_seen: bool, cause: Exception) -> BadInput:
    """The BadInput of a file of the dossier: SecretBadInput (no copy kept) once a page of it or
    of an earlier file showed a secrecy mark."""
    if isinstance(cause, SecretBadInput):
        return SecretBadInput(reason)
    if secret_seen:
        return SecretBadInput(f"{reason} {SECRET_NOT_COPIED}")
    return BadInput(reason)


def _quarantined(
    services: Services,
    path: Path,
    reason: str,
    batch: str | None,
    t0: float,
    *,
    keep_copy: bool = True,
    secret: bool = False,
) -> DossierIntake:
    """The dossier is at fault: a file of it kept aside with the reason (a folder: the reason
    only, its files stay where they are). Nothing of it is stored. `secret`: no copy, and named
    by its quarantine entry, never by its name or path (they may tell a secret's subject)."""
    prefix = quarantine(
        services.store,
        path,
        f"dossier: {reason}",
        batch=batch,
        keep_copy=keep_copy and path.is_file(),
        secret=secret,
    )
    outcome = IngestOutcome(
        path=prefix if secret else str(path),
        status="quarantined",
        reason=f"dossier: {reason}",
        seconds=time.monotonic() - t0,
    )
    count_outcome(outcome.status, outcome.reason)
    log_outcome(log, outcome)
    return DossierIntake(dossier=None, outcomes=[outcome])
