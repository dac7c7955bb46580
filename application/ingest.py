"""Ingest one original file: hash, detect, OCR, classify, write the package, index it.

A document marked as a state secret takes another path (application/secret_docs.py): OCR stops
after page 1 when it bears the mark, the content goes encrypted to the holding area, the store and the
index get the catalogue row only.

Plain functions; the Prefect flow in flows/ingest.py only wires them. Expected outcomes
(ingested, duplicate, quarantined) are returned as values; Transient errors propagate so the
flow can retry them; anything unexpected propagates too and is reported as `failed`.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from application.batches import record_outcome
from application.ingest_metrics import count_outcome
from application.logs import log_context, log_outcome
from application.page_reading import SECRET_NOT_COPIED, forget_pages, read_pages
from application.second_readings import SecondReadings, read_again
from application.secret_docs import (
    NO_HOLD_REASON,
    close_twins,
    hold_secret,
    is_marked_secret,
    open_hold,
)
from application.services import Services
from classify import classify
from core import __version__
from core.errors import BadInput, SecretBadInput
from core.settings import page_cache_dir
from dedup import Fingerprint, fingerprint, link_near_duplicate
from ocr import count_pages, detect_media_type, write_searchable_pdf
from ocr.load import page_images
from schemas import Classification, Event, IngestOutcome, Record, record_id_for
from schemas.record import utcnow
from storage import package_exists, quarantine, read_record, sha256_file, write_catalogue, write_package
from storage.layout import FINGERPRINT_FILE, SEARCHABLE_PDF
from storage.package import finish_package
from vntext.normalise import nfc
from vntext.syllable_lm import active_model

__all__ = ["collect_files", "ingest_file", "ingest_into_batch", "largest_first"]

log = logging.getLogger(__name__)

# Two copies of the same bytes in one batch must not both be ingested.
_record_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Every file named, and every file under every folder named (recursively), sorted.

    Symlinked folders are not followed (no loops); a path that is neither a file nor a folder
    (a broken link, a link loop) is still returned so that it is quarantined with its reason.
    """
    found: set[Path] = set()
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs.sort()
                found.update(Path(root) / name for name in files)
                # links to folders are reported rather than followed
                found.update(Path(root) / d for d in dirs if (Path(root) / d).is_symlink())
        else:
            found.add(path)
    return sorted(found)


def largest_first(files: Iterable[Path]) -> list[Path]:
    """The files biggest first (ties by path): workers that take them in this order finish a
    mixed batch sooner, since a long PDF started last would keep one worker busy alone."""

    def size(path: Path) -> int:
        try:
            return path.stat().st_size
        except OSError:  # a broken link or a loop: quick to quarantine, goes last
            return -1

    return sorted(files, key=lambda path: (-size(path), str(path)))


def _whole_count(path: Path, media_type: str) -> int:
    """The page count of a file whose page 1 bears a secrecy mark (read no further): a file
    whose page list breaks after it is quarantined with no copy kept, as a secret's must be."""
    try:
        return count_pages(path, media_type)
    except BadInput as exc:
        raise SecretBadInput(f"{exc} {SECRET_NOT_COPIED}") from exc


def _quarantined(
    services: Services,
    path: Path,
    reason: str,
    batch: str | None,
    t0: float,
    *,
    keep_copy: bool = True,
    secret: bool = False,
):
    """`secret`: no copy, and the file named by its quarantine entry (its sha256), never by its
    name or path, in the entry and the outcome (the name may tell a secret's subject)."""
    prefix = quarantine(services.store, path, reason, batch=batch, keep_copy=keep_copy, secret=secret)
    named = prefix if secret else str(path)
    return IngestOutcome(path=named, status="quarantined", reason=reason, seconds=time.monotonic() - t0)


