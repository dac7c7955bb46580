"""State-secret documents at ingest: the catalogue row that stays, the content that goes away.

A document marked MẬT / TỐI MẬT / TUYỆT MẬT is read only until its mark shows (ingest stops
OCR after page 1 when the mark is there, its place by Decree 30; a mark found only further on
is seen once the whole document was read, and the whole of it is held). Its catalogue row
(number, notation, type, date, issuer, level, protection period, the mark's evidence) is all
the store and the index keep; the original and every text read go, encrypted, to the holding
area (storage/hold.py). Without a configured hold nothing of it is stored: the file stays
where it is and the batch quarantines it with a reason saying what to set (README "Secret
documents").

A document of a dossier (hồ sơ) has no original of its own: the dossier's scan holds its pages.
Found secret at intake or marked later (a review decision, `sohoa secret sweep`, reprocess), it
ends in one state, written by one function (`hold_dossier`): the dossier's original files
encrypted into the hold, its scan object rewritten as one version without original and without
the secret pages' text, words or cues, the secret document's record a catalogue row (its PDF and
record in the hold), the other documents as they were (each has its own PDF and pages).
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePath
from urllib.parse import urlparse

from application.access import class_served
from application.batches import name_by_id
from application.dossiers import public_form_files, refresh_public_form, stored_forms
from application.services import Services
from application.syllable_learning import forget_learned_from, learned_path
from classify import extract_metadata
from core import __version__
from core.errors import BadInput, ConfigurationError, NotFound, SohoaError
from core.settings import Settings
from dedup import Fingerprint, SimilarityLookup, read_fingerprint
from dedup.link import near_duplicate_of
from dedup.lookup import fingerprint_stored
from indexing.base import SearchIndex
from schemas import Classification, Decision, Dossier, Event, Metadata, Page, Record
from storage import (
    HELD_STEP,
    is_held,
    iter_record_ids,
    original_key,
    read_package_bytes,
    read_record,
    record_versions,
    safe_name,
    update_record,
    write_catalogue,
)
from storage.base import ObjectStore
from storage.dossier_package import dossier_file_key, read_dossier, write_dossier_package
from storage.hold import CATALOGUE, ORIGINAL, RECORD, SecretHold, load_key, refuse_inside
from storage.jsonfile import json_bytes
from storage.layout import SEARCHABLE_PDF
from storage.ocfl_inventory import VersionInfo
from storage.package import SYSTEM, purge_withdrawn

__all__ = [
    "NO_HOLD_REASON",
    "catalogue_row",
    "close_twin",
    "close_twins",
    "erase_traces",
    "forget_renders",
    "held_original_name",
    "hold_content",
    "hold_dossier",
    "hold_secret",
    "is_marked_secret",
    "move_document_to_hold",
    "move_to_hold",
    "open_hold",
    "page_shows_secrecy",
    "row_changes",
    "sweep_secrets",
]

log = logging.getLogger(__name__)

NO_HOLD_REASON = (
    "secret document (tài liệu mật): not stored, SOHOA_SECRET_HOLD is not configured; the file "
    "was left where it is and no copy was kept. Set SOHOA_SECRET_HOLD and SOHOA_SECRET_KEY_FILE, "
    "then ingest it again"
)
TWIN_RULE = "DUP.secret"
TWIN_STEP = "secret-twin"
TWIN_REASON = (
    "near-duplicate of record {held}, which was marked secret and held: closed until an archivist reviews it"
)
# the page rendered to fingerprint a package stored without one (Settings.max_image_pixels' default)
FINGERPRINT_MAX_PIXELS = 200_000_000
HELD_NOTE = "secret document: catalogue row only; original and text held encrypted in {hold}"
SHOWN_NOTE = "not accessible: catalogue row only, the content is not shown"

_CATALOGUE_FIELDS = ("number", "notation", "doc_type", "issuer", "date", "secrecy", "urgency")
# Decision evidence that is the mark itself (the line it was read on), nothing else.
_MARK_EVIDENCE = re.compile(r"mark «[^»]+»: [^;]*")
# Review reasons that name no content: kept; every other reason is dropped from the row.
_SAFE_REASONS = (
    re.compile(r"secrecy mark .*"),  # the mark and its evidence
    re.compile(r"protection period ended \d{4}-\d\d-\d\d: .*"),
    re.compile(r"[\w.]+ \([PTM]\): protection period to be confirmed"),
    re.compile(r"[\w.]+: secret for \d+ years from classification, but the document date is unknown"),
    re.compile(r"low confidence in \w+ \(\d+\.\d+\)"),
    re.compile(r"no (access|retention) rule matched: an archivist must [\w ]+"),
)


def page_shows_secrecy(page: Page) -> bool:
    """True when this page, read as the first of its document, carries a MẬT / TỐI MẬT /
    TUYỆT MẬT mark (then the whole document's metadata carries it too)."""
    return extract_metadata([page]).secrecy is not None


def is_marked_secret(record: Record) -> bool:
    """True for a record marked as a state secret: its metadata, or the A6.1 mark rule while
    it is not accessible (a declassification lifts the mark and changes the class)."""
    return bool(record.metadata.secrecy) or (
        record.classification.access == "not_accessible"
        and any(d.rule == "A6.1" for d in record.classification.decisions)
    )


def _metadata_row(meta: Metadata) -> Metadata:
    kept = {name: getattr(meta, name) for name in _CATALOGUE_FIELDS}
    confidence = {name: value for name, value in meta.confidence.items() if name in _CATALOGUE_FIELDS}
    return Metadata(**kept, confidence=confidence)


def _classification_row(c: Classification, note: str) -> Classification:
    reasons = [r for r in c.review_reasons if _safe_reason(r)]
    return Classification(
        access="not_accessible",
        retention=c.retention,
        protect_until=c.protect_until,
        decisions=[d for d in c.decisions if _MARK_EVIDENCE.fullmatch(d.evidence)],
        needs_review=True,
        review_reasons=[note, *reasons],
        rules_version=c.rules_version,
    )


def row_changes(changes: dict[str, object]) -> dict[str, object]:
    """A review's changes as the row may keep them: the values of the class and of the row's
    fields; of any other field only that it changed."""
    kept = {"access", "retention", "protect_until", *(f"metadata.{name}" for name in _CATALOGUE_FIELDS)}
    return {name: value if name in kept else "changed" for name, value in changes.items()}


def _row_event(event: Event, reasons: str) -> Event:
    """An event as the row keeps it: the ingest without the file's path (its names may tell the
    subject), the classification with the row's reasons, a review with `row_changes`, without
    the reason the archivist typed (free text may quote the document; the held record keeps it)
    and with only the resolved reasons a row keeps."""
    if event.step == "ingest":
        return event.model_copy(update={"detail": ""})
    if event.step == "classify":
        return event.model_copy(update={"detail": reasons})
    if event.step == "review":
        parameters = {**event.parameters, "changes": row_changes(event.parameters.get("changes") or {})}
        if "reasons_resolved" in parameters:  # reasons quote the text: those a row keeps only
            parameters["reasons_resolved"] = [r for r in parameters["reasons_resolved"] if _safe_reason(r)]
        return event.model_copy(update={"parameters": parameters, "detail": ""})
    return event


def _safe_reason(reason: object) -> bool:
    """A review reason that names no content (the mark, a period, a confidence: _SAFE_REASONS)."""
    return isinstance(reason, str) and any(pattern.fullmatch(reason) for pattern in _SAFE_REASONS)


def catalogue_row(record: Record, *, hold: str | None) -> Record:
    """The record as the store and the index may keep it: no page, no text, no subject, no
    names; the decisions and reasons that carry only the mark; an event naming the `hold`.
    With no `hold`: the row to show of a record that may not be read (nothing held)."""
    if is_held(record):
        return record  # already a catalogue row
    note = HELD_NOTE.format(hold=hold) if hold else SHOWN_NOTE
    classification = _classification_row(record.classification, note)
    reasons = "; ".join(classification.review_reasons)
    kept = ("ingest", "ocr", "classify", "review")
    events = [_row_event(e, reasons) for e in record.events if e.step in kept]
    if hold:
        events.append(
            Event(
                step=HELD_STEP,
                tool="sohoa",
                tool_version=__version__,
                parameters={"hold": hold, "files": [ORIGINAL, RECORD], "cipher": "AES-256-GCM"},
                detail=f"{len(record.pages)} of {record.page_count} pages read (up to the secrecy mark)",
            )
        )
    return record.model_copy(
        update={
            "source": f"{record.id}{PurePath(safe_name(record.source)).suffix.lower()}",
            "pages": [],
            "metadata": _metadata_row(record.metadata),
            "classification": classification,
            "events": events,
        }
    )


def _local_root(url: str) -> Path | None:
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        return Path(parsed.path if parsed.scheme else url)
    return None


def open_hold(settings: Settings) -> SecretHold | None:
    """The holding area the settings name, or None when SOHOA_SECRET_HOLD is unset.

    ConfigurationError when the key file is unset, unreadable, readable by others, or when the
    hold or the key lies inside SOHOA_HOME or the store (or the key inside the hold).
    """
    if settings.secret_hold is None:
        return None
    if settings.secret_key_file is None:
        raise ConfigurationError(
            "SOHOA_SECRET_HOLD is set but SOHOA_SECRET_KEY_FILE is not: make a key with "
            "`sohoa secret new-key PATH` (outside SOHOA_HOME and the store) and set it"
        )
    forbidden = [("SOHOA_HOME", settings.home)]
    store = _local_root(settings.storage_url)
    if store is not None:
        forbidden.append(("the store", store))
    refuse_inside(settings.secret_hold, "SOHOA_SECRET_HOLD", forbidden)
    forbidden.append(("SOHOA_SECRET_HOLD", settings.secret_hold))
    return SecretHold(settings.secret_hold, load_key(settings.secret_key_file, forbidden=forbidden))


def hold_secret(hold: SecretHold, record: Record, original: Path | bytes) -> Record:
    """Encrypt the original (a file, or bytes never written in clear: a secret document's PDF
    cut from a dossier scan) and the record as read into the hold; return the catalogue row.

    BadInput (nothing replaced in the hold) when the original no longer has the record's bytes.
    """
    catalogue = catalogue_row(record, hold=str(hold.root))
    if isinstance(original, bytes):
        hold.put_bytes(record.id, ORIGINAL, original)
    else:
        hold.put_file(record.id, ORIGINAL, original, sha256=record.sha256)
    hold.put_bytes(record.id, RECORD, json_bytes(record.model_dump(mode="json")))
    hold.put_bytes(record.id, CATALOGUE, json_bytes(catalogue.model_dump(mode="json")))
    return catalogue


def move_to_hold(store: ObjectStore, index: SearchIndex, hold: SecretHold, record: Record) -> Record:
    """Move a record stored in clear to the hold: the original and the record, encrypted; the
    package rewritten as its catalogue row (the original, pages and PDF leave the store); the
    index entry replaced by the row. Returns the row. BadInput (nothing changed here) when the
    stored original is damaged. Call `erase_traces` afterwards."""
    with tempfile.TemporaryDirectory(prefix="sohoa-hold-") as scratch:
        original = Path(scratch) / "original"
        store.get_file(original_key(store, record.id), original)
        catalogue = hold_secret(hold, record, original)
    index.delete(record.id)
    write_catalogue(store, catalogue)
    index.add(catalogue)
    log.warning("record %s: secret content moved to the hold %s", record.id, hold.root)
    return catalogue


def hold_content(
    store: ObjectStore,
    index: SearchIndex,
    similar: SimilarityLookup,
    hold: SecretHold,
    record: Record,
    page_cache: Path,
) -> Record:
    """What a record marked secret after it was stored goes through, from a review decision,
    `sohoa secret sweep` or reprocess alike: its content moved to the hold (`move_to_hold`; a
    document of a dossier: `move_document_to_hold`) and its near-duplicate fingerprint (hashes
    of its first page, its number and notation) forgotten; its near-duplicates (the same paper
    scanned again, found by that fingerprint — made from its original when its package has
    none — or linked at ingest) closed (`close_twins`); its batch's outcome and report naming it
    by its id only (`application.batches.name_by_id`), a document of a dossier too. `record` is
    the record as decided, with its words. Returns the catalogue row; BadInput as move_to_hold
    (nothing changed in the store). Call `erase_traces` afterwards (the held record's traces; a
    closed near-duplicate's page images rendered into `page_cache` are removed here)."""
    fp = read_fingerprint(store, record.id)  # before the package is purged of it
    if fp is None and record.dossier is None:  # a package from before fingerprints were stored
        fp = _computed_fingerprint(store, record.id)
    if record.dossier is not None:
        catalogue = move_document_to_hold(store, index, hold, record)
    else:
        catalogue = move_to_hold(store, index, hold, record)
    similar.remove(record.id)
    close_twins(store, index, similar, record.id, fp, near_duplicate_of(record), page_cache=page_cache)
    if record.batch:  # a document of a dossier too: an intake names one it holds by its id alone
        name_by_id(store, record.batch, record.id)
    return catalogue


def _computed_fingerprint(store: ObjectStore, record_id: str) -> Fingerprint | None:
    """The fingerprint of a package stored without one, from its original (None when it cannot
    be made: the hold goes on, its twins found by the ingest link only)."""
    try:
        return fingerprint_stored(store, record_id, FINGERPRINT_MAX_PIXELS)
    except (SohoaError, OSError) as exc:
        log.warning("record %s: no fingerprint to find its near-duplicates by: %s", record_id, exc)
        return None


def close_twins(
    store: ObjectStore,
    index: SearchIndex,
    similar: SimilarityLookup,
    held_id: str,
    fp: Fingerprint | None,
    linked: str | None = None,
    *,
    page_cache: Path,
) -> list[str]:
    """Close (`close_twin`) the near-duplicates of the record `held_id` that went to the hold:
    those the lookup finds for its fingerprint `fp` (None: none) and the record it was `linked`
    to at ingest, and remove the page images rendered from them into `page_cache` (they show
    the secret's paper). A secret held at intake calls it too, with the fingerprint it computed
    (the copy stored in clear before is the same paper). Returns the ids closed."""
    twins = {match.record_id for match in similar.matches(fp, exclude=held_id)} if fp is not None else set()
    if linked:
        twins.add(linked)
    closed = [twin for twin in sorted(twins) if close_twin(store, index, twin, held_id)]
    forget_renders(page_cache, closed)
    if closed:
        log.warning("record %s held: its near-duplicates %s closed for review", held_id, ", ".join(closed))
    return closed


def close_twin(store: ObjectStore, index: SearchIndex, twin_id: str, held_id: str) -> bool:
    """Close a near-duplicate of a record that went to the hold — the same paper scanned again,
    served as it was (its text, its pages): not_accessible and sent to review with a reason
    naming the held record, as its next version, the index following. More closed is applied at
    once; an archivist decides the rest (marking it MẬT sends it to the hold too). False when it
    is gone, held or not served already."""
    try:
        twin = read_record(store, twin_id)
    except NotFound:
        return False
    if is_held(twin) or class_served(twin) == "not_accessible":
        return False
    before = twin.classification
    classification = before.model_copy(
        update={
            "access": "not_accessible",
            "needs_review": True,
            "review_reasons": [*before.review_reasons, TWIN_REASON.format(held=held_id)],
            "decisions": [
                *before.decisions,
                Decision(
                    rule=TWIN_RULE,
                    outcome=f"closed {before.access} -> not_accessible",
                    evidence=f"record {held_id}",
                ),
            ],
        }
    )
    event = Event(
        step=TWIN_STEP,
        tool="sohoa",
        tool_version=__version__,
        parameters={"of": held_id, "access_before": before.access},
        outcome="not_accessible",
        detail=TWIN_REASON.format(held=held_id),
    )
    closed = twin.model_copy(update={"classification": classification, "events": [*twin.events, event]})
    update_record(store, closed, VersionInfo(f"{TWIN_STEP}: near-duplicate of {held_id}", SYSTEM))
    index.add(closed)
    if closed.dossier is not None:
        try:
            refresh_public_form(store, closed.dossier.dossier)
        except NotFound:  # never committed (an intake killed before its commit): no form to refresh
            log.warning(
                "record %s: its dossier %s is not committed, no form refreshed",
                twin_id,
                closed.dossier.dossier,
            )
    return True


# ---- a document of a dossier: the dossier's original and the secret pages go too ----


def held_original_name(index: int) -> str:
    """The name the hold keeps a dossier's `index`-th (0-based) original file under."""
    return f"original-{index + 1:04d}.enc"


def _hidden_pages(pages: Sequence[Page], hidden: set[int]) -> Sequence[Page]:
    """`pages` without the text and words of the `hidden` ones (a dossier intake's scan hides
    them itself, lazily: application/dossier_scan.py ScanPages.without)."""
    without = getattr(pages, "without", None)
    if without is not None:
        return without(hidden)
    return [p.model_copy(update={"text": "", "words": []}) if p.number in hidden else p for p in pages]


def hold_dossier(
    store: ObjectStore,
    hold: SecretHold,
    dossier: Dossier,
    originals: Sequence[Path] | None,
    hidden: set[int],
    forms: Mapping[str, bytes],
    info: VersionInfo | None = None,
) -> Dossier:
    """The dossier as its secret documents leave it, at intake and after alike: its `originals`
    (its files, in order; None when they are in the hold already) encrypted into the hold, and
    its package written held (`forms` its public forms): the scan without original and without
    the text and words of the `hidden` pages nor the text of any cue seen on them (a page's
    'previous_ended' quotes the page before), purged of its older versions
    (storage/dossier_package.py). `dossier` carries its scan pages with their words. Returns
    the dossier as written. BadInput (nothing written in the store) when an original no longer
    has its recorded bytes."""
    if originals is not None:
        for i, (original, file) in enumerate(zip(originals, dossier.files, strict=True)):
            hold.put_file(dossier.id, held_original_name(i), original, sha256=file.sha256)
    segments = [
        s.model_copy(
            update={"cues": [c.model_copy(update={"text": ""}) if c.page in hidden else c for c in s.cues]}
        )
        for s in dossier.segmentation.pages
    ]
    held = dossier.model_copy(
        update={
            "pages": _hidden_pages(dossier.pages, hidden),
            "segmentation": dossier.segmentation.model_copy(update={"pages": segments}),
            "held": True,
        }
    )
    write_dossier_package(store, held, None, forms, info)
    return held


def move_document_to_hold(store: ObjectStore, index: SearchIndex, hold: SecretHold, record: Record) -> Record:
    """`move_to_hold` for a document of a dossier, into the state a dossier intake leaves when
    it finds the document secret: its PDF (cut from the scan) and record encrypted into the
    hold, the dossier's original files too unless they are there already, the dossier package
    rewritten held (`hold_dossier`: no original, the document's pages without text, no older
    version), then the document's object purged down to its catalogue row, its index entry
    replaced by the row and the dossier's public forms refreshed. The record is written last: a
    rerun after a kill finishes the move (the dossier's head says held before its scan is
    rewritten; a scan object a kill left deleted, between its purge and its commit, is logged
    and the document goes to the hold all the same: never left in clear). Returns the row;
    BadInput (nothing changed in the store) when an original is damaged; NotFound when the
    dossier is not committed."""
    assert record.dossier is not None
    dossier_id = record.dossier.dossier
    head = read_dossier(store, dossier_id)  # NotFound: the dossier is not committed
    try:
        dossier: Dossier | None = read_dossier(store, dossier_id, scan=True, with_words=True)
    except NotFound:
        if not head.held:
            raise
        log.error("dossier %s: held, its scan object is missing (a kill while it was purged)", dossier_id)
        dossier = None
    pdf = read_package_bytes(store, record.id, SEARCHABLE_PDF)
    catalogue = hold_secret(hold, record, pdf)
    info = VersionInfo(f"secret hold: document {record.id}", SYSTEM)
    if dossier is not None:
        records = [catalogue]
        for document in dossier.documents:
            try:
                if document.id != record.id:
                    records.append(read_record(store, document.id, with_words=False))
            except (NotFound, ValueError):  # as refresh_public_form: its masked values unknown
                log.warning("dossier %s: document %s unreadable for its public form", dossier_id, document.id)
        forms = public_form_files(dossier, records, stored_forms(store, dossier_id))
        with tempfile.TemporaryDirectory(prefix="sohoa-hold-") as scratch:
            originals = None
            if not dossier.held:
                originals = []
                for i in range(len(dossier.files)):
                    local = Path(scratch) / f"{i:04d}"
                    store.get_file(dossier_file_key(store, dossier, i), local)
                    originals.append(local)
            hold_dossier(store, hold, dossier, originals, set(record.dossier.pages), forms, info)
    for withdrawn in _withdrawn_with(store, head, set(record.dossier.pages)):
        if purge_withdrawn(store, withdrawn):
            log.warning(
                "record %s (dossier %s): withdrawn package purged to its tombstone", withdrawn, dossier_id
            )
    index.delete(record.id)
    write_catalogue(store, catalogue)
    index.add(catalogue)
    refresh_public_form(store, dossier_id, info)  # nothing to do when the forms above stand
    log.warning(
        "record %s (dossier %s): secret content moved to the hold %s", record.id, dossier_id, hold.root
    )
    return catalogue


SPLIT_STEP = "review-split"  # a split's event in the dossier (application/dossier_review.py)


def _withdrawn_with(store: ObjectStore, dossier: Dossier, pages: set[int]) -> list[str]:
    """The documents the dossier's splits withdrew (its events name them) that held one of
    `pages`: their versions before the tombstone keep those pages' text, words and PDF."""
    found = []
    for event in dossier.events:
        if event.step != SPLIT_STEP:
            continue
        for record_id in event.parameters.get("withdrawn") or []:
            try:
                versions = record_versions(store, str(record_id))
                before = read_record(store, str(record_id), with_words=False, version=versions[-2].number)
            except (NotFound, ValueError, IndexError):  # absent, or its tombstone alone already
                continue
            if before.dossier is not None and pages & set(before.dossier.pages):
                found.append(str(record_id))
    return found


def forget_renders(page_cache: Path, record_ids: Iterable[str]) -> None:
    """Remove the page images the API rendered from these records (api/images.py: never served
    again once the record changed, their key holds the redaction, but kept at rest)."""
    for record_id in record_ids:
        for cached in Path(page_cache).glob(f"{record_id}-*"):
            cached.unlink(missing_ok=True)


def erase_traces(index: SearchIndex, page_cache: Path, record_ids: Iterable[str], *, learned: Path) -> None:
    """What a record's content left outside the store once it went to the hold: the index's
    deleted rows and terms (SearchIndex.scrub), the page images rendered from it, and the syllable
    counts `learned` (application.syllable_learning.learned_path) when it taught them."""
    record_ids = list(record_ids)
    forget_renders(page_cache, record_ids)
    forget_learned_from(learned, record_ids)
    index.scrub()


def sweep_secrets(services: Services, hold: SecretHold, page_cache: Path) -> list[str]:
    """Move the content of secret records stored in clear (by versions before the hold, or
    marked later) to the hold and forget their near-duplicate fingerprints (`hold_content`), and
    erase their traces. Returns the ids moved. Idempotent: a record already held is left alone.
    """
    moved = []
    for record_id in iter_record_ids(services.store):
        record = read_record(services.store, record_id)
        if is_held(record) or not is_marked_secret(record):
            continue
        try:
            hold_content(services.store, services.index, services.similar, hold, record, page_cache)
        except BadInput as exc:  # the stored original is damaged: sohoa verify says more
            log.error("record %s: not moved to the hold: %s", record_id, exc)
            continue
        except NotFound as exc:  # a document of a dossier never committed, or damaged
            log.error("record %s: not moved to the hold (the sweep goes on): %s", record_id, exc)
            continue
        moved.append(record_id)
    if moved:
        erase_traces(services.index, page_cache, moved, learned=learned_path(services.settings))
    return moved