def ingest_file(
    path: Path, services: Services, *, batch: str | None = None, worker: str | None = None
) -> IngestOutcome:
    """Ingest one file. Idempotent: the same bytes give the same record id and a `duplicate`.

    `worker` names the worker doing it (kept in the record's ingest event, with the host name).
    Every log line meanwhile carries the file name, and the record id once it is known.
    """
    with log_context(file=Path(path).name, record=None, page=None):
        outcome = _ingest(Path(path), services, batch, worker)
    count_outcome(outcome.status, outcome.reason)
    log_outcome(log, outcome)  # the one line per file: ingested, duplicate, quarantined…
    return outcome


def ingest_into_batch(
    path: Path, services: Services, batch: str, *, worker: str | None = None
) -> IngestOutcome:
    """`ingest_file`, its outcome stored in `batch` as soon as it is known (application/batches.py),
    so that a batch killed midway still has it."""
    outcome = ingest_file(path, services, batch=batch, worker=worker)
    record_outcome(services.store, batch, outcome)
    return outcome


def _ingest(path: Path, services: Services, batch: str | None, worker: str | None) -> IngestOutcome:
    t0 = time.monotonic()
    if path.is_dir():
        return _quarantined(services, path, "a link to a folder, not a file (not followed)", batch, t0)
    if path.exists() and not path.is_file():  # never read a pipe or device: it may block forever
        reason = "not a regular file (a named pipe, socket or device); copy the scan in as a file"
        return _quarantined(services, path, reason, batch, t0)
    try:
        sha256 = sha256_file(path)
    except OSError as exc:
        return _quarantined(services, path, f"cannot read the file: {exc.strerror or exc}", batch, t0)
    record_id = record_id_for(sha256)

    with _record_locks[record_id], log_context(record=record_id):
        if package_exists(services.store, record_id):
            finish_package(services.store, record_id)  # a run killed at its commit point
            if not services.index.has(record_id):  # stored but never indexed: heal
                services.index.add(read_record(services.store, record_id, with_words=False))
            secret = services.index.access_of(record_id) == "not_accessible"  # name it by its id only
            return IngestOutcome(
                path=record_id if secret else str(path),
                status="duplicate",
                id=record_id,
                seconds=time.monotonic() - t0,
            )
        with tempfile.TemporaryDirectory(prefix="sohoa-ingest-") as work:
            outcome = _ocr_classify_store(path, services, batch, worker, sha256, Path(work), t0)
        forget_pages(services, record_id)  # its outcome is stored: the pages kept meanwhile go
        return outcome


def _ocr_classify_store(
    path: Path,
    services: Services,
    batch: str | None,
    worker: str | None,
    sha256: str,
    work: Path,
    t0: float,
) -> IngestOutcome:
    """The new-record path: OCR, classify, fingerprint, the searchable PDF, store, index."""
    record_id = record_id_for(sha256)
    pdf_path = work / SEARCHABLE_PDF
    try:
        media_type = detect_media_type(path)
        started = time.monotonic()
        pages, first_page, marked, first_image = read_pages(path, services, record_id)
        ocr_seconds = time.monotonic() - started
        page_count = _whole_count(path, media_type) if marked else len(pages)
        readings = SecondReadings()
        if not marked:  # the signer's name or the day read as letters: read again (no cost otherwise)
            max_pixels = services.settings.max_image_pixels
            image_of = page_images(path, media_type, max_pixels=max_pixels, first=first_image)
            readings = read_again(pages, image_of, services.engine)
        metadata = readings.metadata(pages)
        fprint = fingerprint(pages, first_page, metadata)
    except BadInput as exc:  # after a secrecy mark showed (SecretBadInput): no copy of it kept
        secret = isinstance(exc, SecretBadInput)
        return _quarantined(services, path, str(exc), batch, t0, secret=secret)

    classification = classify(metadata, pages, services.rules)
    engine = services.engine
    record = Record(
        id=record_id,
        source=source_name(path),
        sha256=sha256,
        size=path.stat().st_size,
        media_type=media_type,
        page_count=page_count,
        pages=pages,
        metadata=metadata,
        classification=classification,
        batch=batch,
        events=[
            Event(
                step="ingest",
                tool="sohoa",
                tool_version=__version__,
                parameters={"host": socket.gethostname(), "worker": worker},
                detail=str(path),
            ),
            Event(
                step="ocr",
                tool=engine.name,
                tool_version=engine.version,
                parameters={
                    "lang": services.settings.ocr_lang,
                    "searchable_pdf": SEARCHABLE_PDF,
                    "syllables": active_model().name,  # the diacritic model: base, or learned:<pairs>:<hash>
                },
                seconds=round(ocr_seconds, 3),
                detail=f"{len(pages)} pages",
            ),
            *readings.events(engine),
            classify_event(classification, utcnow()),
        ],
    )
    if is_marked_secret(record):
        return _hold(path, services, record, batch, t0, fprint)
    try:  # the text layer grafted onto the original's own pages (never re-encoded)
        write_searchable_pdf(path, media_type, pages, pdf_path)
    except BadInput as exc:  # the file changed or vanished while we worked on it
        return _quarantined(services, path, str(exc), batch, t0)
    match = services.similar.check_in(record_id, fprint)
    if match is not None:  # a re-scan of paper already in the archive: link it, a person decides
        record = link_near_duplicate(record, match)
    extra = {SEARCHABLE_PDF: pdf_path, FINGERPRINT_FILE: fprint.to_json()}
    try:
        write_package(services.store, record, path, extra)
    except BadInput as exc:  # the file changed or vanished while we worked on it
        services.similar.remove(record_id)
        return _quarantined(services, path, str(exc), batch, t0)
    # again once committed: a lookup rebuilt (swapped in) between check_in and the commit, and
    # caught up before this commit was in the change journal, would not hold it otherwise
    services.similar.add(record_id, fprint)
    services.index.add(record)
    return IngestOutcome(
        path=str(path),
        status="near_duplicate" if match else "ingested",
        id=record_id,
        pages=len(pages),
        reason=match.reason if match else None,
        seconds=time.monotonic() - t0,
    )


def _hold(
    path: Path, services: Services, record: Record, batch: str | None, t0: float, fprint: Fingerprint
) -> IngestOutcome:
    """A state secret: its content to the holding area, its catalogue row to the store and the
    index, and a copy of the same paper stored in clear before (a scan whose reading missed the
    mark: its near-duplicate) closed; without a hold, nothing stored (the file stays where it
    is) and a reason why."""
    hold = open_hold(services.settings)
    if hold is None:
        return _quarantined(services, path, NO_HOLD_REASON, batch, t0, secret=True)
    try:
        catalogue = hold_secret(hold, record, path)
    except BadInput as exc:
        reason = f"{exc} (secret document: no copy kept, the file was left where it is)"
        return _quarantined(services, path, reason, batch, t0, keep_copy=False)
    write_catalogue(services.store, catalogue)
    services.index.add(catalogue)
    page_cache = page_cache_dir(services.settings)
    close_twins(services.store, services.index, services.similar, record.id, fprint, page_cache=page_cache)
    log.info("record %s: secret document held in %s, catalogue row stored", record.id, hold.root)
    return IngestOutcome(
        path=record.id,  # its file and folder names may tell its subject: the hold keeps them
        status="ingested",
        id=record.id,
        pages=len(record.pages),
        seconds=time.monotonic() - t0,
    )


def classify_event(classification: Classification, at: datetime) -> Event:
    """The provenance event of a record's classification (its class, its rules, why to review)."""
    return Event(
        step="classify",
        tool="sohoa",
        tool_version=__version__,
        parameters={"rules_version": classification.rules_version},
        outcome=classification.access,
        detail="; ".join(classification.review_reasons),
        at=at,
    )


def source_name(path: Path) -> str:
    """The file name as a person reads it: NFC, undecodable bytes replaced (old 8-bit names)."""
    return nfc(os.fsencode(path.name).decode("utf-8", "replace"))
